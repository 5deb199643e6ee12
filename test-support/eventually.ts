/**
 * Polls `probe` until it returns without throwing and `until` (if given) accepts its value, then
 * returns that value. For states reached in the background: a restore after start-up, an event
 * on the bus, a cleanup after an aborted upload. On timeout it throws the last failure. Bounds are
 * generous because the test machine is shared and noisy.
 */
export async function eventually<T>(probe: () => T | Promise<T>, until?: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let failure: unknown;
    try {
      const value = await probe();
      if (!until || until(value)) return value;
      failure = new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) throw failure;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A least-recently-used map bounded both in entries and in bytes (as `sizeOf` counts them): a
 * cache keyed by whatever a browser puts in a query string must not grow with the number of
 * different queries, nor with the size of what a hostile store answers. A Map keeps insertion
 * order, so re-inserting on every hit makes its first key the least recently used one.
 */
export class BoundedLru<K, V> {
  private readonly entries = new Map<K, { value: V; size: number }>();
  private bytes = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxBytes: number,
    private readonly sizeOf: (value: V) => number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Bytes held, as `sizeOf` counted them. */
  get heldBytes(): number {
    return this.bytes;
  }

  get(key: K): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** Remembers `value`; one larger than the whole byte bound is not kept, but still drops the key's older value. */
  set(key: K, value: V): void {
    const size = this.sizeOf(value);
    this.delete(key);
    if (size > this.maxBytes) return;
    this.entries.set(key, { value, size });
    this.bytes += size;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= entry.size;
    }
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.size;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}

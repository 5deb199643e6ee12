/**
 * A least-recently-used map bounded both in entries and in bytes (as `sizeOf` counts them): a
 * cache keyed by whatever a browser puts in a query string must not grow with the number of
 * different queries, nor with the size of what a hostile store answers. A Map keeps insertion
 * order, so re-inserting on every hit makes its first key the least recently used one.
 */
export class BoundedLru<K, V> {
  private readonly entries = new Map<K, { value: V; size: number }>();
  private bytes = 0;
  /**
   * The key last set or moved to the end: a hit on it is already the most recent, so it is not
   * deleted and set again (that re-insert was most of a cache hit's cost while one page is read
   * over and over). Undefined when unknown.
   */
  private newest: K | undefined;

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
    if (key !== this.newest) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.newest = key;
    }
    return entry.value;
  }

  /** Remembers `value`; one larger than the whole byte bound is not kept, but still drops the key's older value. */
  set(key: K, value: V): void {
    const size = this.sizeOf(value);
    this.delete(key);
    if (size > this.maxBytes) return;
    this.entries.set(key, { value, size });
    this.newest = key;
    this.bytes += size;
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.delete(oldest);
    }
  }

  delete(key: K): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.size;
    if (key === this.newest) this.newest = undefined;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
    this.newest = undefined;
  }
}

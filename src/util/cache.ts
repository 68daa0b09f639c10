// The review path's caches as one object: named regions share one memory
// budget, evicted least recently used first across all of them, with hit, miss
// and size counters per region and a reset for tests. A review's snapshots
// carry the object they remember through (runReview takes it; by default the
// thread's own). Sizes are estimates
// given by each region (text length, objects × a typical size), not heap
// measurements. Each thread has its own instance (worker threads share no
// memory): the server divides its budget between its review threads.

export interface CacheStats {
  region: string;
  hits: number;
  misses: number;
  entries: number;
  bytes: number;
}

interface Entry {
  region: Region<unknown>;
  key: string;
  value: unknown;
  bytes: number;
}

/** A Kubernetes object's memory, as the regions estimate it: a typical Deployment parsed, with its source text. */
export const OBJECT_BYTES = 4096;

/** Default budget of one thread's caches. */
export const DEFAULT_CACHE_BYTES = 256 * 2 ** 20;

export class Caches {
  /** Every entry of every region, least recently used first (a Map iterates in insertion order). */
  private readonly entries = new Map<string, Entry>();
  private readonly regions = new Map<string, Region<unknown>>();
  private total = 0;

  constructor(private budget = DEFAULT_CACHE_BYTES) {}

  /** Changes the budget; entries past it go at once. */
  setBudget(bytes: number): void {
    this.budget = bytes;
    this.evict();
  }

  /** The region `name` of this cache, made on first use; `bytesOf` estimates the memory one value holds. */
  region<V>(name: string, bytesOf: (value: V) => number): Region<V> {
    let region = this.regions.get(name);
    if (!region) {
      region = new Region<V>(this, name, bytesOf) as Region<unknown>;
      this.regions.set(name, region);
    }
    return region as Region<V>;
  }

  stats(): CacheStats[] {
    const stats = new Map([...this.regions.keys()].map((name) => [name, { region: name, ...this.regions.get(name)!.counters, entries: 0, bytes: 0 }]));
    for (const entry of this.entries.values()) {
      const s = stats.get(entry.region.name)!;
      s.entries += 1;
      s.bytes += entry.bytes;
    }
    return [...stats.values()];
  }

  /** Empties every region and zeroes the counters. */
  reset(): void {
    this.entries.clear();
    this.total = 0;
    for (const region of this.regions.values()) region.counters = { hits: 0, misses: 0 };
  }

  /** @internal */
  holds(region: Region<unknown>, key: string): boolean {
    return this.entries.has(`${region.name}\0${key}`);
  }

  /** @internal */
  lookup(region: Region<unknown>, key: string): Entry | undefined {
    const id = `${region.name}\0${key}`;
    const entry = this.entries.get(id);
    if (entry) {
      this.entries.delete(id);
      this.entries.set(id, entry);
    }
    return entry;
  }

  /** @internal */
  store(region: Region<unknown>, key: string, value: unknown, bytes: number): void {
    this.remove(region, key);
    // A value larger than a quarter of the budget would push out everything else for one use.
    if (bytes > this.budget / 4) return;
    this.entries.set(`${region.name}\0${key}`, { region, key, value, bytes });
    this.total += bytes;
    this.evict();
  }

  /** @internal Sets the size of an entry once its value is known (a settled promise). */
  weigh(region: Region<unknown>, key: string, value: unknown, bytes: number): void {
    const entry = this.entries.get(`${region.name}\0${key}`);
    if (!entry || entry.value !== value) return;
    if (bytes > this.budget / 4) {
      this.remove(region, key);
      return;
    }
    this.total += bytes - entry.bytes;
    entry.bytes = bytes;
    this.evict();
  }

  /** @internal */
  remove(region: Region<unknown>, key: string, value?: unknown): void {
    const id = `${region.name}\0${key}`;
    const entry = this.entries.get(id);
    if (!entry || (value !== undefined && entry.value !== value)) return;
    this.entries.delete(id);
    this.total -= entry.bytes;
  }

  private evict(): void {
    for (const [id, entry] of this.entries) {
      if (this.total <= this.budget) break;
      this.entries.delete(id);
      this.total -= entry.bytes;
    }
  }
}

export class Region<V> {
  /** @internal */
  counters = { hits: 0, misses: 0 };

  constructor(
    private readonly caches: Caches,
    readonly name: string,
    private readonly bytesOf: (value: V) => number,
  ) {}

  /** Whether `key` is cached, without counting a lookup. */
  has(key: string): boolean {
    return this.caches.holds(this as Region<unknown>, key);
  }

  get(key: string): V | undefined {
    const entry = this.caches.lookup(this as Region<unknown>, key);
    if (entry) this.counters.hits += 1;
    else this.counters.misses += 1;
    return entry?.value as V | undefined;
  }

  set(key: string, value: V): void {
    this.caches.store(this as Region<unknown>, key, value, this.bytesOf(value));
  }

  /**
   * The promise remembered under `key`, or `make()` remembered there. It
   * weighs nothing until it settles; a failure is not remembered (a timeout or
   * a missing tool may not happen again).
   */
  remember(key: string, make: () => Promise<V>): Promise<V> {
    const self = this as Region<unknown>;
    const entry = this.caches.lookup(self, key);
    if (entry) {
      this.counters.hits += 1;
      return entry.value as Promise<V>;
    }
    this.counters.misses += 1;
    const made = make();
    this.caches.store(self, key, made, 0);
    made.then(
      (value) => this.caches.weigh(self, key, made, this.bytesOf(value)),
      () => this.caches.remove(self, key, made),
    );
    return made;
  }
}

/** The caches of this thread, for reviews given none. */
export const caches = new Caches();

// Bounded, serialisable state for rules and baselines: an LRU map (insertion order is recency, so
// eviction depends only on the event order and replays identically), sliding-window and
// leaky-bucket counters that keep just enough hits to name the evidence, and exponentially
// weighted mean/variance (West 1979 incremental form).

/** A Map that keeps at most `cap` keys, dropping the least recently touched. */
export class BoundedMap<V> {
  readonly #cap: number;
  #m = new Map<string, V>();
  constructor(cap: number, entries?: Iterable<[string, V]>) {
    this.#cap = cap;
    if (entries) for (const [k, v] of entries) this.#m.set(k, v);
  }
  get size(): number {
    return this.#m.size;
  }
  /** Reads and marks as recently used. */
  touch(key: string): V | undefined {
    const v = this.#m.get(key);
    if (v !== undefined) {
      this.#m.delete(key);
      this.#m.set(key, v);
    }
    return v;
  }
  peek(key: string): V | undefined {
    return this.#m.get(key);
  }
  set(key: string, v: V): void {
    this.#m.delete(key);
    this.#m.set(key, v);
    if (this.#m.size > this.#cap) {
      const oldest = this.#m.keys().next().value as string;
      this.#m.delete(oldest);
    }
  }
  delete(key: string): void {
    this.#m.delete(key);
  }
  entries(): [string, V][] {
    return [...this.#m.entries()];
  }
}

/** A hit: [ledger index, event time ms, distinct value or "", ...alert context]. */
export type Hit = [number, number, string, ...string[]];

export interface WindowCounter {
  hits: Hit[];
  /** Leaky-bucket level and the time it was last updated. */
  level: number;
  at: number;
}

export interface WindowSpec {
  readonly windowMs: number;
  readonly threshold: number;
  readonly mode: "sliding" | "leaky";
  readonly distinct: boolean;
}

/**
 * Adds a hit and answers whether the threshold is reached. Sliding: `threshold` hits (distinct
 * values when `distinct`) within the window. Leaky bucket: each hit adds 1, the bucket drains
 * threshold/window per millisecond (CrowdSec's leaky scenarios).
 */
export function addHit(c: WindowCounter, hit: Hit, spec: WindowSpec): boolean {
  const [, at, value] = hit;
  const keep = Math.max(spec.threshold, 1) * 2;
  if (spec.distinct) c.hits = c.hits.filter((h) => h[2] !== value);
  c.hits.push(hit);
  c.hits = c.hits.filter((h) => h[1] > at - spec.windowMs);
  if (c.hits.length > keep) c.hits = c.hits.slice(c.hits.length - keep);
  if (spec.mode === "leaky") {
    const leak = (spec.threshold / spec.windowMs) * Math.max(0, at - c.at);
    c.level = Math.max(0, c.level - leak) + 1;
    c.at = at;
    // Fires when the bucket holds more than threshold − 1 undrained hits as the threshold-th arrives.
    return c.level > spec.threshold - 1;
  }
  return c.hits.length >= spec.threshold;
}

export function newCounter(): WindowCounter {
  return { hits: [], level: 0, at: 0 };
}

/** Exponentially weighted mean and variance. */
export interface Ewma {
  mean: number;
  variance: number;
  n: number;
}

export function newEwma(): Ewma {
  return { mean: 0, variance: 0, n: 0 };
}

export function updateEwma(s: Ewma, x: number, alpha: number): void {
  if (s.n === 0) {
    s.mean = x;
    s.variance = 0;
  } else {
    const diff = x - s.mean;
    const incr = alpha * diff;
    s.mean += incr;
    s.variance = (1 - alpha) * (s.variance + diff * incr);
  }
  s.n++;
}

/**
 * updateEwma with the observation winsorised at mean + k·sd once the history has a few points, so
 * one anomalous hour (an attack) does not inflate the baseline that must catch the next one.
 */
export function updateEwmaRobust(s: Ewma, x: number, alpha: number, k = 4, minStd = 1): void {
  if (s.n >= 3) {
    const sd = Math.max(Math.sqrt(s.variance), minStd, Math.abs(s.mean) * 0.1);
    x = Math.min(x, s.mean + k * sd);
  }
  updateEwma(s, x, alpha);
}

/** Standard score of x against s, with a floor on the deviation so a flat history is not infinitely sure. */
export function zScore(s: Ewma, x: number, minStd = 1): number {
  const sd = Math.max(Math.sqrt(s.variance), minStd, Math.abs(s.mean) * 0.1);
  return (x - s.mean) / sd;
}

/** Maps a standard score to [0, 1]: 0 up to z = 2, about 0.5 at z = 4, near 1 beyond z = 8. */
export function zToScore(z: number): number {
  return z <= 2 ? 0 : 1 - Math.exp(-(z - 2) / 3);
}

/** Adds to a small most-recent-first list without repeats; true when the value was new. */
export function remember(list: string[], value: string, cap: number): boolean {
  const i = list.indexOf(value);
  if (i === 0) return false;
  if (i > 0) list.splice(i, 1);
  list.unshift(value);
  if (list.length > cap) list.length = cap;
  return i < 0;
}

// The ephemeral shared-state port: counters with expiry, single-use markers, sets, token buckets
// and publish/subscribe. State here may vanish (restart, eviction) without harming correctness
// beyond a rate-limit window or a cache miss; anything that must survive lives in the database.
// Several gateway instances share one Redis; a single instance may use the in-memory store.

export interface TokenBucketSpec {
  /** Bucket size: the largest burst. */
  readonly capacity: number;
  /** Tokens added per second, continuously. */
  readonly refillPerSec: number;
  /** Tokens this call takes (default 1); must not exceed capacity. */
  readonly cost?: number;
}

export interface TokenBucketResult {
  readonly allowed: boolean;
  /** Whole tokens left after this call. */
  readonly remaining: number;
  /** 0 when allowed; otherwise milliseconds until `cost` tokens are available. */
  readonly retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
}

export interface SetAddOptions {
  /** The member expires this long after being added (re-adding refreshes it). */
  readonly memberTtlMs?: number;
  /**
   * Never shortens a live member's expiry: the later of its current expiry and this call's stands
   * (a member without expiry keeps none). For blocks that concurrent callers extend, in any order.
   */
  readonly extendOnly?: boolean;
  /**
   * The whole set expires this long after this call. Without it, the set lives exactly as long as
   * its longest-lived member (forever if any member has no expiry).
   */
  readonly ttlMs?: number;
}

export type MessageHandler = (message: string, channel: string) => void;
export type Unsubscribe = () => Promise<void>;

export interface EphemeralStore {
  readonly kind: "memory" | "redis";
  /** Prepended to every key and channel, e.g. "rampart:". */
  readonly prefix: string;
  /**
   * Adds `by` (an integer) to the counter at `key` and returns the new value. When the key has no
   * expiry (it was just created), it gets `ttlMs`: a fixed window that later increments do not extend.
   */
  incr(key: string, by: number, ttlMs: number): Promise<number>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  /** Stores `value` only if `key` is absent; true for exactly one of any number of racing callers. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** True if the key existed. */
  del(key: string): Promise<boolean>;
  /**
   * Removes the key and answers the string it held, in one atomic step (Redis GETDEL): of any
   * number of racing callers exactly one gets the value, the rest null. Null for an absent key.
   */
  getDel(key: string): Promise<string | null>;
  /** Milliseconds left; Infinity for a key without expiry; null for an absent key. */
  ttl(key: string): Promise<number | null>;
  /** True if `member` was not already a (live) member. */
  sAdd(key: string, member: string, options?: SetAddOptions): Promise<boolean>;
  /** True if `member` was a live member. */
  sRem(key: string, member: string): Promise<boolean>;
  sIsMember(key: string, member: string): Promise<boolean>;
  /** Live members, sorted. */
  sMembers(key: string): Promise<string[]>;
  /** Takes `cost` tokens from the bucket at `key` if it holds that many (atomic). */
  take(key: string, spec: TokenBucketSpec): Promise<TokenBucketResult>;
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is active, with a function that ends it. */
  subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe>;
  ping(): Promise<void>;
  /** Closes connections and drops subscriptions; idempotent. */
  close(): Promise<void>;
}

// The in-memory EphemeralStore: for a single gateway instance and for tests (with a ManualClock).
// Semantics match the Redis store, including wrong-type errors. Instances built over one
// MemoryBackend share state and pub/sub, the way several clients share one Redis server.
import { type Clock, systemClock } from "../../kernel/index.js";
import { StoreError } from "../errors.js";
import { type StoreLogger, silentLogger } from "../types.js";
import type {
  EphemeralStore,
  MessageHandler,
  SetAddOptions,
  TokenBucketResult,
  TokenBucketSpec,
  Unsubscribe,
} from "./types.js";
import { checkBucket, checkIncrement, checkTtl, refill } from "./validate.js";

type Entry =
  | { kind: "string"; value: string; expiresAt: number }
  | { kind: "set"; members: Map<string, number>; expiresAt: number }
  | { kind: "bucket"; tokens: number; ts: number; expiresAt: number };

/** Shared state for memory stores: the counterpart of one Redis server. */
export class MemoryBackend {
  readonly entries = new Map<string, Entry>();
  readonly channels = new Map<string, Set<MessageHandler>>();
  private ops = 0;

  /** Every 1024 operations, drop expired entries so keys nobody reads again do not pile up. */
  tick(now: number): void {
    if (++this.ops % 1024 !== 0) return;
    for (const [k, e] of this.entries) {
      if (e.expiresAt <= now) this.entries.delete(k);
      else if (e.kind === "set") {
        for (const [m, at] of e.members) if (at <= now) e.members.delete(m);
        if (e.members.size === 0) this.entries.delete(k);
      }
    }
  }
}

const wrongType = (): StoreError =>
  new StoreError("ERR_STORE_WRONG_TYPE", {
    detail: "operation against a key holding the wrong kind of value",
  });

export interface MemoryEphemeralOptions {
  prefix: string;
  clock?: Clock | undefined;
  backend?: MemoryBackend | undefined;
  logger?: StoreLogger | undefined;
}

export class MemoryEphemeralStore implements EphemeralStore {
  readonly kind = "memory";
  private closed = false;
  private readonly subscriptions = new Set<{ channel: string; handler: MessageHandler }>();

  readonly prefix: string;
  private readonly clock: Clock;
  private readonly backend: MemoryBackend;
  private readonly logger: StoreLogger;

  constructor(options: MemoryEphemeralOptions) {
    this.prefix = options.prefix;
    this.clock = options.clock ?? systemClock;
    this.backend = options.backend ?? new MemoryBackend();
    this.logger = options.logger ?? silentLogger;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError("ERR_STORE_UNAVAILABLE", { detail: "ephemeral store is closed" });
  }

  private live(key: string): Entry | undefined {
    this.assertOpen();
    const now = this.clock.now();
    this.backend.tick(now);
    const k = this.prefix + key;
    const e = this.backend.entries.get(k);
    if (e === undefined) return undefined;
    if (e.expiresAt <= now) {
      this.backend.entries.delete(k);
      return undefined;
    }
    if (e.kind === "set") {
      for (const [m, at] of e.members) if (at <= now) e.members.delete(m);
      if (e.members.size === 0) {
        this.backend.entries.delete(k);
        return undefined;
      }
    }
    return e;
  }

  private put(key: string, e: Entry): void {
    this.backend.entries.set(this.prefix + key, e);
  }

  async incr(key: string, by: number, ttlMs: number): Promise<number> {
    checkIncrement(by);
    checkTtl("incr: ttlMs", ttlMs);
    const e = this.live(key);
    if (e !== undefined && e.kind !== "string") throw wrongType();
    const current = e === undefined ? 0 : Number(e.value);
    if (e !== undefined && !/^-?\d+$/.test(e.value)) throw wrongType();
    const value = current + by;
    const expiresAt =
      e === undefined || e.expiresAt === Number.POSITIVE_INFINITY ? this.clock.now() + ttlMs : e.expiresAt;
    this.put(key, { kind: "string", value: String(value), expiresAt });
    return value;
  }

  async get(key: string): Promise<string | null> {
    const e = this.live(key);
    if (e === undefined) return null;
    if (e.kind !== "string") throw wrongType();
    return e.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs !== undefined) checkTtl("set: ttlMs", ttlMs);
    this.live(key);
    const expiresAt = ttlMs === undefined ? Number.POSITIVE_INFINITY : this.clock.now() + ttlMs;
    this.put(key, { kind: "string", value, expiresAt });
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    checkTtl("setIfAbsent: ttlMs", ttlMs);
    if (this.live(key) !== undefined) return false;
    this.put(key, { kind: "string", value, expiresAt: this.clock.now() + ttlMs });
    return true;
  }

  async del(key: string): Promise<boolean> {
    const existed = this.live(key) !== undefined;
    this.backend.entries.delete(this.prefix + key);
    return existed;
  }

  async getDel(key: string): Promise<string | null> {
    const e = this.live(key);
    if (e === undefined) return null;
    if (e.kind !== "string") throw wrongType();
    this.backend.entries.delete(this.prefix + key);
    return e.value;
  }

  async ttl(key: string): Promise<number | null> {
    const e = this.live(key);
    if (e === undefined) return null;
    if (e.kind === "set" && e.expiresAt === Number.POSITIVE_INFINITY) {
      const longest = Math.max(...e.members.values());
      return longest === Number.POSITIVE_INFINITY ? longest : longest - this.clock.now();
    }
    return e.expiresAt === Number.POSITIVE_INFINITY ? e.expiresAt : e.expiresAt - this.clock.now();
  }

  async sAdd(key: string, member: string, options: SetAddOptions = {}): Promise<boolean> {
    if (options.memberTtlMs !== undefined) checkTtl("sAdd: memberTtlMs", options.memberTtlMs);
    if (options.ttlMs !== undefined) checkTtl("sAdd: ttlMs", options.ttlMs);
    const now = this.clock.now();
    let e = this.live(key);
    if (e !== undefined && e.kind !== "set") throw wrongType();
    if (e === undefined) {
      e = { kind: "set", members: new Map(), expiresAt: Number.POSITIVE_INFINITY };
      this.put(key, e);
    }
    const added = !e.members.has(member);
    const expiresAt =
      options.memberTtlMs === undefined ? Number.POSITIVE_INFINITY : now + options.memberTtlMs;
    // live() has dropped expired members, so a current expiry here is in the future.
    const current = e.members.get(member);
    e.members.set(
      member,
      options.extendOnly === true && current !== undefined ? Math.max(current, expiresAt) : expiresAt,
    );
    // Without ttlMs the set's own expiry is "when its last member goes" (see SetAddOptions), which
    // live() already enforces member by member; so only an explicit ttlMs sets a key expiry.
    e.expiresAt = options.ttlMs === undefined ? Number.POSITIVE_INFINITY : now + options.ttlMs;
    return added;
  }

  async sRem(key: string, member: string): Promise<boolean> {
    const e = this.live(key);
    if (e === undefined) return false;
    if (e.kind !== "set") throw wrongType();
    const removed = e.members.delete(member);
    if (e.members.size === 0) this.backend.entries.delete(this.prefix + key);
    return removed;
  }

  async sIsMember(key: string, member: string): Promise<boolean> {
    const e = this.live(key);
    if (e === undefined) return false;
    if (e.kind !== "set") throw wrongType();
    return e.members.has(member);
  }

  async sMembers(key: string): Promise<string[]> {
    const e = this.live(key);
    if (e === undefined) return [];
    if (e.kind !== "set") throw wrongType();
    return [...e.members.keys()].sort();
  }

  async take(key: string, spec: TokenBucketSpec): Promise<TokenBucketResult> {
    const s = checkBucket(spec);
    const now = this.clock.now();
    const e = this.live(key);
    if (e !== undefined && e.kind !== "bucket") throw wrongType();
    const r = refill(s, e, now);
    if (r.resetMs > 0)
      this.put(key, { kind: "bucket", tokens: r.tokens, ts: now, expiresAt: now + r.resetMs });
    else this.backend.entries.delete(this.prefix + key);
    return {
      allowed: r.allowed,
      remaining: Math.floor(r.tokens),
      retryAfterMs: r.retryAfterMs,
      resetMs: r.resetMs,
    };
  }

  async publish(channel: string, message: string): Promise<void> {
    this.assertOpen();
    const handlers = this.backend.channels.get(this.prefix + channel);
    if (handlers === undefined) return;
    for (const h of [...handlers]) {
      // Asynchronous, like delivery from Redis: a handler never runs inside publish().
      setImmediate(() => {
        if (!handlers.has(h)) return;
        try {
          h(message, channel);
        } catch (e) {
          this.logger.warn({ err: e, channel }, "ephemeral subscriber failed");
        }
      });
    }
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    this.assertOpen();
    const full = this.prefix + channel;
    let handlers = this.backend.channels.get(full);
    if (handlers === undefined) {
      handlers = new Set();
      this.backend.channels.set(full, handlers);
    }
    // A wrapper per subscription, so subscribing the same function twice gives two deliveries.
    const wrapped: MessageHandler = (m, c) => handler(m, c);
    handlers.add(wrapped);
    const sub = { channel: full, handler: wrapped };
    this.subscriptions.add(sub);
    return async () => this.drop(sub);
  }

  private drop(sub: { channel: string; handler: MessageHandler }): void {
    this.subscriptions.delete(sub);
    const handlers = this.backend.channels.get(sub.channel);
    handlers?.delete(sub.handler);
    if (handlers?.size === 0) this.backend.channels.delete(sub.channel);
  }

  async ping(): Promise<void> {
    this.assertOpen();
  }

  async close(): Promise<void> {
    for (const sub of [...this.subscriptions]) this.drop(sub);
    this.closed = true;
  }
}

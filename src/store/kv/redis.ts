// The Redis EphemeralStore (ioredis): what several gateway instances share. Compound operations
// are Lua scripts (redis-scripts.ts); pub/sub uses a second connection, opened on first subscribe.
import { Redis } from "ioredis";
import { StoreError } from "../errors.js";
import { type StoreLogger, silentLogger } from "../types.js";
import { GETDEL, INCR, SADD, SISMEMBER, SMEMBERS, SREM, TAKE } from "./redis-scripts.js";
import type {
  EphemeralStore,
  MessageHandler,
  SetAddOptions,
  TokenBucketResult,
  TokenBucketSpec,
  Unsubscribe,
} from "./types.js";
import { checkBucket, checkIncrement, checkTtl } from "./validate.js";

/** The commands defineCommand adds (ioredis runs them with EVALSHA, falling back to EVAL). */
interface Scripted {
  rampartIncr(key: string, by: number, ttlMs: number): Promise<number>;
  rampartGetDel(key: string): Promise<string | null>;
  rampartSAdd(
    key: string,
    member: string,
    memberTtlMs: number,
    ttlMs: number,
    extendOnly: "0" | "1",
  ): Promise<number>;
  rampartSRem(key: string, member: string): Promise<number>;
  rampartSIsMember(key: string, member: string): Promise<number>;
  rampartSMembers(key: string): Promise<string[]>;
  rampartTake(
    key: string,
    capacity: number,
    refillPerSec: number,
    cost: number,
  ): Promise<[number, string, number, number]>;
}

function defineScripts(client: Redis): Scripted {
  client.defineCommand("rampartIncr", { numberOfKeys: 1, lua: INCR });
  client.defineCommand("rampartGetDel", { numberOfKeys: 1, lua: GETDEL });
  client.defineCommand("rampartSAdd", { numberOfKeys: 1, lua: SADD });
  client.defineCommand("rampartSRem", { numberOfKeys: 1, lua: SREM });
  client.defineCommand("rampartSIsMember", { numberOfKeys: 1, lua: SISMEMBER });
  client.defineCommand("rampartSMembers", { numberOfKeys: 1, lua: SMEMBERS });
  client.defineCommand("rampartTake", { numberOfKeys: 1, lua: TAKE });
  return client as unknown as Scripted;
}

/** Redis errors as StoreErrors: WRONGTYPE and non-integer values are wrong-type, the rest unavailable. */
export function toRedisStoreError(e: unknown): StoreError {
  if (e instanceof StoreError) return e;
  const message = e instanceof Error ? e.message : String(e);
  const wrong = /WRONGTYPE|not an integer|not a valid float/.test(message);
  return new StoreError(wrong ? "ERR_STORE_WRONG_TYPE" : "ERR_STORE_UNAVAILABLE", {
    detail: message,
    cause: e,
  });
}

async function guard<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    throw toRedisStoreError(e);
  }
}

const CLIENT_OPTIONS = {
  lazyConnect: true,
  // Fail a command after a few reconnect attempts rather than queueing it forever.
  maxRetriesPerRequest: 2,
  connectTimeout: 5000,
  connectionName: "rampart",
  // Commands issued in the same turn of the event loop (every request's rate-limit buckets, from
  // many requests) leave in one write and come back in one read instead of one round trip each.
  enableAutoPipelining: true,
} as const;

/** Connects, or throws ERR_STORE_UNAVAILABLE (and stops reconnecting). */
export async function connectRedis(url: string, logger: StoreLogger): Promise<Redis> {
  const client = new Redis(url, CLIENT_OPTIONS);
  // Without a listener an 'error' event ends the process; ioredis reconnects by itself.
  client.on("error", (e: Error) => logger.warn({ err: toRedisStoreError(e) }, "redis connection error"));
  try {
    await client.connect();
  } catch (e) {
    client.disconnect();
    throw toRedisStoreError(e);
  }
  return client;
}

export class RedisEphemeralStore implements EphemeralStore {
  readonly kind = "redis";
  private readonly scripts: Scripted;
  private subscriber: Promise<Redis> | undefined;
  private readonly handlers = new Map<string, Set<MessageHandler>>();
  private closed: Promise<void> | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly client: Redis,
    readonly prefix: string,
    private readonly logger: StoreLogger = silentLogger,
  ) {
    this.scripts = defineScripts(client);
  }

  private k(key: string): string {
    if (this.closed !== undefined)
      throw new StoreError("ERR_STORE_UNAVAILABLE", { detail: "ephemeral store is closed" });
    return this.prefix + key;
  }

  incr(key: string, by: number, ttlMs: number): Promise<number> {
    checkIncrement(by);
    checkTtl("incr: ttlMs", ttlMs);
    return guard(() => this.scripts.rampartIncr(this.k(key), by, ttlMs));
  }

  get(key: string): Promise<string | null> {
    return guard(() => this.client.get(this.k(key)));
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    if (ttlMs !== undefined) checkTtl("set: ttlMs", ttlMs);
    await guard(() =>
      ttlMs === undefined
        ? this.client.set(this.k(key), value)
        : this.client.set(this.k(key), value, "PX", ttlMs),
    );
  }

  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    checkTtl("setIfAbsent: ttlMs", ttlMs);
    return guard(async () => (await this.client.set(this.k(key), value, "PX", ttlMs, "NX")) === "OK");
  }

  del(key: string): Promise<boolean> {
    return guard(async () => (await this.client.del(this.k(key))) > 0);
  }

  getDel(key: string): Promise<string | null> {
    return guard(() => this.scripts.rampartGetDel(this.k(key)));
  }

  ttl(key: string): Promise<number | null> {
    return guard(async () => {
      const ms = await this.client.pttl(this.k(key));
      if (ms === -2) return null;
      return ms === -1 ? Number.POSITIVE_INFINITY : ms;
    });
  }

  sAdd(key: string, member: string, options: SetAddOptions = {}): Promise<boolean> {
    const memberTtl =
      options.memberTtlMs === undefined ? 0 : checkTtl("sAdd: memberTtlMs", options.memberTtlMs);
    const ttl = options.ttlMs === undefined ? 0 : checkTtl("sAdd: ttlMs", options.ttlMs);
    const extend = options.extendOnly === true ? "1" : "0";
    return guard(
      async () => (await this.scripts.rampartSAdd(this.k(key), member, memberTtl, ttl, extend)) === 1,
    );
  }

  sRem(key: string, member: string): Promise<boolean> {
    return guard(async () => (await this.scripts.rampartSRem(this.k(key), member)) === 1);
  }

  sIsMember(key: string, member: string): Promise<boolean> {
    return guard(async () => (await this.scripts.rampartSIsMember(this.k(key), member)) === 1);
  }

  sMembers(key: string): Promise<string[]> {
    return guard(async () => (await this.scripts.rampartSMembers(this.k(key))).sort());
  }

  take(key: string, spec: TokenBucketSpec): Promise<TokenBucketResult> {
    const s = checkBucket(spec);
    return guard(async () => {
      const [allowed, tokens, retryAfterMs, resetMs] = await this.scripts.rampartTake(
        this.k(key),
        s.capacity,
        s.refillPerSec,
        s.cost,
      );
      return { allowed: allowed === 1, remaining: Math.floor(Number(tokens)), retryAfterMs, resetMs };
    });
  }

  async publish(channel: string, message: string): Promise<void> {
    await guard(() => this.client.publish(this.k(channel), message));
  }

  private subscriberConnection(): Promise<Redis> {
    this.subscriber ??= (async () => {
      const sub = this.client.duplicate();
      sub.on("error", (e: Error) =>
        this.logger.warn({ err: toRedisStoreError(e) }, "redis subscriber error"),
      );
      sub.on("message", (full: string, message: string) => this.dispatch(full, message));
      try {
        await sub.connect();
      } catch (e) {
        sub.disconnect();
        this.subscriber = undefined;
        throw e;
      }
      return sub;
    })();
    return this.subscriber;
  }

  /** SUBSCRIBE/UNSUBSCRIBE run one at a time, so an unsubscribe never overtakes a later subscribe. */
  private serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.chain.then(op, op);
    this.chain = run.catch(() => undefined);
    return guard(() => run);
  }

  private dispatch(full: string, message: string): void {
    const channel = full.slice(this.prefix.length);
    for (const h of [...(this.handlers.get(full) ?? [])]) {
      try {
        h(message, channel);
      } catch (e) {
        this.logger.warn({ err: e, channel }, "ephemeral subscriber failed");
      }
    }
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<Unsubscribe> {
    const full = this.k(channel);
    const wrapped: MessageHandler = (m, c) => handler(m, c);
    let set = this.handlers.get(full);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(full, set);
    }
    set.add(wrapped);
    try {
      await this.serial(async () => {
        // Queued behind other subscriptions while the store closed: open no new connection.
        this.k(channel);
        const sub = await this.subscriberConnection();
        await sub.subscribe(full);
      });
    } catch (e) {
      set.delete(wrapped);
      throw e;
    }
    return async () => {
      const current = this.handlers.get(full);
      if (current === undefined || !current.delete(wrapped)) return;
      if (current.size > 0) return;
      this.handlers.delete(full);
      await this.serial(async () => {
        // Someone subscribed again meanwhile, or the store closed: leave the channel alone.
        if (this.handlers.has(full) || this.closed !== undefined || this.subscriber === undefined) return;
        await (await this.subscriber).unsubscribe(full);
      });
    };
  }

  async ping(): Promise<void> {
    this.k("");
    await guard(() => this.client.ping());
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      this.handlers.clear();
      // Subscriptions already queued run (or fail, seeing the store closed) first, so a subscriber
      // connection one of them opens is not left open.
      await this.chain;
      const sub = this.subscriber === undefined ? undefined : await this.subscriber.catch(() => undefined);
      await Promise.all([quit(this.client), sub === undefined ? undefined : quit(sub)]);
    })();
    return this.closed;
  }
}

async function quit(client: Redis): Promise<void> {
  try {
    await client.quit();
  } catch {
    client.disconnect();
  }
}

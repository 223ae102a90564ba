// openEphemeral: Redis when a URL is configured (state shared between gateway instances),
// otherwise in memory (one instance only).
import type { Clock } from "../../kernel/index.js";
import { StoreError } from "../errors.js";
import { type StoreLogger, silentLogger } from "../types.js";
import { MemoryBackend, MemoryEphemeralStore } from "./memory.js";
import { connectRedis, RedisEphemeralStore } from "./redis.js";
import type { EphemeralStore } from "./types.js";

export interface OpenEphemeralOptions {
  /** `redis://` or `rediss://` (config `ephemeral.redis_url`); absent for in-memory. */
  redisUrl?: string | undefined;
  /** Prepended to every key and channel. Default "rampart:". */
  prefix?: string | undefined;
  /** Memory store only: time source for expiry (Redis uses the server's clock). */
  clock?: Clock | undefined;
  /** Memory store only: shared state, so several instances in one process see each other. */
  memoryBackend?: MemoryBackend | undefined;
  logger?: StoreLogger | undefined;
}

export async function openEphemeral(options: OpenEphemeralOptions = {}): Promise<EphemeralStore> {
  const prefix = options.prefix ?? "rampart:";
  const url = options.redisUrl;
  if (url === undefined || url === "") {
    return new MemoryEphemeralStore({
      prefix,
      clock: options.clock,
      backend: options.memoryBackend ?? new MemoryBackend(),
      logger: options.logger,
    });
  }
  if (!/^rediss?:\/\//i.test(url)) {
    throw new StoreError("ERR_STORE_CONFIG", {
      message: "ephemeral.redis_url must start with redis:// or rediss://",
    });
  }
  const logger = options.logger;
  const client = await connectRedis(url, logger ?? silentLogger);
  return new RedisEphemeralStore(client, prefix, logger);
}

// Ephemeral shared state: the port and its two implementations.

export type { MemoryEphemeralOptions } from "./memory.js";
export { MemoryBackend, MemoryEphemeralStore } from "./memory.js";
export { type OpenEphemeralOptions, openEphemeral } from "./open.js";
export { RedisEphemeralStore } from "./redis.js";
export type {
  EphemeralStore,
  MessageHandler,
  SetAddOptions,
  TokenBucketResult,
  TokenBucketSpec,
  Unsubscribe,
} from "./types.js";

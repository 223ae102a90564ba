// Argument checks shared by both implementations, so a caller's mistake fails the same way on
// memory and on Redis (and never reaches a Lua script as NaN).
import { StoreError } from "../errors.js";
import type { TokenBucketSpec } from "./types.js";

function invalid(detail: string): StoreError {
  return new StoreError("ERR_STORE_INVALID_ARGUMENT", { detail });
}

export function checkTtl(name: string, ms: number): number {
  if (!Number.isSafeInteger(ms) || ms <= 0)
    throw invalid(`${name} must be a positive integer of milliseconds`);
  return ms;
}

export function checkIncrement(by: number): number {
  if (!Number.isSafeInteger(by)) throw invalid("incr: `by` must be a safe integer");
  return by;
}

export function checkBucket(spec: TokenBucketSpec): Required<TokenBucketSpec> {
  const cost = spec.cost ?? 1;
  const { capacity, refillPerSec } = spec;
  if (!(Number.isFinite(capacity) && capacity > 0)) throw invalid("take: capacity must be a positive number");
  if (!(Number.isFinite(refillPerSec) && refillPerSec > 0))
    throw invalid("take: refillPerSec must be positive");
  if (!(Number.isFinite(cost) && cost >= 0 && cost <= capacity))
    throw invalid("take: cost must be in [0, capacity]");
  return { capacity, refillPerSec, cost };
}

/** The token bucket arithmetic, shared by the memory store (the Lua script mirrors it). */
export function refill(
  spec: Required<TokenBucketSpec>,
  state: { tokens: number; ts: number } | undefined,
  now: number,
): { tokens: number; allowed: boolean; retryAfterMs: number; resetMs: number } {
  let tokens = spec.capacity;
  if (state !== undefined) {
    tokens = state.tokens;
    if (now > state.ts) tokens += ((now - state.ts) * spec.refillPerSec) / 1000;
  }
  tokens = Math.min(spec.capacity, tokens);
  const allowed = tokens >= spec.cost;
  if (allowed) tokens -= spec.cost;
  const perToken = 1000 / spec.refillPerSec;
  const retryAfterMs = allowed ? 0 : Math.ceil((spec.cost - tokens) * perToken);
  const resetMs = Math.ceil((spec.capacity - tokens) * perToken);
  return { tokens, allowed, retryAfterMs, resetMs };
}

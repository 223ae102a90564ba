// Restricted fields in sink output become hmac-sha256:<hex> (as Vault's audit devices do): keyed, so
// analysts holding the key can correlate equal values — or test a known value — without anyone
// reading them. Which names are restricted is the vault's classification (config
// `classification`: exact examples win, then substring rules); `isRestricted` is the seam to swap.

import type { Config } from "../../config/index.js";
import { hmacSha256 } from "../../crypto/index.js";
import { Classifier } from "../../vault/index.js";

/** The event fields a sink always shows as they are: structure, not data. */
const STRUCTURAL = new Set([
  "action",
  "event_id",
  "event_type",
  "index",
  "outcome",
  "schema_version",
  "timestamp",
  "risk_score",
]);
const MAX_DEPTH = 16;

export type IsRestricted = (fieldName: string) => boolean;

/** Field names whose values must not leave the box in clear, per config `classification`. */
export function restrictedFields(config: Pick<Config, "classification">): IsRestricted {
  const classifier = new Classifier(config.classification);
  const cache = new Map<string, boolean>();
  return (name) => {
    let r = cache.get(name);
    if (r === undefined) {
      const c = classifier.classify(name);
      r = c.redact || c.level === "restricted";
      if (cache.size < 10_000) cache.set(name, r);
    }
    return r;
  };
}

/** hmac-sha256:<hex> of a value: a string as its UTF-8 bytes, anything else as its JSON text. */
export function hmacValue(key: Uint8Array, value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return `hmac-sha256:${hmacSha256(key, text ?? "null").toString("hex")}`;
}

/** A copy of `event` whose restricted-named values (at any depth of details) are HMACs. */
export function redactEvent(
  event: Record<string, unknown>,
  isRestricted: IsRestricted,
  key: Uint8Array,
): Record<string, unknown> {
  const walk = (v: unknown, depth: number): unknown => {
    if (v === null || typeof v !== "object" || depth > MAX_DEPTH) return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>))
      out[k] = x !== null && isRestricted(k) ? hmacValue(key, x) : walk(x, depth + 1);
    return out;
  };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(event)) {
    if (STRUCTURAL.has(k)) out[k] = v;
    else if (k === "details") out[k] = walk(v, 0);
    else out[k] = v !== null && isRestricted(k) ? hmacValue(key, v) : v;
  }
  return out;
}

// Signed, nonce-bearing request and reply envelopes for the actuator and webhook adapters.
// A message is one JSON line {"body": "<JSON text>", "mac": "<hex>"} where mac is
// HMAC-SHA256(key, body) over the body's UTF-8 bytes (RFC 2104): the body is signed as sent, so
// no canonical form is needed on either side. A request body carries a random nonce and a
// timestamp (the actuator refuses a replayed nonce or a stale timestamp); a reply repeats the
// request id and is signed with the same key, so a reply cannot be forged or moved to another
// request.
import { constantTimeEqual, hmacSha256, randomToken } from "../../crypto/index.js";
import { actuatorRefused } from "../errors.js";
import type { TradingScope, TradingVerb } from "../types.js";

export const ENVELOPE_VERSION = 1;

export interface RequestBody {
  v: typeof ENVELOPE_VERSION;
  id: string;
  nonce: string;
  ts: number;
  verb: TradingVerb;
  args: { scope: TradingScope; reason?: string };
}

export interface ReplyBody {
  v: number;
  id: string;
  ok: boolean;
  verb?: string;
  before?: unknown;
  after?: unknown;
  error?: string;
}

export function macHex(key: Uint8Array, body: string): string {
  return hmacSha256(key, Buffer.from(body, "utf8")).toString("hex");
}

export function buildRequest(
  key: Uint8Array,
  p: { id: string; verb: TradingVerb; scope: TradingScope; reason?: string; now: number; nonce?: string },
): { line: string; body: RequestBody } {
  const body: RequestBody = {
    v: ENVELOPE_VERSION,
    id: p.id,
    nonce: p.nonce ?? randomToken(18),
    ts: p.now,
    verb: p.verb,
    args: { scope: p.scope, ...(p.reason !== undefined ? { reason: p.reason } : {}) },
  };
  const text = JSON.stringify(body);
  return { line: JSON.stringify({ body: text, mac: macHex(key, text) }), body };
}

/** Verifies a reply's MAC and that it answers request `id`; throws ERR_TRADING_ACTUATOR_PROTOCOL. */
export function verifyReply(key: Uint8Array, line: string, id: string): ReplyBody {
  let env: { body?: unknown; mac?: unknown };
  try {
    env = JSON.parse(line) as { body?: unknown; mac?: unknown };
  } catch {
    throw actuatorRefused("reply is not JSON");
  }
  if (typeof env.body !== "string" || typeof env.mac !== "string")
    throw actuatorRefused("reply has no body/mac");
  return verifySignedBody(key, env.body, env.mac, id);
}

export function verifySignedBody(key: Uint8Array, body: string, mac: string, id: string): ReplyBody {
  if (!constantTimeEqual(macHex(key, body), mac.toLowerCase()))
    throw actuatorRefused("reply MAC does not verify");
  let r: ReplyBody;
  try {
    r = JSON.parse(body) as ReplyBody;
  } catch {
    throw actuatorRefused("reply body is not JSON");
  }
  if (r.id !== id) throw actuatorRefused("reply answers another request");
  if (typeof r.ok !== "boolean") throw actuatorRefused("reply has no ok flag");
  return r;
}

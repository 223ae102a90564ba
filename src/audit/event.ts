// The ledger's event model, schema version 1: the seed's AuditTrailManager fields, an event id
// (UUID), an ISO 8601 UTC timestamp with milliseconds, and the position (`index`) the ledger gives
// it. An entry's leaf hash is SHA-256(0x00 ‖ JCS(event)) (RFC 8785, RFC 9162 §2.1.1), so anyone
// can recompute it. The index is inside the hashed event, which binds each event to its position:
// a moved or swapped row is caught at the exact index, not only as a different root.
import jcsModule from "canonicalize";
import { invalidEvent } from "./errors.js";
import { scanCanonicalEvent } from "./event-scan.js";
import { hashLeafText } from "./merkle.js";
import { type AuditEventInput, EVENT_TYPES, type EventType, type Outcome } from "./types.js";

// canonicalize is CommonJS whose typings declare an ES default export; under NodeNext the default
// import is module.exports itself, which is the function.
const canonicalize = jcsModule as unknown as (value: unknown) => string | undefined;

export const EVENT_SCHEMA_VERSION = 1;
export const OUTCOMES: readonly Outcome[] = ["success", "failure", "denied", "error"];
const MAX_EVENT_BYTES = 64 * 1024;
const MAX_DEPTH = 16;

/** An event as the ledger stores and hashes it (keys listed in JCS order). */
export interface LedgerEvent {
  action: string;
  details: Record<string, unknown>;
  event_id: string;
  event_type: EventType;
  index: number;
  ip_address: string | null;
  outcome: Outcome;
  request_id: string | null;
  resource: string | null;
  risk_score: number | null;
  schema_version: typeof EVENT_SCHEMA_VERSION;
  session_id: string | null;
  timestamp: string;
  user_id: string | null;
}

/** A stored entry: the event plus the leaf hash the ledger computed (hex). */
export type LedgerEntry = LedgerEvent & { leaf_hash: string };

/**
 * An event validated and serialised before it has a position: JCS sorts keys, and `index` falls
 * between `event_type` and `ip_address`, so the canonical text is `head ‖ "index":N ‖ tail` and
 * assigning the index inside the append transaction costs no re-serialisation.
 */
export interface PreparedEvent {
  readonly eventId: string;
  readonly eventType: EventType;
  readonly action: string;
  readonly outcome: Outcome;
  readonly userId: string | null;
  readonly timestampMs: number;
  readonly head: string;
  readonly tail: string;
}

function checkJson(value: unknown, depth: number, path: string): void {
  if (depth > MAX_DEPTH) throw invalidEvent(`${path} nests deeper than ${MAX_DEPTH}`);
  if (value === null || typeof value === "string" || typeof value === "boolean") return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalidEvent(`${path} is not a finite number`);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      checkJson(v, depth + 1, `${path}[${i}]`);
    });
    return;
  }
  if (typeof value === "object") {
    if (typeof (value as { toJSON?: unknown }).toJSON === "function") return;
    for (const [k, v] of Object.entries(value)) if (v !== undefined) checkJson(v, depth + 1, `${path}.${k}`);
    return;
  }
  throw invalidEvent(`${path} is not a JSON value`);
}

function optionalString(v: string | null | undefined, name: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== "string") throw invalidEvent(`${name} must be a string`);
  return v;
}

const str = (v: string): string => JSON.stringify(v);
const nullable = (v: string | null | undefined, name: string): string => {
  const s = optionalString(v, name);
  return s === null ? "null" : JSON.stringify(s);
};

/** Validates a caller's event and serialises it canonically, apart from the index. */
export function prepareEvent(input: AuditEventInput, eventId: string, nowMs: number): PreparedEvent {
  if (!EVENT_TYPES.includes(input.event_type)) throw invalidEvent("unknown event_type");
  if (!OUTCOMES.includes(input.outcome)) throw invalidEvent("unknown outcome");
  if (typeof input.action !== "string" || input.action.length === 0 || input.action.length > 200)
    throw invalidEvent("action must be a string of 1 to 200 characters");
  const details = input.details ?? {};
  if (typeof details !== "object" || details === null || Array.isArray(details))
    throw invalidEvent("details must be an object");
  checkJson(details, 0, "details");
  const risk = input.risk_score ?? null;
  if (risk !== null && (typeof risk !== "number" || !Number.isFinite(risk)))
    throw invalidEvent("risk_score must be a finite number");
  const timestamp = new Date(nowMs).toISOString();
  const userId = optionalString(input.user_id, "user_id");
  // The fixed keys are written in their JCS order around the canonicalised details: a JCS string or
  // number is exactly ES JSON.stringify's (RFC 8785 §3.2.2), so this is JCS(event) without sorting
  // the event's keys on every request (the property tests compare it with the canonicaliser).
  const detailsText = canonicalize(details);
  if (detailsText === undefined) throw invalidEvent("not serialisable");
  const head =
    `{"action":${str(input.action)},"details":${detailsText},` +
    `"event_id":${str(eventId)},"event_type":${str(input.event_type)}}`;
  const tail =
    `{"ip_address":${nullable(input.ip_address, "ip_address")},"outcome":${str(input.outcome)},` +
    `"request_id":${nullable(input.request_id, "request_id")},"resource":${nullable(input.resource, "resource")},` +
    `"risk_score":${risk === null ? "null" : JSON.stringify(risk)},"schema_version":${EVENT_SCHEMA_VERSION},` +
    `"session_id":${nullable(input.session_id, "session_id")},"timestamp":${str(timestamp)},` +
    `"user_id":${userId === null ? "null" : str(userId)}}`;
  if (head.length + tail.length > MAX_EVENT_BYTES) throw invalidEvent(`larger than ${MAX_EVENT_BYTES} bytes`);
  return {
    eventId,
    eventType: input.event_type,
    action: input.action,
    outcome: input.outcome,
    userId,
    timestampMs: nowMs,
    head,
    tail,
  };
}

/** The canonical (RFC 8785) text of a prepared event placed at `index`. */
export function canonicalAt(p: PreparedEvent, index: number): string {
  return `${p.head.slice(0, -1)},"index":${index},${p.tail.slice(1)}`;
}

/** SHA-256(0x00 ‖ canonical event), the leaf hash of RFC 9162 §2.1.1. */
export function leafHashOf(canonical: string): Buffer {
  return hashLeafText(canonical);
}

/** Are every object's keys in strictly increasing UTF-16 code-unit order (JCS, RFC 8785 §3.2.3)? */
function keysSorted(v: object): boolean {
  if (Array.isArray(v)) {
    for (const x of v) if (x !== null && typeof x === "object" && !keysSorted(x)) return false;
    return true;
  }
  // A loop rather than Object.keys().every(): verification runs this for every entry. JSON.parse
  // makes plain objects, whose enumerable keys are all their own.
  let previous: string | undefined;
  for (const k in v) {
    if (previous !== undefined && previous >= k) return false;
    previous = k;
    const x = (v as Record<string, unknown>)[k];
    if (x !== null && typeof x === "object" && !keysSorted(x)) return false;
  }
  return true;
}

/**
 * Is `text` exactly JCS(parsed)? JCS is ES2015 JSON.stringify with keys sorted by UTF-16 code
 * units, so when stringify reproduces the text and every object's keys are sorted, it is; the
 * full canonicaliser decides the rest (e.g. integer-like keys, which JSON.parse reorders).
 */
export function isCanonical(text: string, parsed: unknown): boolean {
  if (
    JSON.stringify(parsed) === text &&
    (parsed === null || typeof parsed !== "object" || keysSorted(parsed))
  )
    return true;
  return canonicalize(parsed) === text;
}

const NULLABLE = ["ip_address", "request_id", "resource", "session_id", "user_id"] as const;

/** Parses stored canonical text into an event, checking its shape; undefined if it is not one. */
export function parseStoredEvent(text: string): { event: LedgerEvent; canonical: boolean } | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
  const e = v as Record<string, unknown>;
  if (e["schema_version"] !== EVENT_SCHEMA_VERSION) return undefined;
  if (!Number.isSafeInteger(e["index"]) || typeof e["event_id"] !== "string") return undefined;
  if (typeof e["timestamp"] !== "string" || typeof e["action"] !== "string") return undefined;
  if (!EVENT_TYPES.includes(e["event_type"] as EventType) || !OUTCOMES.includes(e["outcome"] as Outcome))
    return undefined;
  for (const k of NULLABLE) if (e[k] !== null && typeof e[k] !== "string") return undefined;
  if (e["risk_score"] !== null && typeof e["risk_score"] !== "number") return undefined;
  if (e["details"] === null || typeof e["details"] !== "object" || Array.isArray(e["details"]))
    return undefined;
  return { event: e as unknown as LedgerEvent, canonical: isCanonical(text, v) };
}

/**
 * Checks one stored entry at position `index`, in the order verification names problems: a valid
 * event, in canonical form, holding its own index, hashing to the stored leaf hash. Returns the leaf
 * hash, or the reason the entry is wrong.
 */
export function checkStoredEntry(text: string, index: number, storedLeafHash: Uint8Array): Buffer | string {
  // The scanner answers for ordinary entries; whatever it cannot vouch for takes the full path.
  let held = typeof text === "string" ? scanCanonicalEvent(text) : undefined;
  if (held === undefined) {
    const parsed = parseStoredEvent(text);
    if (!parsed) return "not a valid event";
    if (!parsed.canonical) return "not in canonical (RFC 8785) form";
    held = parsed.event.index;
  }
  if (held !== index) return `holds the event of index ${held}: moved`;
  const leafHash = leafHashOf(text);
  // A tampered row may hold a leaf hash of another type (SQLite columns are not typed).
  if (!(storedLeafHash instanceof Uint8Array) || !leafHash.equals(storedLeafHash))
    return "event does not match its leaf hash: altered";
  return leafHash;
}

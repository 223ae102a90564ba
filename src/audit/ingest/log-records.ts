// pysystemtrade log records as ledger events. pysystemtrade records no *who*; its logs are the best
// account of *what* happened, so each record at or above the threshold (config audit.ingest.
// min_level, default INFO) becomes one event: `trading` when it names an instrument, strategy or
// order, else `system`; action `pysystemtrade.log`; outcome `error` for ERROR and CRITICAL; the
// allowed attributes (syslogdiag/pst_logger.py ALLOWED_LOG_ATTRIBUTES) parsed into details.
import { invalidEvent } from "../errors.js";
import type { AuditEventInput, AuditReceipt, AuditRecorder } from "../types.js";

export const LOG_LEVELS = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 } as const;
export type LogLevelName = keyof typeof LOG_LEVELS;

/** syslogdiag/pst_logger.py ALLOWED_LOG_ATTRIBUTES (plus `sysmon` of newer versions). */
export const PST_ATTRIBUTES = [
  "type",
  "component",
  "stage",
  "currency_code",
  "instrument_code",
  "contract_date",
  "order_id",
  "strategy_name",
  "instrument_order_id",
  "contract_order_id",
  "broker_order_id",
  "broker",
  "clientid",
  "sysmon",
] as const;
const TRADING_KEYS = [
  "instrument_code",
  "strategy_name",
  "order_id",
  "instrument_order_id",
  "contract_order_id",
  "broker_order_id",
  "contract_date",
] as const;

const MAX_MESSAGE = 4096;
const MAX_TRACEBACK = 8192;
const MAX_ATTR = 200;

/** One record as the Python handler sends it, or as `rampart ingest tail` parses a line. */
export interface LogRecordInput {
  /** Level name (DEBUG … CRITICAL; WARN and FATAL accepted) or number. */
  level: string | number;
  /** The logger's name (pysystemtrade: usually the process or component). */
  logger: string;
  /** The message without the leading attribute dict. */
  message: string;
  attributes?: Record<string, unknown>;
  /** When the record was made: seconds since the epoch, or the log line's local time text. */
  time?: number | string;
  host?: string;
  process?: number;
  process_name?: string;
  /** Formatted traceback, if any. */
  exc_text?: string;
}

export interface IngestSource {
  /** "handler" (POST /ingest/logs) or "tail" (`rampart ingest tail`). */
  via: "handler" | "tail";
  /** Who delivered the records: a service account or user id (never a credential). */
  principal?: { kind: string; id: string; name: string } | undefined;
  ip?: string | null | undefined;
  requestId?: string | null | undefined;
  /** For tail: the file. */
  file?: string | undefined;
}

export interface IngestResult {
  accepted: number;
  skipped: number;
  first_index: number | null;
  last_index: number | null;
}

export function levelNumber(level: string | number): number | undefined {
  if (typeof level === "number")
    return Number.isInteger(level) && level >= 0 && level <= 100 ? level : undefined;
  const u = level.toUpperCase();
  if (u === "WARN") return LOG_LEVELS.WARNING;
  if (u === "FATAL") return LOG_LEVELS.CRITICAL;
  return (LOG_LEVELS as Record<string, number>)[u];
}

function levelName(n: number): string {
  for (const [k, v] of Object.entries(LOG_LEVELS)) if (v === n) return k;
  return `Level ${n}`;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…[${s.length - max} more]` : s;
}

/**
 * The allowed attributes as short strings (as pysystemtrade prints them: an order id 42 and "42"
 * are the same attribute, so queries need not guess the type); everything else is dropped.
 */
export function pickAttributes(attrs: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!attrs || typeof attrs !== "object") return out;
  for (const k of PST_ATTRIBUTES) {
    if (!Object.hasOwn(attrs, k)) continue;
    const v = attrs[k];
    if ((typeof v === "number" && Number.isFinite(v)) || typeof v === "boolean") out[k] = String(v);
    else if (typeof v === "string") out[k] = clip(v, MAX_ATTR);
  }
  return out;
}

/** The ledger event for one record, or undefined when it is below the threshold. */
export function logRecordEvent(
  r: LogRecordInput,
  minLevel: number,
  source: IngestSource,
): AuditEventInput | undefined {
  const level = levelNumber(r.level);
  if (level === undefined)
    throw invalidEvent(`unknown log level ${JSON.stringify(String(r.level)).slice(0, 40)}`);
  if (level < minLevel) return undefined;
  const attributes = pickAttributes(r.attributes);
  const trading = TRADING_KEYS.some((k) => attributes[k] !== undefined);
  const details: Record<string, unknown> = {
    level: levelName(level),
    logger: clip(String(r.logger ?? ""), MAX_ATTR),
    message: clip(String(r.message ?? ""), MAX_MESSAGE),
    attributes,
    source: source.via,
  };
  if (typeof r.time === "number" && Number.isFinite(r.time)) {
    // Past year 275760 there is no ISO date (toISOString would throw): such a time is left out.
    const at = new Date(r.time * 1000);
    if (Number.isFinite(at.getTime())) details["log_time"] = at.toISOString();
  } else if (typeof r.time === "string") details["log_time"] = clip(r.time, 64);
  if (typeof r.host === "string") details["host"] = clip(r.host, MAX_ATTR);
  if (typeof r.process === "number" && Number.isInteger(r.process)) details["pid"] = r.process;
  if (typeof r.process_name === "string") details["process_name"] = clip(r.process_name, MAX_ATTR);
  if (typeof r.exc_text === "string" && r.exc_text.length > 0)
    details["traceback"] = clip(r.exc_text, MAX_TRACEBACK);
  if (source.file) details["file"] = source.file;
  if (source.principal)
    details["ingested_by"] = {
      kind: source.principal.kind,
      id: source.principal.id,
      name: source.principal.name,
    };
  return {
    event_type: trading ? "trading" : "system",
    action: "pysystemtrade.log",
    outcome: level >= LOG_LEVELS.ERROR ? "error" : "success",
    ip_address: source.ip ?? null,
    request_id: source.requestId ?? null,
    resource: `pysystemtrade:${clip(String(r.logger ?? ""), MAX_ATTR)}`,
    details,
  };
}

/**
 * Appends the records at or above `minLevel` as one group (the ledger commits them together, in
 * order). Rejects with ERR_AUDIT_UNAVAILABLE when the ledger cannot append: the sender keeps them.
 */
export async function ingestLogRecords(
  audit: AuditRecorder,
  records: readonly LogRecordInput[],
  minLevel: number,
  source: IngestSource,
): Promise<IngestResult> {
  const events: AuditEventInput[] = [];
  for (const r of records) {
    const e = logRecordEvent(r, minLevel, source);
    if (e) events.push(e);
  }
  const receipts: AuditReceipt[] = await Promise.all(events.map((e) => audit.record(e)));
  return {
    accepted: receipts.length,
    skipped: records.length - events.length,
    first_index: receipts[0]?.index ?? null,
    last_index: receipts.at(-1)?.index ?? null,
  };
}

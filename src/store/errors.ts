// Storage errors: every failure a database or Redis driver reports leaves src/store as a StoreError
// with a stable ERR_STORE_* code, so repositories branch on codes (isUniqueViolation) instead of on
// SQLSTATEs or SQLite result codes. The driver's own message goes to `detail` (log only): it can name
// tables and constraints but never values.
import { isRampartError, RampartError, type RampartErrorOptions } from "../kernel/index.js";

export type StoreErrorCode =
  | "ERR_STORE_UNAVAILABLE"
  | "ERR_STORE_CONFIG"
  | "ERR_STORE_UNIQUE_VIOLATION"
  | "ERR_STORE_FOREIGN_KEY_VIOLATION"
  | "ERR_STORE_CONSTRAINT_VIOLATION"
  | "ERR_STORE_CONFLICT"
  | "ERR_STORE_QUERY"
  | "ERR_STORE_MIGRATION"
  | "ERR_STORE_WRONG_TYPE"
  | "ERR_STORE_INVALID_ARGUMENT";

const PUBLIC: Record<StoreErrorCode, { status: number; message: string }> = {
  ERR_STORE_UNAVAILABLE: { status: 503, message: "Storage is unavailable." },
  ERR_STORE_CONFIG: { status: 500, message: "Storage is misconfigured." },
  ERR_STORE_UNIQUE_VIOLATION: { status: 409, message: "The record already exists." },
  ERR_STORE_FOREIGN_KEY_VIOLATION: {
    status: 409,
    message: "The record refers to, or is referred to by, another.",
  },
  ERR_STORE_CONSTRAINT_VIOLATION: { status: 500, message: "Internal storage error." },
  ERR_STORE_CONFLICT: { status: 503, message: "Storage is busy; try again." },
  ERR_STORE_QUERY: { status: 500, message: "Internal storage error." },
  ERR_STORE_MIGRATION: { status: 500, message: "Database migration failed." },
  ERR_STORE_WRONG_TYPE: { status: 500, message: "Internal storage error." },
  ERR_STORE_INVALID_ARGUMENT: { status: 500, message: "Internal storage error." },
};

/** Is `code` one of the storage error codes (e.g. a code sent back by a worker thread)? */
export function isStoreErrorCode(code: string): code is StoreErrorCode {
  return Object.hasOwn(PUBLIC, code);
}

export class StoreError extends RampartError {
  override readonly code: StoreErrorCode;
  /** The violated constraint: the PostgreSQL constraint name, or SQLite's `table.column[, ...]`. */
  readonly constraint: string | undefined;

  constructor(
    code: StoreErrorCode,
    options: Omit<RampartErrorOptions, "status"> & { message?: string; constraint?: string | undefined } = {},
  ) {
    const p = PUBLIC[code];
    const { message, constraint, ...rest } = options;
    super(code, message ?? p.message, { ...rest, status: p.status });
    this.name = "StoreError";
    this.code = code;
    this.constraint = constraint;
  }
}

export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}

/** True when `e` is a unique or primary-key violation, on either dialect (translated or raw). */
export function isUniqueViolation(e: unknown): e is StoreError {
  return isStoreError(e, "ERR_STORE_UNIQUE_VIOLATION") || classify(e) === "ERR_STORE_UNIQUE_VIOLATION";
}

export function isForeignKeyViolation(e: unknown): e is StoreError {
  return (
    isStoreError(e, "ERR_STORE_FOREIGN_KEY_VIOLATION") || classify(e) === "ERR_STORE_FOREIGN_KEY_VIOLATION"
  );
}

/** Busy, deadlock or serialization failure: the operation may succeed if retried. */
export function isRetryableConflict(e: unknown): e is StoreError {
  return isStoreError(e, "ERR_STORE_CONFLICT") || classify(e) === "ERR_STORE_CONFLICT";
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "EPIPE",
  "EAI_AGAIN",
]);
const UNAVAILABLE_MESSAGES = [
  "Connection terminated",
  "timeout exceeded when trying to connect",
  "is not queryable",
  "driver has already been destroyed",
  "Connection is closed",
  "The database connection is not open",
  "Reached the max retries per request limit",
];

function prop(e: unknown, name: string): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const v = (e as Record<string, unknown>)[name];
  return typeof v === "string" ? v : undefined;
}

/** Maps a raw driver error (pg SQLSTATE, SQLite result code, socket error) to a store code. */
function classify(e: unknown): StoreErrorCode | undefined {
  if (isRampartError(e)) return undefined;
  const code = prop(e, "code") ?? "";
  const message = prop(e, "message") ?? "";
  if (code.startsWith("SQLITE_")) {
    if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY")
      return "ERR_STORE_UNIQUE_VIOLATION";
    if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return "ERR_STORE_FOREIGN_KEY_VIOLATION";
    if (code.startsWith("SQLITE_CONSTRAINT")) return "ERR_STORE_CONSTRAINT_VIOLATION";
    if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "ERR_STORE_CONFLICT";
    if (/^SQLITE_(CANTOPEN|IOERR|FULL|READONLY|CORRUPT|NOTADB|PERM)/.test(code))
      return "ERR_STORE_UNAVAILABLE";
    return "ERR_STORE_QUERY";
  }
  if (NETWORK_CODES.has(code)) return "ERR_STORE_UNAVAILABLE";
  if (/^[0-9A-Z]{5}$/.test(code)) {
    // PostgreSQL SQLSTATE (Appendix A of the PostgreSQL manual).
    if (code === "23505") return "ERR_STORE_UNIQUE_VIOLATION";
    if (code === "23503") return "ERR_STORE_FOREIGN_KEY_VIOLATION";
    if (code.startsWith("23")) return "ERR_STORE_CONSTRAINT_VIOLATION";
    if (code === "40001" || code === "40P01" || code === "55P03") return "ERR_STORE_CONFLICT";
    if (
      code.startsWith("08") ||
      code.startsWith("57P") ||
      code === "53300" ||
      code === "3D000" ||
      code === "28P01"
    ) {
      return "ERR_STORE_UNAVAILABLE";
    }
    return "ERR_STORE_QUERY";
  }
  if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return "ERR_STORE_UNAVAILABLE";
  return undefined;
}

function constraintOf(e: unknown): string | undefined {
  const pgConstraint = prop(e, "constraint");
  if (pgConstraint !== undefined) return pgConstraint;
  const m = /constraint failed: (.+)$/.exec(prop(e, "message") ?? "");
  return m?.[1];
}

/** Wraps any error thrown by a driver into a StoreError; RampartErrors pass through unchanged. */
export function toStoreError(e: unknown, fallback: StoreErrorCode = "ERR_STORE_QUERY"): RampartError {
  if (isRampartError(e)) return e;
  const code = classify(e) ?? fallback;
  const driverCode = prop(e, "code");
  const detail = `${driverCode === undefined ? "" : `${driverCode}: `}${prop(e, "message") ?? String(e)}`;
  return new StoreError(code, { detail, cause: e, constraint: constraintOf(e) });
}

/** int8 as a JS number (timestamps, counters, count(*)); values beyond 2^53 are refused, not rounded. */
export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new StoreError("ERR_STORE_QUERY", {
      detail: "int8 value outside the JavaScript safe integer range",
    });
  }
  return n;
}

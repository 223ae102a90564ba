// The audit ledger's errors. ERR_AUDIT_UNAVAILABLE is the fail-closed answer: the action that needed
// a ledger entry must not happen. Detail (the driver's words, the deadline) goes to the log only.
import { RampartError } from "../kernel/index.js";

export function auditUnavailable(detail: string, cause?: unknown): RampartError {
  return new RampartError(
    "ERR_AUDIT_UNAVAILABLE",
    "The audit ledger is unavailable; the action was not performed.",
    {
      status: 503,
      detail,
      cause,
    },
  );
}

export function invalidEvent(detail: string): RampartError {
  return new RampartError("ERR_AUDIT_INVALID_EVENT", `Invalid audit event: ${detail}`, {
    status: 400,
    detail,
  });
}

export function invalidCheckpoint(detail: string): RampartError {
  return new RampartError("ERR_AUDIT_CHECKPOINT_INVALID", `Invalid checkpoint: ${detail}`, {
    status: 400,
    detail,
  });
}

export function noSuchEntry(detail: string): RampartError {
  return new RampartError("ERR_AUDIT_NO_SUCH_ENTRY", `No such ledger entry or tree size: ${detail}`, {
    status: 404,
    detail,
  });
}

export function invalidExport(detail: string): RampartError {
  return new RampartError("ERR_AUDIT_EXPORT_INVALID", `Not a readable ledger export: ${detail}`, {
    status: 400,
    detail,
  });
}

export function ledgerKeyMissing(detail: string): RampartError {
  return new RampartError("ERR_AUDIT_KEY_MISSING", "The ledger has no signing key: run `rampart init`.", {
    status: 500,
    detail,
  });
}

export function invalidQuery(detail: string): RampartError {
  return new RampartError("ERR_AUDIT_QUERY_INVALID", `Invalid audit query: ${detail}`, {
    status: 400,
    detail,
  });
}

export function ingestTooLarge(count: number, max: number): RampartError {
  return new RampartError(
    "ERR_AUDIT_INGEST_TOO_LARGE",
    `Too many log records in one request: ${count} (at most ${max}).`,
    { status: 413, detail: `${count} > ${max}` },
  );
}

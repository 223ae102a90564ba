// RampartError: one error type with a stable code (ERR_<AREA>_<REASON>), a message that is safe
// to show a client, an HTTP status for the gateway, and detail that goes to the log only.
// Every code used anywhere in src/ is listed in docs/errors.md; src/kernel/errors-doc.test.ts
// fails when the two drift.

export interface RampartErrorOptions {
  /** HTTP status the gateway answers with. */
  status?: number;
  /** Detail for the log only: never sent to a client, never containing a secret. */
  detail?: string;
  cause?: unknown;
  /** Extra public fields for the client (e.g. the action that was denied). */
  expose?: Record<string, unknown>;
}

export class RampartError extends Error {
  readonly code: string;
  readonly status: number;
  readonly detail: string | undefined;
  readonly expose: Readonly<Record<string, unknown>> | undefined;

  constructor(code: string, message: string, options: RampartErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "RampartError";
    this.code = code;
    this.status = options.status ?? 500;
    this.detail = options.detail;
    this.expose = options.expose;
  }
}

export function isRampartError(e: unknown): e is RampartError {
  return e instanceof RampartError;
}

/** Errors that mean the program was called wrongly (CLI exit code 2). */
export class UsageError extends RampartError {
  constructor(message: string, options: RampartErrorOptions = {}) {
    super("ERR_USAGE", message, { status: 400, ...options });
    this.name = "UsageError";
  }
}

// Error codes of the vault (docs/errors.md, "Vault and keys"). Messages name paths and versions,
// never a value.
import { RampartError } from "../kernel/index.js";

export const badPath = (why: string): RampartError =>
  new RampartError("ERR_VAULT_BAD_PATH", `invalid secret path or field: ${why}`, { status: 400 });

export const secretNotFound = (path: string, version?: number): RampartError =>
  new RampartError(
    "ERR_VAULT_NOT_FOUND",
    version === undefined
      ? `no secret at ${path}`
      : `no version ${version} of ${path} (never written or destroyed)`,
    { status: 404, expose: { path } },
  );

export const fieldNotFound = (path: string, field: string): RampartError =>
  new RampartError("ERR_VAULT_FIELD_NOT_FOUND", `${path} has no field ${field}`, { status: 404 });

export const writeConflict = (path: string): RampartError =>
  new RampartError("ERR_VAULT_CONFLICT", `${path} was written by someone else at the same time; retry`, {
    status: 409,
  });

export const vaultForbidden = (action: string): RampartError =>
  new RampartError("ERR_VAULT_FORBIDDEN", `not allowed: ${action}`, { status: 403, expose: { action } });

export const approvalUnavailable = (path: string): RampartError =>
  new RampartError(
    "ERR_VAULT_APPROVAL_REQUIRED",
    `reading ${path} needs a four-eyes approval, and no approval was granted (approvals are not configured yet)`,
    { status: 403, expose: { path } },
  );

export const approvalLocked = (path: string): RampartError =>
  new RampartError(
    "ERR_VAULT_APPROVAL_LOCKED",
    `${path} needs a four-eyes approval for reads; only the local administrator (rampart vault put --approval none) can turn that off`,
    { status: 403, expose: { path } },
  );

export const badTemplate = (where: string, why: string): RampartError =>
  new RampartError("ERR_VAULT_TEMPLATE", `template ${where}: ${why}`, { status: 400 });

export const valueTooLarge = (limit: number): RampartError =>
  new RampartError("ERR_VAULT_VALUE_TOO_LARGE", `a secret value may hold at most ${limit} bytes`, {
    status: 413,
  });

// Token errors. Every verification failure is the same 401 ERR_AUTH_INVALID_TOKEN (no oracle: the
// precise reason goes to the security event only); issuing has its own, explicit refusals.
import { RampartError } from "../kernel/index.js";
import type { TokenRejection } from "./types.js";

/** Carries the precise reason for the event; the client sees only code and message. */
export class InvalidTokenError extends RampartError {
  readonly reason: TokenRejection;
  constructor(reason: TokenRejection) {
    super("ERR_AUTH_INVALID_TOKEN", "invalid or expired token", { status: 401, detail: reason });
    this.name = "InvalidTokenError";
    this.reason = reason;
  }
}

export const scopeNotAllowed = (action: string): RampartError =>
  new RampartError("ERR_TOKENS_SCOPE_NOT_ALLOWED", "a requested scope is not allowed by the user's roles", {
    status: 403,
    expose: { action },
  });

export const scopeInvalid = (action: string): RampartError =>
  new RampartError("ERR_TOKENS_SCOPE_INVALID", "a requested scope is not an action name (domain:verb)", {
    status: 400,
    expose: { action },
  });

export const ttlInvalid = (maxSeconds: number): RampartError =>
  new RampartError("ERR_TOKENS_TTL", `token lifetime must be between 60 s and ${maxSeconds} s`, {
    status: 400,
    expose: { max_ttl: maxSeconds },
  });

export const bindingInvalid = (): RampartError =>
  new RampartError("ERR_TOKENS_IP_BINDING", "the IP binding is not an address or CIDR", { status: 400 });

export const tokenNotFound = (): RampartError =>
  new RampartError("ERR_TOKENS_NOT_FOUND", "no such token", { status: 404 });

export const userInactive = (): RampartError =>
  new RampartError("ERR_TOKENS_USER_INACTIVE", "tokens cannot be issued for a disabled user", {
    status: 403,
  });

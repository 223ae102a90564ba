// The process logger: pino, JSON lines, with redaction of credentials and anything whose key
// names a restricted field (the seed's classification: password, key, secret, token, credential,
// auth). Headers are never logged whole: Fastify's request serializer logs method, url and
// address only, and authorization/cookie headers are redacted if anything logs them.
import { type DestinationStream, destination, pino, stdTimeFunctions } from "pino";
import type { Logger } from "./kernel/index.js";

const RESTRICTED = [
  "password",
  "new_password",
  "current_password",
  "secret",
  "token",
  "code",
  "challenge",
  "api_key",
  "apiKey",
  "credential",
  "credentials",
  "authorization",
  "cookie",
  "set-cookie",
  "totp_secret",
  "recovery_codes",
  "private_key",
  "master_key",
  "email_pwd",
  "IbPassword",
];

export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  "req.headers['x-csrf-token']",
  "res.headers['set-cookie']",
  ...RESTRICTED.flatMap((k) => {
    const seg = /^[A-Za-z_]\w*$/.test(k) ? `.${k}` : `["${k}"]`;
    return [seg.startsWith(".") ? k : seg, `*${seg}`, `*.*${seg}`];
  }),
];

export interface LoggerOptions {
  level: string;
  /** Write to stderr (CLI commands) rather than stdout (the server). */
  stderr?: boolean;
  /** Where to write instead (tests). */
  stream?: DestinationStream;
}

/** Rampart's own error codes (ERR_AUTH_REQUIRED, ...) say what went wrong and nothing secret. */
const ERROR_CODE = /^ERR_[A-Z0-9_]+$/;

/**
 * Everything on a redacted path is replaced, except an error code under a `code` key: `code` must
 * stay restricted (a TOTP or recovery code travels under that name), but an operator has to see
 * which error a request ended with.
 */
function censor(value: unknown, path: string[]): unknown {
  if (path[path.length - 1] === "code" && typeof value === "string" && ERROR_CODE.test(value)) return value;
  return "[redacted]";
}

export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      level: opts.level,
      redact: { paths: REDACT_PATHS, censor },
      base: { service: "rampart" },
      timestamp: stdTimeFunctions.isoTime,
    },
    opts.stream ?? destination({ fd: opts.stderr ? 2 : 1, sync: opts.stderr === true }),
  ) as unknown as Logger;
}

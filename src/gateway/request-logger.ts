// Per-request logging. Fastify gives every request a child logger carrying its request id; creating
// a pino child costs a few microseconds per request (its bindings go through the redaction of
// src/logging.ts) even when nothing is logged at that level. This child is created on the first
// line actually written: same bindings, same redaction, nothing built for a request that logs
// nothing.
//
// The access line: one per request, at debug. Fastify's own request logging (two info lines per
// request, "incoming request" and "request completed") is switched off: at the default level it
// halved the gateway's throughput in bench/gateway, and the audit ledger already holds every
// request with its request id, durably. Refusals and errors are still logged at their levels.
import type { FastifyBaseLogger, FastifyInstance } from "fastify";

type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal";
/** Is `level` written? pino and the lazy child know; a logger without isLevelEnabled (kernel's
 * silentLogger in tests) is asked by writing. */
function levelEnabled(logger: FastifyBaseLogger, level: string): boolean {
  const l = logger as FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };
  return typeof l.isLevelEnabled === "function" ? l.isLevelEnabled(level) : true;
}
type Bindings = Record<string, unknown>;

class LazyChildLogger {
  #real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly opts: object,
  ) {}

  get level(): string {
    return (this.#real ?? this.parent).level;
  }

  set level(l: string) {
    this.#child().level = l;
  }

  #child(): FastifyBaseLogger {
    this.#real ??= this.parent.child(this.bindings, this.opts);
    return this.#real;
  }

  #write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    (this.#child()[level] as (...a: unknown[]) => void)(...args);
  }

  isLevelEnabled(level: string): boolean {
    return levelEnabled(this.#real ?? this.parent, level);
  }
  trace(...args: unknown[]): void {
    this.#write("trace", args);
  }
  debug(...args: unknown[]): void {
    this.#write("debug", args);
  }
  info(...args: unknown[]): void {
    this.#write("info", args);
  }
  warn(...args: unknown[]): void {
    this.#write("warn", args);
  }
  error(...args: unknown[]): void {
    this.#write("error", args);
  }
  fatal(...args: unknown[]): void {
    this.#write("fatal", args);
  }
  silent(): void {}
  child(bindings: Bindings, opts?: object): FastifyBaseLogger {
    return this.#child().child(bindings, opts);
  }
}

/** Fastify's childLoggerFactory option. A route with its own logLevel gets a real child at once. */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  opts: { level?: string },
): FastifyBaseLogger {
  if (opts.level) return logger.child(bindings, opts);
  return new LazyChildLogger(logger, bindings, opts) as unknown as FastifyBaseLogger;
}

/** One debug line per answered request (with Fastify's own request logging disabled). */
export function installAccessLog(fastify: FastifyInstance): void {
  fastify.addHook("onResponse", (request, reply, done) => {
    if (levelEnabled(request.log, "debug"))
      request.log.debug(
        { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
        "request",
      );
    done();
  });
}

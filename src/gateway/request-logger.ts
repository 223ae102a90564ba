// Fastify gives every request a child logger carrying its request id. Creating a pino child costs
// a few microseconds per request (its bindings go through the redaction of src/logging.ts) even
// when nothing is logged at that level. This child is created on the first line actually written:
// same bindings, same redaction, nothing built for a request that logs nothing.
import type { FastifyBaseLogger } from "fastify";

type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal";
type Bindings = Record<string, unknown>;

class LazyChildLogger {
  #real: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly opts: object,
  ) {}

  get level(): string {
    return this.parent.level;
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
    // pino has it; a logger without it is asked every time.
    const p = this.parent as FastifyBaseLogger & { isLevelEnabled?: (l: string) => boolean };
    return typeof p.isLevelEnabled === "function" ? p.isLevelEnabled(level) : true;
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

/** Fastify's childLoggerFactory option. */
export function lazyChildLoggerFactory(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  opts: object,
): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, opts) as unknown as FastifyBaseLogger;
}

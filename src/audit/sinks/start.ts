// startSinks(app): builds every sink of config `audit.sinks` and runs each from its own persisted
// cursor. For the composition root (`rampart serve`): `const sinks = startSinks(app)` after the app
// opens, `await sinks.stop()` before it closes. The redaction key is derived from the master key
// (HKDF), so every instance and every restart hashes a value to the same hmac-sha256:<hex>.
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { App } from "../../app.js";
import { hkdfSha256 } from "../../crypto/index.js";
import { RampartError } from "../../kernel/index.js";
import { createSinkCursorRepository, createSinkSource } from "../../store/index.js";
import { createJsonlSink } from "./jsonl.js";
import type { SinkCursorStore, SinkSource } from "./ports.js";
import { redactEvent, restrictedFields } from "./redact.js";
import { SinkRunner, type SinkStatus } from "./runner.js";
import { createSyslogSink } from "./syslog.js";
import type { Sink } from "./types.js";
import { createWebhookSink } from "./webhook.js";

export type SinkConfig = App["config"]["audit"]["sinks"][number];

export interface RunningSinks {
  status(): SinkStatus[];
  /** Look for new entries now (e.g. right after a burst of appends) instead of at the next poll. */
  poke(): void;
  stop(): Promise<void>;
}

export interface StartSinksOptions {
  /** Environment for webhook `secret_env` (the CLI passes process.env). */
  env?: Record<string, string | undefined>;
  /** Overrides (tests): the store-backed defaults are built from app.store. */
  source?: SinkSource;
  cursors?: SinkCursorStore;
}

function sinkError(name: string, detail: string): RampartError {
  return new RampartError("ERR_AUDIT_SINK_CONFIG", `audit sink "${name}": ${detail}`, {
    status: 500,
    detail,
  });
}

/** The key of hmac-sha256:<hex> values in sink output (HKDF of the ledger KEK, version 1). */
export function sinkRedactionKey(app: Pick<App, "keyring">): Buffer {
  return hkdfSha256(
    app.keyring().kek("ledger", 1),
    Buffer.from("rampart-audit-sinks"),
    "rampart:sink-redaction",
    32,
  );
}

export function buildSink(
  c: SinkConfig,
  app: Pick<App, "dataDir" | "clock">,
  env: StartSinksOptions["env"],
): Sink {
  const path = (p: string) => (isAbsolute(p) ? p : join(app.dataDir, p));
  const read = (p: string): Buffer => {
    try {
      return readFileSync(path(p));
    } catch (e) {
      throw sinkError(c.name, `cannot read ${path(p)}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
  };
  switch (c.type) {
    case "jsonl":
      return createJsonlSink({ name: c.name, dir: path(c.dir), clock: app.clock, maxBytes: c.max_bytes });
    case "syslog":
      if (c.transport === "tcp" && (c.ca_file || c.cert_file || c.key_file))
        throw sinkError(c.name, "ca_file, cert_file and key_file need transport: tls");
      return createSyslogSink({
        name: c.name,
        host: c.host,
        port: c.port,
        transport: c.transport,
        ca: c.ca_file ? read(c.ca_file) : undefined,
        cert: c.cert_file ? read(c.cert_file) : undefined,
        key: c.key_file ? read(c.key_file) : undefined,
        serverName: c.server_name,
        facility: c.facility,
        appName: c.app_name,
        hostname: c.hostname,
      });
    case "webhook": {
      let secret: Buffer | undefined;
      if (c.secret_file) secret = Buffer.from(read(c.secret_file).toString("utf8").trim(), "utf8");
      else if (c.secret_env && env?.[c.secret_env]) secret = Buffer.from(env[c.secret_env] as string, "utf8");
      if (!secret) throw sinkError(c.name, "set secret_file, or secret_env naming a set variable");
      if (secret.length < 32) throw sinkError(c.name, "the webhook secret must be at least 32 bytes");
      return createWebhookSink({
        name: c.name,
        url: c.url,
        secret,
        ca: c.ca_file ? read(c.ca_file) : undefined,
        timeoutMs: c.timeout_ms,
      });
    }
  }
}

export function startSinks(app: App, opts: StartSinksOptions = {}): RunningSinks {
  const configs = app.config.audit.sinks;
  const names = new Set<string>();
  for (const c of configs) {
    if (names.has(c.name)) throw sinkError(c.name, "two sinks have this name (each keeps its own cursor)");
    names.add(c.name);
  }
  const source = opts.source ?? createSinkSource(app.store);
  const cursors = opts.cursors ?? createSinkCursorRepository(app.store);
  const needsKey = configs.some((c) => c.redact !== false);
  const key = needsKey ? sinkRedactionKey(app) : undefined;
  const isRestricted = restrictedFields(app.config);
  const logger = app.logger.child({ component: "audit-sinks" });
  const runners: SinkRunner[] = [];
  try {
    for (const c of configs) {
      const sink = buildSink(c, app, opts.env);
      runners.push(
        new SinkRunner({
          sink,
          source,
          cursors,
          logger,
          transform: c.redact === false || !key ? undefined : (e) => redactEvent(e, isRestricted, key),
          batchSize: c.batch_size,
          pollMs: c.poll_ms,
          retryMaxMs: c.retry_max_ms,
        }),
      );
    }
  } catch (e) {
    for (const r of runners) void r.stop();
    throw e;
  }
  for (const r of runners) r.start();
  return {
    status: () => runners.map((r) => r.status()),
    poke: () => {
      for (const r of runners) r.poke();
    },
    async stop() {
      await Promise.all(runners.map((r) => r.stop()));
    },
  };
}

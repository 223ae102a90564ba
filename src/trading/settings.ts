// Trading settings from the validated config, and the composition of the service from its parts
// (adapters chosen by trading.adapter; the broker kill switch when trading.ibc.port is set).
import { readFileSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import type { AuditRecorder } from "../audit/index.js";
import type { Config } from "../config/index.js";
import { uuid } from "../crypto/index.js";
import type { Clock, Logger } from "../kernel/index.js";
import { CommandAdapter } from "./adapters/command.js";
import { IbcAdapter } from "./adapters/ibc.js";
import { ChildProcessTransport, UnixSocketTransport } from "./adapters/line-transport.js";
import { PysystemtradeAdapter } from "./adapters/pysystemtrade.js";
import type { TradingAdapter } from "./adapters/types.js";
import { WebhookAdapter } from "./adapters/webhook.js";
import { actuatorKeyMissing } from "./errors.js";
import type { TradingStore } from "./ports.js";
import { LocalResumeApprovals, type ResumeApprovals } from "./resume-approvals.js";
import { TradingService } from "./service.js";
import { type StatePubSub, TradingStateCache } from "./state-cache.js";

export type TradingSettings = Config["trading"];

const MIN_KEY_BYTES = 32;

/**
 * The shared HMAC key of the actuator and webhook adapters: the key file's content (relative to
 * the data directory), else the named environment variable's value; surrounding whitespace is
 * dropped and the rest used as bytes (`openssl rand -hex 32` makes a good one).
 */
export function loadActuatorKey(p: {
  dataDir: string;
  keyFile: string;
  envValue?: string | undefined;
}): Uint8Array {
  let text: string | undefined;
  if (p.keyFile) {
    const file = isAbsolute(p.keyFile) ? p.keyFile : join(p.dataDir, p.keyFile);
    try {
      text = readFileSync(file, "utf8");
    } catch {
      text = undefined;
    }
  }
  text ??= p.envValue;
  const key = Buffer.from((text ?? "").trim(), "utf8");
  if (key.length < MIN_KEY_BYTES) throw actuatorKeyMissing();
  return key;
}

export interface CreateTradingOptions {
  settings: TradingSettings;
  dataDir: string;
  store: TradingStore;
  pubsub: StatePubSub;
  audit: AuditRecorder;
  clock: Clock;
  logger: Logger;
  /** Value of the environment variable trading.key_env names (the caller reads the environment). */
  keyEnvValue?: string | undefined;
  /** Environment for the actuator / command child processes (the caller filters out RAMPART_* secrets). */
  childEnv?: Readonly<Record<string, string>> | undefined;
  /** Replaces the configured adapter (tests, benchmarks). */
  adapter?: TradingAdapter;
  /** Replaces the local four-eyes store (the approvals module, when wired). */
  approvals?: ResumeApprovals;
  timer?: () => number;
  /** How often a halt the database could not take is tried again (ms; default 1000). */
  storeRetryMs?: number;
}

export function createAdapter(o: CreateTradingOptions, newId: () => string): TradingAdapter | undefined {
  const s = o.settings;
  const timeoutMs = s.action_timeout_seconds * 1000;
  const key = () => loadActuatorKey({ dataDir: o.dataDir, keyFile: s.key_file, envValue: o.keyEnvValue });
  switch (s.adapter) {
    case "pysystemtrade":
      return new PysystemtradeAdapter({
        transport: s.pysystemtrade.socket
          ? new UnixSocketTransport(s.pysystemtrade.socket)
          : new ChildProcessTransport(s.pysystemtrade.command, o.childEnv),
        key: key(),
        clock: o.clock,
        timeoutMs,
        newId,
      });
    case "webhook":
      return new WebhookAdapter({ url: s.webhook.url, key: key(), clock: o.clock, timeoutMs, newId });
    case "command":
      return new CommandAdapter({
        argv: s.command.argv,
        timeoutMs,
        newId,
        ...(o.childEnv ? { env: o.childEnv } : {}),
      });
    default:
      return undefined;
  }
}

export function createTradingService(o: CreateTradingOptions): TradingService {
  const newId = uuid;
  const cache = new TradingStateCache({
    store: o.store,
    pubsub: o.pubsub,
    logger: o.logger,
    clock: o.clock,
    refreshMs: o.settings.refresh_seconds * 1000,
  });
  const s = o.settings;
  return new TradingService({
    store: o.store,
    cache,
    audit: o.audit,
    approvals:
      o.approvals ??
      new LocalResumeApprovals({
        store: o.store,
        clock: o.clock,
        ttlMs: s.resume_approval_ttl * 1000,
        newId,
      }),
    clock: o.clock,
    logger: o.logger,
    adapter: o.adapter ?? createAdapter(o, newId),
    broker:
      s.ibc.port > 0
        ? new IbcAdapter({ host: s.ibc.host, port: s.ibc.port, timeoutMs: s.ibc.timeout_ms })
        : undefined,
    newId,
    timer: o.timer ?? (() => performance.now()),
    storeRetryMs: o.storeRetryMs,
  });
}

/** What trading.on_audit_failure does when the ledger stays unwritable (for watchLedgerHealth). */
export function auditFailureAction(
  service: TradingService,
  mode: TradingSettings["on_audit_failure"],
  logger: Logger,
): (info: { failingForMs: number }) => Promise<void> {
  const actor = { id: "system:ledger-failsafe", via: "system" as const };
  return async (info) => {
    const reason = `audit ledger unavailable for ${Math.round(info.failingForMs / 1000)} s`;
    if (mode === "halt") await service.halt({ scope: "global", reason, actor });
    else if (mode === "reduce")
      // Already halted is already safer than reduce-only: nothing to do, and nothing to retry.
      await service.reduce({ scope: "global", reason, actor }).catch((e: unknown) => {
        if ((e as { code?: unknown }).code !== "ERR_TRADING_RESUME_REQUIRED") throw e;
      });
    else
      logger.error(
        { failing_for_ms: info.failingForMs },
        "ALERT: audit ledger unavailable; trading continues (on_audit_failure: alert)",
      );
  };
}

// What the composition root calls: load (or create) the ledger key and build the ledger from the
// validated `audit:` config section.
import type { Clock, Logger, RampartError } from "../kernel/index.js";
import type { KeyRing } from "../keys/index.js";
import { AuditLedger } from "./ledger.js";
import { ensureLedgerKey } from "./ledger-key.js";
import type { LedgerStore } from "./ports.js";

export interface AuditConfig {
  readonly origin: string;
  readonly append_timeout_ms: number;
  readonly checkpoint_every: number;
  readonly checkpoint_interval_s: number;
}

export interface OpenLedgerDeps {
  readonly store: LedgerStore;
  readonly keyring: KeyRing;
  readonly clock: Clock;
  readonly config: AuditConfig;
  readonly logger?: Logger | undefined;
  /** Called on every failed append, after the fatal log line (e.g. the alert webhook). */
  readonly onAlarm?: ((error: RampartError) => void) | undefined;
}

export async function openLedger(d: OpenLedgerDeps): Promise<AuditLedger> {
  const signer = await ensureLedgerKey(d.store, d.keyring, { name: d.config.origin, clock: d.clock });
  return new AuditLedger({
    store: d.store,
    clock: d.clock,
    origin: signer.name,
    signer,
    appendTimeoutMs: d.config.append_timeout_ms,
    checkpointEvery: d.config.checkpoint_every,
    checkpointIntervalMs: d.config.checkpoint_interval_s * 1000,
    logger: d.logger,
    onAlarm: d.onAlarm,
  });
}

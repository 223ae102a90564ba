// The fail-safe link to the ledger: an unaudited system must not keep trading. The monitor wraps
// an AuditRecorder; when record() has been failing for longer than `afterMs` (no success since the
// first failure), it calls `onUnavailable` once (trading halts or reduces through the adapters, or
// an alert is raised, per trading.on_audit_failure). While failing, each tick probes the ledger
// with a small `audit.probe` event; the first success clears the condition and re-arms the monitor.
import type { AuditEventInput, AuditReceipt, AuditRecorder } from "../audit/index.js";
import type { Clock, Logger } from "../kernel/index.js";

export interface LedgerHealthOptions {
  clock: Clock;
  afterMs: number;
  logger: Logger;
  /** How often to check (real time); 0: only when tick() is called (tests). Default 1000. */
  intervalMs?: number;
}

export interface LedgerWatch {
  /** Record through this: it is the watched recorder. */
  readonly recorder: AuditRecorder;
  /** Since when record() has been failing, or null. */
  failingSince(): number | null;
  /** Checks now (probes while failing, fires when overdue). */
  tick(): Promise<void>;
  stop(): void;
}

export function watchLedgerHealth(
  inner: AuditRecorder,
  onUnavailable: (info: { since: number; failingForMs: number }) => Promise<void> | void,
  opts: LedgerHealthOptions,
): LedgerWatch {
  let since: number | null = null;
  let fired = false;
  let checking: Promise<void> | undefined;

  const ok = () => {
    if (since !== null)
      opts.logger.info({ failed_for_ms: opts.clock.now() - since }, "audit ledger writable again");
    since = null;
    fired = false;
  };
  const failed = () => {
    since ??= opts.clock.now();
  };

  const recorder: AuditRecorder = {
    async record(event: AuditEventInput): Promise<AuditReceipt> {
      try {
        const r = await inner.record(event);
        ok();
        return r;
      } catch (e) {
        failed();
        void check();
        throw e;
      }
    },
  };

  const run = async (): Promise<void> => {
    if (since === null) return;
    if (!fired && opts.clock.now() - since < opts.afterMs) {
      try {
        await inner.record({
          event_type: "system",
          action: "audit.probe",
          outcome: "success",
          details: { failing_since: new Date(since).toISOString() },
        });
        ok();
        return;
      } catch {
        // still failing
      }
    }
    if (since !== null && !fired && opts.clock.now() - since >= opts.afterMs) {
      fired = true;
      const info = { since, failingForMs: opts.clock.now() - since };
      opts.logger.error({ failing_for_ms: info.failingForMs }, "audit ledger unavailable: fail-safe engaged");
      try {
        await onUnavailable(info);
      } catch (e) {
        // Not done: the next tick tries again rather than leaving trading unprotected.
        fired = false;
        opts.logger.error({ err: e }, "ledger fail-safe action failed; retrying");
      }
    } else if (fired) {
      // Keep probing so recovery is noticed; the fail-safe does not fire again until then.
      await inner
        .record({ event_type: "system", action: "audit.probe", outcome: "success", details: {} })
        .then(ok, () => {});
    }
  };
  // The reset runs in .finally, always after `checking` is assigned: a run that ends without
  // awaiting (nothing failing) would otherwise reset it first and leave a settled promise behind,
  // so that no check ever ran again, the fail-safe included.
  const check = (): Promise<void> => {
    checking ??= run().finally(() => {
      checking = undefined;
    });
    return checking;
  };

  const interval = opts.intervalMs ?? 1000;
  const timer = interval > 0 ? setInterval(() => void check(), interval) : undefined;
  timer?.unref();

  return {
    recorder,
    failingSince: () => since,
    tick: check,
    stop: () => {
      if (timer) clearInterval(timer);
    },
  };
}

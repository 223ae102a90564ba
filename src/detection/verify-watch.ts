// Ledger verification as a detection input: verify the whole ledger (src/audit verifyLedger) and
// record the outcome as an `audit.verify` event, so a failure reaches detection through the
// stream like everything else (rule data.ledger_verification_failed: critical data_breach,
// threshold 1) and is itself on the record. A run the database outage stopped is an `error`, not a
// failure; repeated ones raise integrity_unverified (rule data.ledger_verification_unavailable).
import {
  type AuditRecorder,
  describeProblem,
  type LedgerStore,
  type NoteVerifierKey,
  readLedgerPublicKey,
  verifyLedger,
} from "../audit/index.js";

export interface VerifyOutcome {
  readonly ok: boolean;
  readonly size: number;
  readonly problem?: string | undefined;
  /** Verification did not run to a verdict: the database could not be read. */
  readonly unavailable?: boolean | undefined;
}

function isUnavailable(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === "ERR_STORE_UNAVAILABLE";
}

/**
 * Verification stopped on the store's "cannot reach the database" error: an outage, and no verdict,
 * only if the ledger's own store cannot be read either. Otherwise the error is confined to
 * verification (its connections terminated, a worker killed, a damaged page) and may be the
 * tampering itself, so it stays a failure. So does any other error (a missing key, an unreadable
 * checkpoint).
 */
async function outage(e: unknown, ledger: LedgerStore): Promise<boolean> {
  if (!isUnavailable(e)) return false;
  try {
    await ledger.size();
    return false;
  } catch (probe) {
    return isUnavailable(probe);
  }
}

export async function verifyLedgerAndRecord(
  ledger: LedgerStore,
  audit: AuditRecorder,
  publicKey?: NoteVerifierKey,
): Promise<VerifyOutcome> {
  let outcome: VerifyOutcome;
  try {
    const key = publicKey ?? (await readLedgerPublicKey(ledger));
    const report = await verifyLedger(ledger, { publicKey: key });
    outcome = report.ok
      ? { ok: true, size: report.size }
      : {
          ok: false,
          size: report.size,
          problem: report.problem ? describeProblem(report.problem) : "unknown",
        };
  } catch (e) {
    outcome = {
      ok: false,
      size: 0,
      problem: `verification could not run: ${e instanceof Error ? e.message : String(e)}`,
      unavailable: await outage(e, ledger),
    };
  }
  // A database outage is an error on the record, not evidence of a breach: the breach rule (and its
  // playbook: read-only mode, a global trading halt) answers failures only.
  const failed = !outcome.ok && outcome.unavailable !== true;
  await audit.record({
    event_type: "system",
    action: "audit.verify",
    outcome: outcome.ok ? "success" : failed ? "failure" : "error",
    resource: "ledger",
    details: { size: outcome.size, ...(outcome.problem ? { problem: outcome.problem } : {}) },
    ...(failed ? { risk_score: 100 } : {}),
  });
  return outcome;
}

/** Runs verifyLedgerAndRecord every `intervalMs` until the returned function is called. */
export function watchLedgerIntegrity(p: {
  ledger: LedgerStore;
  audit: AuditRecorder;
  intervalMs: number;
  publicKey?: NoteVerifierKey;
  onError?: (e: unknown) => void;
}): () => void {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = (): void => {
    timer = setTimeout(() => {
      verifyLedgerAndRecord(p.ledger, p.audit, p.publicKey)
        .catch((e: unknown) => p.onError?.(e))
        .finally(() => {
          if (!stopped) tick();
        });
    }, p.intervalMs);
    timer.unref?.();
  };
  tick();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

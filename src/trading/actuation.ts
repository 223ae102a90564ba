// Carrying out one verb through one adapter as a recorded action: the action row is written
// pending, the verb runs, the adapter reads the controlled system back, and the action becomes
// `confirmed` or `failed` — in its row and as a `trading.action` ledger event. An adapter that
// throws, times out or cannot be reached is a failed action, never a success.
import type { AuditRecorder } from "../audit/index.js";
import type { Clock, Logger } from "../kernel/index.js";
import type { Confirmation, TradingAdapter, VerbResult } from "./adapters/types.js";
import type { TradingStore } from "./ports.js";
import type { TradingAction, TradingActor, TradingScope, TradingVerb } from "./types.js";

export interface ActuationDeps {
  store: TradingStore;
  audit: AuditRecorder;
  clock: Clock;
  logger: Logger;
  newId: () => string;
  /** Monotonic milliseconds for durations. */
  timer: () => number;
}

export async function actuate(
  deps: ActuationDeps,
  adapter: TradingAdapter,
  p: { verb: TradingVerb; scope: TradingScope; reason: string; actor: TradingActor },
): Promise<TradingAction> {
  const started = deps.timer();
  const base: TradingAction = {
    id: deps.newId(),
    verb: p.verb,
    scope: p.scope,
    adapter: adapter.name,
    status: "pending",
    requestedBy: p.actor.id,
    reason: p.reason,
    createdAt: deps.clock.now(),
    completedAt: null,
    before: null,
    after: null,
    error: null,
    elapsedMs: null,
  };
  await deps.store
    .insertAction(base)
    .catch((e: unknown) => deps.logger.error({ err: e }, "trading action row not written"));
  let result: VerbResult | undefined;
  let conf: Confirmation;
  try {
    result = await adapter.execute(p.verb, p.scope, { actionId: base.id, reason: p.reason });
    conf = result.ok
      ? await adapter.confirm(p.verb, p.scope, result)
      : { confirmed: false, state: result.after, detail: result.error ?? "the adapter reported failure" };
  } catch (e) {
    conf = { confirmed: false, state: null, detail: (e as Error).message ?? String(e) };
  }
  const done: TradingAction = {
    ...base,
    status: conf.confirmed ? "confirmed" : "failed",
    completedAt: deps.clock.now(),
    before: result?.before ?? null,
    after: result?.after ?? null,
    error: conf.confirmed ? null : (conf.detail ?? "not confirmed").slice(0, 500),
    elapsedMs: Math.round(deps.timer() - started),
  };
  await deps.store
    .completeAction(done.id, {
      status: done.status,
      completedAt: done.completedAt as number,
      before: done.before,
      after: done.after,
      error: done.error,
      elapsedMs: done.elapsedMs as number,
    })
    .catch((e: unknown) => deps.logger.error({ err: e }, "trading action row not completed"));
  await deps.audit
    .record({
      event_type: "trading",
      action: "trading.action",
      outcome: conf.confirmed ? "success" : "failure",
      user_id: p.actor.id,
      ip_address: p.actor.ip ?? null,
      session_id: p.actor.sessionId ?? null,
      request_id: p.actor.requestId ?? null,
      resource: p.scope,
      details: {
        action_id: done.id,
        verb: p.verb,
        scope: p.scope,
        adapter: adapter.name,
        status: done.status,
        reason: p.reason,
        before: done.before,
        after: done.after,
        error: done.error,
        elapsed_ms: done.elapsedMs,
      },
    })
    .catch((e: unknown) =>
      deps.logger.error({ err: e, action_id: done.id }, "trading action not recorded in the ledger"),
    );
  if (!conf.confirmed)
    deps.logger.error(
      { action_id: done.id, verb: p.verb, scope: p.scope, adapter: adapter.name, error: done.error },
      "trading action failed",
    );
  return done;
}

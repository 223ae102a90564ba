// Every token fact becomes one audit event, awaited before the effect is acknowledged. Details
// carry reasons, ids and counts: never a token, a key or a signature.
import type { AuditEventInput, EventType, Outcome } from "../audit/index.js";
import type { Actor } from "../identity/index.js";
import type { TokenContext } from "./context.js";

export interface TokenEvent {
  eventType?: EventType;
  action: string;
  outcome: Outcome;
  userId?: string | null | undefined;
  sessionId?: string | null | undefined;
  ip?: string | null | undefined;
  requestId?: string | null | undefined;
  actor?: Actor | undefined;
  details?: Record<string, unknown>;
  risk?: number;
}

export async function emit(ctx: Pick<TokenContext, "audit">, e: TokenEvent): Promise<void> {
  const input: AuditEventInput = {
    event_type: e.eventType ?? "authentication",
    action: e.action,
    outcome: e.outcome,
    user_id: e.userId ?? null,
    ip_address: e.ip ?? e.actor?.ip ?? null,
    session_id: e.sessionId ?? null,
    request_id: e.requestId ?? e.actor?.requestId ?? null,
  };
  const details: Record<string, unknown> = { ...e.details };
  if (e.actor) {
    details["via"] = e.actor.via;
    if (e.actor.userId) details["actor_user_id"] = e.actor.userId;
  }
  if (Object.keys(details).length > 0) input.details = details;
  if (e.risk !== undefined) input.risk_score = e.risk;
  await ctx.audit.record(input);
}

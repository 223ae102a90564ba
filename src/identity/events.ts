// Every identity step records exactly one authentication event through the AuditRecorder, awaited
// before the step is acknowledged (fail-closed). Details carry reasons and counts, never a password,
// code, secret or token: callers pass only the fields listed here.
import type { AuditEventInput, Outcome } from "../audit/index.js";
import type { IdentityDeps } from "./settings.js";
import type { Actor, RequestContext } from "./types.js";

export interface IdentityEvent {
  action: string;
  outcome: Outcome;
  userId?: string | null;
  sessionId?: string | null;
  ctx?: RequestContext | Actor | undefined;
  /** Structured context: reasons, counts, role names. Never a secret. */
  details?: Record<string, unknown>;
  risk?: number;
}

export async function emit(deps: IdentityDeps, e: IdentityEvent): Promise<void> {
  const input: AuditEventInput = {
    event_type: "authentication",
    action: e.action,
    outcome: e.outcome,
    user_id: e.userId ?? null,
    ip_address: e.ctx?.ip ?? null,
    session_id: e.sessionId ?? null,
    request_id: e.ctx?.requestId ?? null,
  };
  const details: Record<string, unknown> = { ...e.details };
  if (e.ctx && "via" in e.ctx) {
    details["via"] = e.ctx.via;
    if (e.ctx.userId) details["actor_user_id"] = e.ctx.userId;
  }
  if (Object.keys(details).length > 0) input.details = details;
  if (e.risk !== undefined) input.risk_score = e.risk;
  await deps.audit.record(input);
}

// Access-control routes of the control API: explain a decision (POST /authz/check, GET
// /authz/matrix, administrators: `system:authz_check`) and four-eyes approvals (/approvals: propose,
// list, show, approve, reject). Step-up MFA for approving comes from config `step_up`
// (`approvals:approve`), enforced by the pipeline before the handler runs.
// The approval service itself is the composition root's (`app.access()`, src/app-access.ts).
import { Type } from "@sinclair/typebox";
import {
  type ApprovalActor,
  buildMatrix,
  explainDecision,
  PROPOSE_ACTION,
  type ProposalStatus,
  proposalView,
  VIEW_ACTION,
} from "../../access/index.js";
import type { App } from "../../app.js";
import { RampartError, UsageError } from "../../kernel/index.js";
import type { ControlCall, ControlRoute } from "../control.js";

export const AUTHZ_CHECK_ACTION = "system:authz_check";

/** Every distinct RBAC action named by control routes (not "public", "authenticated" or per-request ones). */
export function controlRouteActions(routes: readonly ControlRoute[]): string[] {
  const out = new Set<string>();
  for (const r of routes)
    if (typeof r.action === "string" && r.action !== "public" && r.action !== "authenticated")
      out.add(r.action);
  return [...out].sort();
}

function actorOf(c: ControlCall): ApprovalActor {
  const p = c.principal;
  if (!p) throw new RampartError("ERR_AUTH_REQUIRED", "authentication required", { status: 401 });
  return {
    id: p.id,
    name: p.name,
    roles: p.roles,
    via: p.via,
    ip: c.info.ip,
    requestId: c.info.requestId,
    sessionId: p.sessionId ?? null,
  };
}

const STATUSES: readonly ProposalStatus[] = ["pending", "approved", "rejected", "expired", "failed"];
const Str = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Note = Type.Optional(Type.String({ maxLength: 1000 }));

export function accessRoutes(app: App): ControlRoute[] {
  const approvals = () => app.access().approvals;
  const id = (c: ControlCall) => c.params["id"] ?? "";
  return [
    {
      method: "POST",
      url: "/authz/check",
      action: AUTHZ_CHECK_ACTION,
      body: Type.Object(
        { action: Str(256), role: Type.Optional(Str(64)), user: Type.Optional(Str(256)) },
        { additionalProperties: false },
      ),
      handler: async (c) => {
        const b = c.body as { action: string; role?: string; user?: string };
        if ((b.role === undefined) === (b.user === undefined))
          throw new UsageError("give exactly one of role or user");
        const roles =
          b.role !== undefined ? [b.role] : (await app.identity().getUser(b.user as string)).roles;
        const d = app.policy.check(roles, b.action);
        return {
          action: b.action,
          ...(b.user !== undefined ? { user: b.user } : { role: b.role }),
          roles,
          allowed: d.allowed,
          decidingRole: d.role,
          matched: d.matched,
          reason: d.reason,
          explanation: explainDecision(d, b.action),
        };
      },
    },
    {
      method: "GET",
      url: "/authz/matrix",
      action: AUTHZ_CHECK_ACTION,
      handler: async () => {
        const m = buildMatrix(app.policy.current, routeActions(app));
        return {
          roles: m.roles,
          actions: m.actions,
          rows: m.actions.map((action, i) => ({
            action,
            decisions: (m.cells[i] ?? []).map((d) => ({
              role: d.role,
              allowed: d.allowed,
              matched: d.matched,
            })),
          })),
        };
      },
    },
    {
      method: "POST",
      url: "/approvals",
      action: PROPOSE_ACTION,
      body: Type.Object(
        { kind: Str(64), payload: Type.Unknown(), reason: Note },
        { additionalProperties: false, required: ["kind", "payload"] },
      ),
      handler: async (c) => {
        const b = c.body as { kind: string; payload: unknown; reason?: string };
        const p = await approvals().propose(actorOf(c), {
          kind: b.kind,
          payload: b.payload,
          reason: b.reason,
        });
        c.reply.code(201);
        return { proposal: proposalView(p) };
      },
    },
    {
      method: "GET",
      url: "/approvals",
      action: VIEW_ACTION,
      query: Type.Object(
        {
          status: Type.Optional(Type.Union(STATUSES.map((s) => Type.Literal(s)))),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        },
        { additionalProperties: false },
      ),
      handler: async (c) => {
        const q = c.query as { status?: ProposalStatus; limit?: number };
        const list = await approvals().list({ status: q.status, limit: q.limit ?? 100 });
        return { proposals: list.map(proposalView) };
      },
    },
    {
      method: "GET",
      url: "/approvals/:id",
      action: VIEW_ACTION,
      handler: async (c) => ({ proposal: proposalView(await approvals().get(id(c))) }),
    },
    {
      method: "POST",
      url: "/approvals/:id/approve",
      action: "approvals:approve",
      body: Type.Object({ note: Note }, { additionalProperties: false }),
      handler: async (c) => {
        const p = await approvals().approve(
          actorOf(c),
          id(c),
          (c.body as { note?: string } | undefined)?.note,
        );
        return { proposal: proposalView(p) };
      },
    },
    {
      // The requester may withdraw their own; deciding another's needs the approver's permissions
      // (checked by the approval service). Rejecting needs no step-up: it changes nothing.
      method: "POST",
      url: "/approvals/:id/reject",
      action: VIEW_ACTION,
      body: Type.Object({ note: Note }, { additionalProperties: false }),
      handler: async (c) => {
        const p = await approvals().reject(
          actorOf(c),
          id(c),
          (c.body as { note?: string } | undefined)?.note,
        );
        return { proposal: proposalView(p) };
      },
    },
  ];
}

/** The route map's actions and the control API's own (auth and access routes). */
export function routeActions(app: App): string[] {
  const control = controlRouteActions(accessRoutes(app));
  return [...new Set([...app.config.routes.map((r) => r.action), ...control])].sort();
}

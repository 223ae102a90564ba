// Trading controls over HTTP (/_rampart/v1/trading/…) and the gateway's trading gate for proxied
// routes. Halting and reducing need `trading:emergency_stop`; a resume is proposed with
// `trading:resume` and applied only when a different person approves it with
// `trading:approve_resume`. The service itself is the composition root's (src/app-trading.ts).
import { Type } from "@sinclair/typebox";
import type { FastifyRequest } from "fastify";
import type { App } from "../../app.js";
import { type TradingWiring, tradingFor } from "../../app-trading.js";
import type { TradingActor } from "../../trading/index.js";
import type { ControlCall, ControlRoute } from "../control.js";

/** The form, JSON or query field `instrument` of a proxied request, if any. */
function instrumentOf(request: FastifyRequest): string | undefined {
  const q = (request.query as Record<string, unknown> | undefined)?.["instrument"];
  const body = request.body;
  if (Buffer.isBuffer(body) && body.length > 0 && body.length <= 64 * 1024) {
    const type = String(request.headers["content-type"] ?? "").toLowerCase();
    if (type.startsWith("application/x-www-form-urlencoded")) {
      const v = new URLSearchParams(body.toString("utf8")).get("instrument");
      if (v !== null) return v;
    } else if (type.startsWith("application/json")) {
      try {
        const v = (JSON.parse(body.toString("utf8")) as Record<string, unknown> | null)?.["instrument"];
        if (typeof v === "string") return v;
      } catch {
        // not JSON: no instrument
      }
    }
  }
  return typeof q === "string" ? q : undefined;
}

export interface TradingGate {
  /**
   * Refuses (423 ERR_TRADING_HALTED, audited) a `trading:*` route while the effective state is
   * HALTED, or REDUCING unless the route has `reduces_risk: true`; 503 before the state is loaded.
   * Call after authorize and before the request is recorded and proxied.
   */
  check(action: string, route: { reduces_risk?: boolean | undefined }, request: FastifyRequest): void;
}

export function tradingGate(app: App, wiring: TradingWiring = {}): TradingGate {
  const service = tradingFor(app, wiring);
  return {
    check(action, route, request) {
      if (!action.startsWith("trading:")) return;
      const instrument = instrumentOf(request);
      try {
        service.check(action, { reducesRisk: route.reduces_risk, instrument });
      } catch (e) {
        void app.audit
          .record({
            event_type: "trading",
            action: "trading.gate",
            outcome: "denied",
            ip_address: request.ip,
            resource: `${request.method} ${request.routeOptions.url ?? request.url.split("?")[0]}`,
            request_id: request.id,
            details: {
              route_action: action,
              instrument: instrument ?? null,
              code: (e as { code?: string }).code ?? null,
              ...((e as { expose?: Record<string, unknown> }).expose ?? {}),
            },
          })
          .catch(() => {});
        throw e;
      }
    },
  };
}

const Str = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Scope = Type.Optional(Type.String({ minLength: 1, maxLength: 80 }));

function actorOf(c: ControlCall): TradingActor {
  const p = c.principal;
  return {
    id: p?.id ?? "unknown",
    name: p?.name ?? "unknown",
    ip: c.info.ip,
    sessionId: p?.sessionId ?? null,
    requestId: c.info.requestId,
    via: "api",
  };
}

export function tradingRoutes(app: App, wiring: TradingWiring = {}): ControlRoute[] {
  const svc = () => tradingFor(app, wiring);
  return [
    {
      method: "GET",
      url: "/trading/status",
      action: "reports:view_standard",
      handler: async () => ({
        effective: svc().effective(["global"]),
        states: svc().states(),
        adapter: svc().adapterName,
      }),
    },
    {
      method: "POST",
      url: "/trading/halt",
      action: "trading:emergency_stop",
      body: Type.Object(
        { scope: Scope, reason: Str(500), broker: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
      handler: async (c) => {
        const b = c.body as { scope?: string; reason: string; broker?: boolean };
        return svc().halt({ scope: b.scope, reason: b.reason, actor: actorOf(c), broker: b.broker === true });
      },
    },
    {
      method: "POST",
      url: "/trading/reduce",
      action: "trading:emergency_stop",
      body: Type.Object({ scope: Scope, reason: Str(500) }, { additionalProperties: false }),
      handler: async (c) => {
        const b = c.body as { scope?: string; reason: string };
        return svc().reduce({ scope: b.scope, reason: b.reason, actor: actorOf(c) });
      },
    },
    {
      method: "POST",
      url: "/trading/resume",
      action: "trading:resume",
      body: Type.Object(
        { scope: Scope, reason: Str(500), drill: Type.Optional(Type.Boolean()) },
        { additionalProperties: false },
      ),
      handler: async (c) => {
        const b = c.body as { scope?: string; reason: string; drill?: boolean };
        const request = await svc().proposeResume({
          scope: b.scope,
          reason: b.reason,
          actor: actorOf(c),
          drill: b.drill === true,
        });
        c.reply.code(202);
        return { request, message: "a second person with trading:approve_resume must approve this resume" };
      },
    },
    {
      method: "GET",
      url: "/trading/resume-requests",
      action: "trading:approve_resume",
      handler: async () => ({ requests: await svc().listResumeRequests() }),
    },
    {
      method: "POST",
      url: "/trading/resume-requests/:id/approve",
      action: "trading:approve_resume",
      handler: async (c) => svc().approveResume(c.params["id"] ?? "", actorOf(c)),
    },
    {
      method: "GET",
      url: "/trading/actions",
      action: "reports:view_standard",
      handler: async () => ({ actions: await svc().listActions(50) }),
    },
    {
      method: "POST",
      url: "/trading/drill",
      action: "trading:emergency_stop",
      body: Type.Object(
        { scope: Scope, approval_id: Str(80), reason: Str(500) },
        { additionalProperties: false },
      ),
      handler: async (c) => {
        const b = c.body as { scope?: string; approval_id: string; reason: string };
        return svc().drill({
          scope: b.scope,
          approvalId: b.approval_id,
          reason: b.reason,
          actor: actorOf(c),
        });
      },
    },
  ];
}

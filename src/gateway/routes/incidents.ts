// The control routes of detection and response, under /_rampart/v1/incidents (view:
// system:view_incidents; ack, resolve, false-positive: system:manage_incidents — both within the
// seed's system_administrator `system:*`). The services are the composition root's
// (src/app-security.ts).
import { Type } from "@sinclair/typebox";
import type { App } from "../../app.js";
import { type Security, securityFor } from "../../app-security.js";
import { tradingFor } from "../../app-trading.js";
import { inclusionProof } from "../../audit/index.js";
import { INCIDENT_STATUSES, type IncidentActor } from "../../response/index.js";
import { createLedgerRepository } from "../../store/index.js";
import type { ControlCall, ControlRoute } from "../control.js";

const Note = Type.Object(
  { note: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);
const actorOf = (c: ControlCall): IncidentActor => ({
  id: c.principal?.id ?? "unknown",
  via: "api",
  ip: c.info.ip,
  requestId: c.info.requestId,
});
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

export function incidentRoutes(app: App, security: Security = securityFor(app)): ControlRoute[] {
  const r = security.responder;
  return [
    {
      method: "GET",
      url: "/incidents",
      action: "system:view_incidents",
      query: Type.Object(
        {
          status: Type.Optional(Type.Union(INCIDENT_STATUSES.map((s) => Type.Literal(s)))),
          type: Type.Optional(Type.String({ maxLength: 64 })),
          open: Type.Optional(Type.Boolean()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        },
        { additionalProperties: false },
      ),
      handler: async (c) => {
        const q = c.query as {
          status?: (typeof INCIDENT_STATUSES)[number];
          type?: string;
          open?: boolean;
          limit?: number;
        };
        return {
          incidents: await r.list({ status: q.status, type: q.type, open: q.open, limit: q.limit ?? 50 }),
        };
      },
    },
    {
      method: "GET",
      url: "/incidents/:id",
      action: "system:view_incidents",
      handler: async (c) => {
        const view = await r.view(c.params["id"] ?? "");
        const ledger = app.ledger;
        const size = ledger ? await ledger.size() : 0;
        const repo = createLedgerRepository(app.store);
        const evidence = await Promise.all(
          view.evidence.slice(0, 200).map(async (e) => ({
            index: e.index,
            rule: e.rule,
            tree_size: size,
            proof: e.index < size ? (await inclusionProof(repo, e.index, size)).map(hex) : [],
          })),
        );
        return {
          incident: view.incident,
          actions: view.actions,
          evidence,
          context: { read_only: await security.isReadOnly(), trading: tradingFor(app).states() },
        };
      },
    },
    {
      method: "POST",
      url: "/incidents/:id/ack",
      action: "system:manage_incidents",
      handler: async (c) => ({ incident: await r.acknowledge(c.params["id"] ?? "", actorOf(c)) }),
    },
    {
      method: "POST",
      url: "/incidents/:id/resolve",
      action: "system:manage_incidents",
      body: Note,
      handler: async (c) => ({
        incident: await r.resolve(c.params["id"] ?? "", actorOf(c), (c.body as { note: string }).note),
      }),
    },
    {
      method: "POST",
      url: "/incidents/:id/false-positive",
      action: "system:manage_incidents",
      body: Note,
      handler: async (c) => ({
        incident: await r.markFalsePositive(
          c.params["id"] ?? "",
          actorOf(c),
          (c.body as { note: string }).note,
        ),
      }),
    },
  ];
}

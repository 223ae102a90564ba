// Secrets routes of the control API (/_rampart/v1/secrets/…), per-path actions:
//   GET    /secrets?prefix=P                 list paths the caller may read or write (names only)
//   GET    /secrets/<path>?version=&field=   read             secrets:read:<path>
//   PUT    /secrets/<path>  {data, approval_required?}  write  secrets:write:<path>
//   DELETE /secrets/<path>                   soft delete      secrets:write:<path>
//   DELETE /secrets/<path>?destroy_version=N destroy version  secrets:write:<path>
// The pipeline authorises the action first; the vault checks again (roles and token scope),
// applies four-eyes approval (header X-Rampart-Approval names an approval) and records every
// read and write in the ledger. Step-up MFA for reads comes from config `step_up` (secrets:read:*).
import { Type } from "@sinclair/typebox";
import { UsageError } from "../../kernel/index.js";
import type { VaultActor, VaultService } from "../../vault/index.js";
import type { ControlCall, ControlRoute } from "../control.js";

const pathOf = (call: Pick<ControlCall, "params">): string => call.params["*"] ?? "";

function actorOf(call: ControlCall): VaultActor {
  const p = call.principal;
  if (!p) throw new UsageError("authentication required");
  const approval = call.request.headers["x-rampart-approval"];
  return {
    id: p.id,
    roles: p.roles,
    ...(p.scope ? { scope: p.scope } : {}),
    requestId: call.info.requestId,
    ip: call.info.ip,
    ...(typeof approval === "string" && approval.length > 0 ? { approvalId: approval.slice(0, 128) } : {}),
  };
}

function positiveInt(v: unknown, name: string): number | undefined {
  if (v === undefined || v === "") return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a positive integer`);
  return n;
}

export function secretsRoutes(deps: { vault: VaultService }): ControlRoute[] {
  const { vault } = deps;
  return [
    {
      method: "GET",
      url: "/secrets",
      action: "authenticated",
      query: Type.Object({ prefix: Type.Optional(Type.String({ maxLength: 256 })) }),
      handler: async (call) => ({
        secrets: await vault.list(
          actorOf(call),
          typeof call.query["prefix"] === "string" ? call.query["prefix"] : "",
        ),
      }),
    },
    {
      method: "GET",
      url: "/secrets/*",
      action: (call) => `secrets:read:${pathOf(call)}`,
      query: Type.Object({
        version: Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" })),
        field: Type.Optional(Type.String({ maxLength: 128 })),
      }),
      handler: async (call) => {
        const version = positiveInt(call.query["version"], "version");
        const field = call.query["field"];
        const s = await vault.get(actorOf(call), pathOf(call), {
          ...(version === undefined ? {} : { version }),
          ...(typeof field === "string" ? { field } : {}),
        });
        call.reply.header("cache-control", "no-store");
        return {
          path: s.path,
          version: s.version,
          created_at: new Date(s.createdAt).toISOString(),
          data: s.data,
        };
      },
    },
    {
      method: "PUT",
      url: "/secrets/*",
      action: (call) => `secrets:write:${pathOf(call)}`,
      body: Type.Object(
        {
          data: Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 65536 })),
          approval_required: Type.Optional(Type.Boolean()),
        },
        { additionalProperties: false },
      ),
      handler: async (call) => {
        const body = call.body as { data: Record<string, string>; approval_required?: boolean };
        return vault.put(
          actorOf(call),
          pathOf(call),
          body.data,
          body.approval_required === undefined ? {} : { approvalRequired: body.approval_required },
        );
      },
    },
    {
      method: "DELETE",
      url: "/secrets/*",
      action: (call) => `secrets:write:${pathOf(call)}`,
      query: Type.Object({ destroy_version: Type.Optional(Type.String({ pattern: "^[0-9]{1,9}$" })) }),
      handler: async (call) => {
        const version = positiveInt(call.query["destroy_version"], "destroy_version");
        if (version === undefined) await vault.delete(actorOf(call), pathOf(call));
        else await vault.destroy(actorOf(call), pathOf(call), version);
        return { ok: true };
      },
    },
  ];
}

// API-token routes of the control API: issue (POST /tokens, action `tokens:issue`, step-up MFA
// through config `step_up`), list own (GET /tokens) and revoke own (DELETE /tokens/:jti). Only a
// cookie session may issue a token: a token never mints another token, and a certificate-
// authenticated service account gets its credential from `rampart service cert`.
import { Type } from "@sinclair/typebox";
import { RampartError } from "../../kernel/index.js";
import type { TokenService } from "../../tokens/index.js";
import type { ControlCall, ControlRoute } from "../control.js";

export const ISSUE_TOKEN_ACTION = "tokens:issue";

const IssueBody = Type.Object(
  {
    ttl_seconds: Type.Optional(Type.Integer({ minimum: 60 })),
    scope: Type.Optional(Type.Array(Type.String({ minLength: 3, maxLength: 256 }), { maxItems: 64 })),
    bind_ip: Type.Optional(Type.String({ minLength: 2, maxLength: 64 })),
    description: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

interface IssueInput {
  ttl_seconds?: number;
  scope?: string[];
  bind_ip?: string;
  description?: string;
}

const actorOf = (call: ControlCall) => ({
  via: "api",
  userId: call.principal?.id ?? null,
  ip: call.info.ip,
  requestId: call.info.requestId,
});

export function tokenRoutes(tokens: TokenService): ControlRoute[] {
  return [
    {
      method: "POST",
      url: "/tokens",
      action: ISSUE_TOKEN_ACTION,
      body: IssueBody,
      async handler(call) {
        const p = call.principal;
        if (p?.kind !== "user" || p.via !== "session")
          throw new RampartError(
            "ERR_TOKENS_SESSION_REQUIRED",
            "tokens are issued only to a signed-in user's session",
            {
              status: 403,
            },
          );
        const b = (call.body ?? {}) as IssueInput;
        const issued = await tokens.issue(
          {
            userId: p.id,
            ttlSeconds: b.ttl_seconds,
            scope: b.scope,
            bindIp: b.bind_ip,
            description: b.description,
          },
          actorOf(call),
        );
        call.reply.header("cache-control", "no-store");
        return {
          token: issued.token,
          token_type: "Bearer",
          jti: issued.jti,
          kid: issued.kid,
          expires_at: new Date(issued.expiresAt).toISOString(),
          scope: issued.scope,
          encrypted: issued.encrypted,
        };
      },
    },
    {
      method: "GET",
      url: "/tokens",
      action: "authenticated",
      async handler(call) {
        const p = call.principal;
        if (p?.kind !== "user") return { tokens: [] };
        const rows = await tokens.list({ userId: p.id });
        return {
          tokens: rows.map((r) => ({
            jti: r.jti,
            status: r.status,
            scope: r.scope,
            ip_binding: r.ipBinding,
            description: r.description,
            issued_at: new Date(r.issuedAt).toISOString(),
            expires_at: new Date(r.expiresAt).toISOString(),
            current:
              p.via === "token" && p.sessionId !== undefined && (p as { tokenId?: string }).tokenId === r.jti,
          })),
        };
      },
    },
    {
      method: "DELETE",
      url: "/tokens/:jti",
      action: "authenticated",
      async handler(call) {
        const p = call.principal;
        const jti = call.params["jti"] ?? "";
        if (p?.kind !== "user")
          throw new RampartError("ERR_TOKENS_NOT_FOUND", "no such token", { status: 404 });
        await tokens.revoke(jti, actorOf(call), { ownerId: p.id, reason: "revoked_by_owner" });
        return { ok: true, jti };
      },
    },
  ];
}

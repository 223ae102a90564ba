// The login flow and self-service session routes (/_rampart/v1/auth/…): password, then a second
// factor (TOTP or a recovery code), then a session cookie; enrolment for users without a factor;
// logout, who-am-I, own sessions, password change, step-up. Secrets travel only in bodies and
// cookies, never in URLs or logs.
import { Type } from "@sinclair/typebox";
import type { FastifyReply } from "fastify";
import type { App } from "../../app.js";
import type { IssuedSession, Principal as SessionPrincipal } from "../../identity/index.js";
import { RampartError } from "../../kernel/index.js";
import type { ControlCall, ControlRoute } from "../control.js";
import { CSRF_COOKIE, SESSION_COOKIE, sessionOf } from "../services.js";

const Str = (max: number) => Type.String({ minLength: 1, maxLength: max });
const Body = <T extends Record<string, import("@sinclair/typebox").TSchema>>(p: T) =>
  Type.Object(p, { additionalProperties: false });

function cookie(name: string, value: string, maxAgeSeconds: number, httpOnly: boolean): string {
  return [
    `${name}=${value}`,
    "Path=/",
    "Secure",
    httpOnly ? "HttpOnly" : "",
    "SameSite=Strict",
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
  ]
    .filter(Boolean)
    .join("; ");
}

function setSessionCookies(app: App, reply: FastifyReply, s: IssuedSession): void {
  const maxAge = (s.expiresAt - app.clock.now()) / 1000;
  reply.header("set-cookie", [
    cookie(SESSION_COOKIE, s.token, maxAge, true),
    cookie(CSRF_COOKIE, s.csrfToken, maxAge, false),
  ]);
}

function clearSessionCookies(reply: FastifyReply): void {
  reply.header("set-cookie", [cookie(SESSION_COOKIE, "", 0, true), cookie(CSRF_COOKIE, "", 0, false)]);
}

function sessionBody(s: IssuedSession): Record<string, unknown> {
  return {
    sessionId: s.sessionId,
    csrfToken: s.csrfToken,
    expiresAt: new Date(s.expiresAt).toISOString(),
    idleExpiresAt: new Date(s.idleExpiresAt).toISOString(),
    mustChangePassword: s.mustChangePassword,
  };
}

function identityPrincipal(c: ControlCall): SessionPrincipal {
  const p = sessionOf(c.request);
  if (!p)
    throw new RampartError("ERR_AUTH_SESSION_REQUIRED", "this needs an interactive session", { status: 403 });
  return p;
}

export function authRoutes(app: App): ControlRoute[] {
  const id = () => app.identity();
  return [
    {
      method: "POST",
      url: "/auth/login",
      action: "public",
      body: Body({ username: Str(256), password: Str(1024) }),
      handler: async (c) => {
        const b = c.body as { username: string; password: string };
        const r = await id().login(b.username, b.password, c.info);
        return { mfa: r.mfa, challenge: r.challenge, expiresAt: new Date(r.expiresAt).toISOString() };
      },
    },
    {
      method: "POST",
      url: "/auth/mfa",
      action: "public",
      body: Body({ challenge: Str(256), code: Str(64) }),
      handler: async (c) => {
        const b = c.body as { challenge: string; code: string };
        const s = await id().completeMfa(b.challenge, b.code, c.info);
        setSessionCookies(app, c.reply, s);
        return sessionBody(s);
      },
    },
    {
      method: "POST",
      url: "/auth/mfa/totp/enroll",
      action: "public",
      body: Body({ challenge: Str(256) }),
      handler: async (c) => {
        const e = await id().beginTotpEnrollment((c.body as { challenge: string }).challenge, c.info);
        return { uri: e.uri, qrSvg: e.qrSvg };
      },
    },
    {
      method: "POST",
      url: "/auth/mfa/totp/confirm",
      action: "public",
      body: Body({ challenge: Str(256), code: Str(64) }),
      handler: async (c) => {
        const b = c.body as { challenge: string; code: string };
        const r = await id().confirmTotpEnrollment(b.challenge, b.code, c.info);
        setSessionCookies(app, c.reply, r.session);
        return { ...sessionBody(r.session), recoveryCodes: r.recoveryCodes };
      },
    },
    {
      method: "POST",
      url: "/auth/logout",
      action: "authenticated",
      allowWhilePasswordChangeRequired: true,
      handler: async (c) => {
        await id().logout(identityPrincipal(c), c.info);
        clearSessionCookies(c.reply);
        return { ok: true };
      },
    },
    {
      method: "GET",
      url: "/auth/session",
      action: "authenticated",
      allowWhilePasswordChangeRequired: true,
      handler: async (c) => {
        const p = c.principal!;
        if (p.via !== "session") return { kind: p.kind, name: p.name, roles: p.roles, via: p.via };
        const s = identityPrincipal(c);
        return {
          kind: "user",
          userId: s.userId,
          username: s.username,
          displayName: s.displayName,
          roles: s.roles,
          sessionId: s.sessionId,
          expiresAt: new Date(s.expiresAt).toISOString(),
          idleExpiresAt: new Date(s.idleExpiresAt).toISOString(),
          mfaAt: new Date(s.mfaAt).toISOString(),
          mustChangePassword: s.mustChangePassword,
        };
      },
    },
    {
      method: "GET",
      url: "/auth/sessions",
      action: "authenticated",
      handler: async (c) => ({ sessions: await id().listOwnSessions(identityPrincipal(c)) }),
    },
    {
      method: "DELETE",
      url: "/auth/sessions/:sessionId",
      action: "authenticated",
      handler: async (c) => {
        await id().revokeOwnSession(identityPrincipal(c), c.params["sessionId"] ?? "", c.info);
        return { ok: true };
      },
    },
    {
      method: "POST",
      url: "/auth/password",
      action: "authenticated",
      allowWhilePasswordChangeRequired: true,
      body: Body({ current_password: Str(1024), new_password: Str(1024) }),
      handler: async (c) => {
        const b = c.body as { current_password: string; new_password: string };
        await id().changePassword(identityPrincipal(c), b.current_password, b.new_password, c.info);
        return { ok: true };
      },
    },
    {
      method: "POST",
      url: "/auth/step-up",
      action: "authenticated",
      body: Body({ code: Str(64) }),
      handler: async (c) => {
        const r = await id().stepUp(identityPrincipal(c), (c.body as { code: string }).code, c.info);
        return { mfaAt: new Date(r.mfaAt).toISOString() };
      },
    },
    {
      method: "POST",
      url: "/auth/mfa/recovery-codes",
      action: "authenticated",
      handler: async (c) => ({
        recoveryCodes: await id().regenerateRecoveryCodes(identityPrincipal(c), c.info),
      }),
    },
  ];
}

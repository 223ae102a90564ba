// Issuing, verifying, listing, revoking and rotating API tokens against the real repositories:
// SQLite + memory always, PostgreSQL + Redis when RAMPART_TEST_DATABASE_URL / _REDIS_URL are set.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { until } from "../kernel/testing.js";
import { databaseTargets, ephemeralTargets } from "../store/index.js";
import { openTokenHarness, type TokenHarness } from "./testing.js";

const cli = { via: "cli" };
const code = (e: unknown) => (e as { code?: string }).code;
const rejectsWith = (p: Promise<unknown>, c: string) => assert.rejects(p, (e) => code(e) === c);
const bearer = (t: string) => `Bearer ${t}`;

const targets = databaseTargets(process.env).flatMap((d, i) => {
  const k = ephemeralTargets(process.env)[i];
  return k ? [{ d, k, skip: d.skip || k.skip }] : [];
});

/** Verifies a compact JWS with the openssl command line and the JWKS public key (independent check). */
function opensslVerifies(token: string, jwk: Record<string, string>): boolean {
  const dir = mkdtempSync(join(tmpdir(), "rampart-openssl-"));
  try {
    const [h, p, s] = token.split(".") as [string, string, string];
    const pem = createPublicKey({ key: jwk, format: "jwk" }).export({ format: "pem", type: "spki" });
    writeFileSync(join(dir, "pub.pem"), pem);
    writeFileSync(join(dir, "data"), `${h}.${p}`);
    writeFileSync(join(dir, "sig"), Buffer.from(s, "base64url"));
    const args =
      jwk["kty"] === "OKP"
        ? ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "data", "-sigfile", "sig"]
        : ["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig", "data"];
    const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    return r.status === 0 && /Verified OK|Signature Verified Successfully/i.test(r.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const { d, k, skip } of targets) {
  describe(`tokens on ${d.dialect} + ${k.kind}`, { skip }, () => {
    const withHarness = (name: string, fn: (h: TokenHarness) => Promise<void>, yaml?: string) =>
      test(name, async () => {
        const h = await openTokenHarness({ db: d, eph: k, ...(yaml ? { yaml } : {}) });
        try {
          await fn(h);
        } finally {
          await h.dispose();
        }
      });

    withHarness("an issued EdDSA token is accepted by jose's own jwtVerify and by openssl", async (h) => {
      const id = await h.user("alice");
      const t = await h.tokens.issue({ userId: id }, cli);
      const header = decodeProtectedHeader(t.token);
      assert.deepEqual(header, { alg: "EdDSA", typ: "at+jwt", kid: t.kid });
      const jwks = h.tokens.jwks();
      const { payload } = await jwtVerify(t.token, createLocalJWKSet(jwks), {
        issuer: "rampart",
        audience: "rampart",
        typ: "at+jwt",
        currentDate: new Date(h.clock.now()),
      });
      assert.equal(payload.sub, id);
      assert.equal(payload.jti, t.jti);
      assert.equal((payload.exp as number) - (payload.iat as number), 8 * 3600);
      assert.deepEqual(payload["roles"], ["trader"]);
      assert.equal(typeof payload["sid"], "string");
      assert.ok(String(payload["scope"]).includes("trading:place_orders"));
      const jwk = jwks.keys.find((x) => x["kid"] === t.kid) as Record<string, string>;
      assert.equal(jwk["d"], undefined, "no private member is published");
      assert.ok(opensslVerifies(t.token, jwk));
      const tampered = `${t.token.slice(0, -4)}AAAA`;
      assert.equal(opensslVerifies(tampered, jwk), false);
      const p = await h.tokens.authenticateBearer(bearer(t.token), "192.0.2.1");
      assert.equal(p?.id, id);
      assert.equal(p?.name, "alice");
      assert.equal(p?.via, "token");
      assert.deepEqual(p?.roles, ["trader"]);
      assert.equal(await h.tokens.authenticateBearer(undefined, "192.0.2.1"), null);
      assert.equal(await h.tokens.authenticateBearer("Basic abc", "192.0.2.1"), null);
      const issued = h.audit.last("token.issued");
      assert.ok(issued && !JSON.stringify(issued).includes(t.token.split(".")[2] as string));
    });

    withHarness(
      "RS256 is selectable: jose and openssl verify the signature with the JWKS key",
      async (h) => {
        const id = await h.user("bob");
        const t = await h.tokens.issue({ userId: id }, cli);
        assert.equal(decodeProtectedHeader(t.token).alg, "RS256");
        const jwks = h.tokens.jwks();
        await jwtVerify(t.token, createLocalJWKSet(jwks), { currentDate: new Date(h.clock.now()) });
        const jwk = jwks.keys.find((x) => x["kid"] === t.kid) as Record<string, string>;
        assert.equal(jwk["kty"], "RSA");
        assert.ok(opensslVerifies(t.token, jwk));
        assert.equal((await h.tokens.verify(t.token, null)).id, id);
      },
      "tokens:\n  algorithm: RS256",
    );

    withHarness(
      "tokens.encrypt: JWE dir + A256GCM around the signed token; a bare JWS is then refused",
      async (h) => {
        const id = await h.user("carol");
        const t = await h.tokens.issue({ userId: id }, cli);
        assert.equal(t.token.split(".").length, 5);
        assert.deepEqual(decodeProtectedHeader(t.token), {
          alg: "dir",
          enc: "A256GCM",
          kid: t.kid,
          cty: "JWT",
        });
        assert.equal((await h.tokens.verify(t.token, null)).id, id);
        const parts = t.token.split(".");
        parts[3] = `${(parts[3] as string).slice(0, -2)}AA`;
        await rejectsWith(h.tokens.verify(parts.join("."), null), "ERR_AUTH_INVALID_TOKEN");
      },
      "tokens:\n  encrypt: true",
    );

    withHarness("scope is narrowed, never wider than the user's roles; lifetime within max", async (h) => {
      const id = await h.user("dora", ["read_only_analyst"]);
      const t = await h.tokens.issue({ userId: id, scope: ["data:read_prices"] }, cli);
      const p = await h.tokens.verify(t.token, null);
      assert.deepEqual(p.scope, ["data:read_prices"]);
      await rejectsWith(
        h.tokens.issue({ userId: id, scope: ["trading:place_orders"] }, cli),
        "ERR_TOKENS_SCOPE_NOT_ALLOWED",
      );
      await rejectsWith(h.tokens.issue({ userId: id, scope: ["data:*"] }, cli), "ERR_TOKENS_SCOPE_INVALID");
      await rejectsWith(h.tokens.issue({ userId: id, ttlSeconds: 8 * 86400 }, cli), "ERR_TOKENS_TTL");
      await rejectsWith(h.tokens.issue({ userId: id, ttlSeconds: 10 }, cli), "ERR_TOKENS_TTL");
      await rejectsWith(h.tokens.issue({ userId: id, bindIp: "10.0.0.0/99" }, cli), "ERR_TOKENS_IP_BINDING");
      const bound = await h.tokens.issue({ userId: id, bindIp: "10.1.0.0/16" }, cli);
      assert.equal((await h.tokens.verify(bound.token, "10.1.2.3")).id, id);
      assert.equal((await h.tokens.verify(bound.token, "::ffff:10.1.2.3")).id, id);
      await rejectsWith(h.tokens.verify(bound.token, "10.2.0.1"), "ERR_AUTH_INVALID_TOKEN");
    });

    withHarness(
      "list and revoke: revocation reaches another instance at once, even from its cache",
      async (h) => {
        const id = await h.user("erin");
        const other = await h.second();
        const t = await h.tokens.issue({ userId: id }, cli);
        assert.equal((await other.verify(t.token, null)).id, id); // now cached on the other instance
        assert.deepEqual(
          (await h.tokens.list({ userId: id })).map((x) => x.jti),
          [t.jti],
        );
        await rejectsWith(h.tokens.revoke(t.jti, cli, { ownerId: "someone-else" }), "ERR_TOKENS_NOT_FOUND");
        await h.tokens.revoke(t.jti, cli);
        // The other instance's cache is cleared by the revocation's broadcast, not by time.
        await until(
          () =>
            other.verify(t.token, null).then(
              () => false,
              (e: unknown) => (e as { code?: string }).code === "ERR_AUTH_INVALID_TOKEN",
            ),
          5000,
          1,
        );
        await rejectsWith(h.tokens.verify(t.token, null), "ERR_AUTH_INVALID_TOKEN");
        assert.deepEqual(await h.tokens.list({ userId: id }), []);
        const all = await h.tokens.list({ userId: id, includeInactive: true });
        assert.equal(all[0]?.status, "revoked");
      },
    );

    withHarness("disabling a user stops their tokens, with or without revokeUserTokens", async (h) => {
      const id = await h.user("fred");
      const a = await h.tokens.issue({ userId: id }, cli);
      const b = await h.tokens.issue({ userId: id }, cli);
      await h.tokens.verify(a.token, null);
      await h.identity.disableUser("fred", cli);
      await rejectsWith(h.tokens.verify(a.token, null), "ERR_AUTH_INVALID_TOKEN");
      await rejectsWith(h.tokens.issue({ userId: id }, cli), "ERR_TOKENS_USER_INACTIVE");
      assert.equal(await h.tokens.revokeUserTokens(id, "user_disabled", cli), 2);
      await h.identity.enableUser("fred", cli);
      await rejectsWith(h.tokens.verify(b.token, null), "ERR_AUTH_INVALID_TOKEN");
    });

    withHarness(
      "rotation: old tokens verify, new ones carry the new kid, retired keys are refused",
      async (h) => {
        const id = await h.user("gail");
        const before = await h.tokens.issue({ userId: id, ttlSeconds: 3600 }, cli);
        const other = await h.second();
        const k2 = await h.tokens.rotateSigningKey(cli);
        assert.notEqual(k2.kid, before.kid);
        assert.equal(k2.version, 2);
        const after = await h.tokens.issue({ userId: id }, cli);
        assert.equal(after.kid, k2.kid);
        assert.equal((await h.tokens.verify(before.token, null)).id, id);
        assert.equal((await other.verify(after.token, null)).id, id, "another instance learns the new key");
        assert.deepEqual(
          h.tokens.jwks().keys.map((x) => x["kid"]),
          [k2.kid, before.kid],
        );
        assert.deepEqual(await h.tokens.retireExpiredKeys(), [], "not while its tokens live");
        h.clock.advance(3600_000 + 31_000);
        assert.deepEqual(await h.tokens.retireExpiredKeys(), [before.kid]);
        assert.deepEqual(
          h.tokens.jwks().keys.map((x) => x["kid"]),
          [k2.kid],
        );
        // Its key is retired: the old token is refused (the security tests check the precise reason).
        await rejectsWith(h.tokens.verify(before.token, null), "ERR_AUTH_INVALID_TOKEN");
        assert.equal((await h.tokens.verify(after.token, null)).id, id);
        const keys = h.tokens.signingKeys();
        assert.deepEqual(
          keys.map((x) => [x.version, x.status]),
          [
            [1, "retired"],
            [2, "current"],
          ],
        );
      },
    );
  });
}

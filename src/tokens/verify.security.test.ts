// Property: token validation cannot be talked around. Every forged, altered, stale, misdirected or
// revoked token below is refused with the same 401 ERR_AUTH_INVALID_TOKEN (no oracle), and each
// refusal records a security event naming the precise reason and never the token.
import assert from "node:assert/strict";
import { createHmac, createPrivateKey, generateKeyPairSync, type KeyObject, sign } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { SignJWT } from "jose";
import type { TokenRejection } from "./index.js";
import { openTokenHarness, type TokenHarness } from "./testing.js";

const cli = { via: "cli" };
const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");

describe("token validation cannot be talked around", () => {
  let h: TokenHarness;
  let userId: string;
  let valid: { token: string; jti: string; kid: string };
  let rampartKey: KeyObject;
  let claims: Record<string, unknown>;
  const attacker = generateKeyPairSync("ed25519");

  before(async () => {
    h = await openTokenHarness();
    userId = await h.user("victor");
    valid = await h.tokens.issue({ userId }, cli);
    const [, p] = valid.token.split(".") as [string, string];
    claims = JSON.parse(Buffer.from(p, "base64url").toString());
    // Tests only: Rampart's own private key, to prove claim checks hold even under a valid signature.
    const row = (await h.deps.store.listSigningKeys()).find((k) => k.kid === valid.kid);
    assert.ok(row);
    rampartKey = createPrivateKey({
      key: h.keyring.decrypt(row.privateKeyEnc, {
        table: "token_signing_keys",
        id: row.kid,
        field: "private_key",
      }),
      format: "der",
      type: "pkcs8",
    });
  });
  after(() => h.dispose());

  const withRampartKey = (header: Record<string, unknown>, payload: Record<string, unknown>) => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${sign(null, Buffer.from(input), rampartKey).toString("base64url")}`;
  };
  const withAttackerKey = (header: Record<string, unknown>, payload: Record<string, unknown> = claims) => {
    const input = `${b64(header)}.${b64(payload)}`;
    return `${input}.${sign(null, Buffer.from(input), attacker.privateKey).toString("base64url")}`;
  };
  const hdr = (extra: Record<string, unknown> = {}) => ({
    alg: "EdDSA",
    typ: "at+jwt",
    kid: valid.kid,
    ...extra,
  });
  const nowS = () => Math.floor(h.clock.now() / 1000);

  async function refused(token: string, reason: TokenRejection, ip = "192.0.2.9"): Promise<void> {
    const before = h.audit.events.length;
    await assert.rejects(h.tokens.authenticateBearer(`Bearer ${token}`, ip), (e: unknown) => {
      const err = e as { code?: string; status?: number; message?: string };
      assert.equal(err.code, "ERR_AUTH_INVALID_TOKEN");
      assert.equal(err.status, 401);
      assert.equal(err.message, "invalid or expired token");
      return true;
    });
    const events = h.audit.events.slice(before);
    assert.equal(events.length, 1);
    const e = events[0];
    assert.equal(e?.action, "auth.token");
    assert.equal(e?.outcome, "failure");
    assert.equal(e?.details?.["reason"], reason);
    const text = JSON.stringify(e);
    const sig = token.split(".").at(-1) ?? "";
    if (sig.length > 8) assert.ok(!text.includes(sig), "the event never carries the token");
  }

  test("the genuine token is accepted (the baseline every case below departs from)", async () => {
    assert.equal((await h.tokens.authenticateBearer(`Bearer ${valid.token}`, "192.0.2.9"))?.id, userId);
  });

  test("alg none is refused", async () => {
    await refused(`${b64(hdr({ alg: "none" }))}.${b64(claims)}.`, "alg_not_allowed");
    await refused(`${b64(hdr({ alg: "none" }))}.${b64(claims)}`, "malformed");
  });

  test("RS256→HS256 confusion with the public key as HMAC secret is refused", async () => {
    const jwk = h.tokens.jwks().keys[0] as Record<string, string>;
    for (const secret of [
      JSON.stringify(jwk),
      jwk["x"] as string,
      Buffer.from(jwk["x"] as string, "base64url"),
    ]) {
      const input = `${b64(hdr({ alg: "HS256" }))}.${b64(claims)}`;
      const mac = createHmac("sha256", secret).update(input).digest("base64url");
      await refused(`${input}.${mac}`, "alg_not_allowed");
    }
  });

  test("a token asking for another algorithm of the key's family is refused (the key pins its alg)", async () => {
    await refused(withAttackerKey(hdr({ alg: "RS256" })), "alg_not_allowed");
    await refused(withAttackerKey(hdr({ alg: "Ed25519" })), "alg_not_allowed");
  });

  test("kid unknown, a path, or SQL is refused; a missing kid too", async () => {
    await refused(withAttackerKey(hdr({ kid: "v9-unknownkey" })), "unknown_kid");
    await refused(withAttackerKey(hdr({ kid: "../../../../etc/passwd" })), "unknown_kid");
    await refused(withAttackerKey(hdr({ kid: "' OR '1'='1' --" })), "unknown_kid");
    await refused(withAttackerKey(hdr({ kid: 7 })), "unknown_kid");
    const { kid: _drop, ...noKid } = hdr();
    await refused(withAttackerKey(noKid), "unknown_kid");
  });

  test("jku / x5u / jwk / x5c headers pointing elsewhere are refused, never followed", async () => {
    const pub = attacker.publicKey.export({ format: "jwk" });
    await refused(withAttackerKey(hdr({ jku: "https://evil.example/jwks.json" })), "forbidden_header");
    await refused(withAttackerKey(hdr({ x5u: "https://evil.example/cert.pem" })), "forbidden_header");
    await refused(withAttackerKey(hdr({ jwk: pub })), "forbidden_header");
    await refused(withAttackerKey(hdr({ x5c: ["MIIB"] })), "forbidden_header");
    const { kid: _k, ...noKid } = hdr();
    await refused(withAttackerKey({ ...noKid, jwk: pub }), "forbidden_header");
  });

  test("a valid kid with another key's signature is refused", async () => {
    await refused(withAttackerKey(hdr()), "bad_signature");
  });

  test("expired (beyond the 30 s skew) is refused; within the skew it is still accepted", async () => {
    const t = await h.tokens.issue({ userId, ttlSeconds: 60 }, cli);
    h.clock.advance(60_000 + 29_000);
    assert.equal((await h.tokens.verify(t.token, null)).id, userId);
    h.clock.advance(2_000);
    await refused(t.token, "expired");
    h.clock.advance(-91_000);
  });

  test("nbf in the future (beyond the skew) is refused, even under Rampart's own signature", async () => {
    await refused(withRampartKey(hdr(), { ...claims, nbf: nowS() + 120 }), "not_yet_valid");
  });

  test("wrong aud, wrong iss, wrong typ are refused", async () => {
    await refused(withRampartKey(hdr(), { ...claims, aud: "someone-else" }), "wrong_audience");
    await refused(withRampartKey(hdr(), { ...claims, iss: "https://evil.example" }), "wrong_issuer");
    await refused(withRampartKey(hdr({ typ: "JWT" }), claims), "wrong_typ");
    const { typ: _t, ...noTyp } = hdr();
    await refused(withRampartKey(noTyp, claims), "wrong_typ");
  });

  test("a payload changed under the old signature is refused", async () => {
    const [hh, , s] = valid.token.split(".") as [string, string, string];
    const escalated = { ...claims, roles: ["system_administrator"], scope: "*" };
    await refused(`${hh}.${b64(escalated)}.${s}`, "bad_signature");
  });

  test("a stripped signature is refused", async () => {
    const [hh, p] = valid.token.split(".") as [string, string, string];
    await refused(`${hh}.${p}.`, "bad_signature");
    await refused(`${hh}.${p}`, "malformed");
  });

  test("an unknown crit header is refused", async () => {
    await refused(
      withRampartKey(hdr({ crit: ["exp-policy"], "exp-policy": 1 }), claims),
      "crit_not_understood",
    );
    await refused(withRampartKey(hdr({ crit: ["b64"], b64: false }), claims), "crit_not_understood");
  });

  test("a well-signed token whose jti Rampart never issued is refused", async () => {
    await refused(
      withRampartKey(hdr(), { ...claims, jti: "00000000-0000-4000-8000-000000000000" }),
      "unknown_jti",
    );
  });

  test("a lifetime beyond tokens.max_ttl is refused even under Rampart's signature", async () => {
    await refused(withRampartKey(hdr(), { ...claims, exp: nowS() + 365 * 86400 }), "lifetime_too_long");
  });

  test("a revoked jti is refused (also after it was cached)", async () => {
    const t = await h.tokens.issue({ userId }, cli);
    await h.tokens.verify(t.token, null);
    await h.tokens.revoke(t.jti, cli);
    await refused(t.token, "revoked");
  });

  test("a token used from an address outside its binding is refused", async () => {
    const t = await h.tokens.issue({ userId, bindIp: "198.51.100.0/24" }, cli);
    assert.equal((await h.tokens.authenticateBearer(`Bearer ${t.token}`, "198.51.100.77"))?.id, userId);
    await refused(t.token, "ip_not_allowed", "203.0.113.5");
    await refused(t.token, "ip_not_allowed", "not-an-ip");
  });

  test("a token for a disabled user is refused", async () => {
    const id = await h.user("wendy");
    const t = await h.tokens.issue({ userId: id }, cli);
    await h.tokens.verify(t.token, null);
    await h.identity.disableUser("wendy", cli);
    await refused(t.token, "user_disabled");
  });

  test("a 1 MB token is refused before any parsing", async () => {
    await refused(`${valid.token}${"A".repeat(1024 * 1024)}`, "too_large");
    await refused("e".repeat(9000), "too_large");
  });

  test("garbage and a JWE when encryption is off are refused", async () => {
    await refused("not a token", "malformed");
    await refused("a.b.c.d.e", "unexpected_encryption");
    await refused("%%%.%%%.%%%", "malformed");
  });

  test("jose itself refuses what Rampart refuses (cross-check with an attacker-signed SignJWT)", async () => {
    const forged = await new SignJWT(claims).setProtectedHeader(hdr()).sign(attacker.privateKey);
    await refused(forged, "bad_signature");
  });
  // Last: it rotates and retires the key the cases above use.
  test("a token signed by a retired key is refused", async () => {
    const t = await h.tokens.issue({ userId, ttlSeconds: 60 }, cli);
    await h.tokens.rotateSigningKey(cli);
    h.clock.advance(10 * 86400_000);
    await h.tokens.retireExpiredKeys();
    const revived = withRampartKey(hdr({ kid: t.kid }), {
      ...claims,
      iat: nowS(),
      nbf: nowS(),
      exp: nowS() + 600,
    });
    await refused(revived, "retired_key");
  });
});

// Password policy and username folding.
import assert from "node:assert/strict";
import { test } from "node:test";
import { checkPasswordPolicy, foldUsername, generatePassword, normalizeUsername } from "./index.js";

const rejects = (pw: string, user: string, why: RegExp) =>
  assert.throws(
    () => checkPasswordPolicy(pw, user),
    (e: unknown) =>
      (e as { code?: string }).code === "ERR_IDENTITY_PASSWORD_POLICY" && why.test((e as Error).message),
  );

test("passwords: 12-128 characters, not common, not containing the username; reasons never echo the password", () => {
  rejects("Short-pw-1", "u", /at least 12/);
  rejects("a1B-".repeat(33), "u", /at most 128/);
  rejects("qwerty123456", "u", /commonly used/);
  rejects("Password1234!", "u", /commonly used/);
  rejects("aaaaaaaaaaaaaaab", "u", /different characters/);
  rejects("my-ALICE-secret-99", "Alice", /username/);
  checkPasswordPolicy("Kestrel-Harbour-93-plume", "alice");
  assert.throws(
    () => checkPasswordPolicy("qwerty123456", "u"),
    (e: unknown) => !(e as Error).message.includes("qwerty"),
  );
  for (let i = 0; i < 20; i++) {
    const pw = generatePassword("admin");
    assert.equal(pw.length, 20);
    checkPasswordPolicy(pw, "admin");
  }
});

test("usernames are unique after NFKC and case folding", () => {
  assert.equal(foldUsername("ＡＤＭＩＮ"), "admin");
  assert.equal(foldUsername("Straße"), foldUsername("STRASSE"));
  assert.equal(foldUsername("Zoe\u0308"), foldUsername("zoë"));
  assert.equal(normalizeUsername("Zoe\u0308"), "Zoë");
  for (const bad of ["", "-x", "a b", "a:b", "x".repeat(65), "a\u0000"])
    assert.throws(
      () => normalizeUsername(bad),
      (e: unknown) => (e as { code?: string }).code === "ERR_IDENTITY_USERNAME_INVALID",
    );
});

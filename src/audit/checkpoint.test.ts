// Checkpoints are C2SP signed notes that verify with an independent Ed25519 verifier: OpenSSL's
// `pkeyutl -verify -rawin` over the note body, and node:crypto with a key rebuilt from the raw
// 32 bytes of the verifier-key text (not from Rampart's own objects).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash, createPublicKey, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseCheckpointNote, signCheckpoint, verifyCheckpointNote } from "./checkpoint.js";
import { testSigner } from "./testing.js";

const root = Buffer.from("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328", "hex");

test("a checkpoint has the tlog-checkpoint layout and a signed-note signature line", () => {
  const signer = testSigner("rampart.example/audit");
  const note = signCheckpoint({ origin: "rampart.example/audit", treeSize: 8, rootHash: root }, signer);
  const lines = note.split("\n");
  assert.equal(lines[0], "rampart.example/audit");
  assert.equal(lines[1], "8");
  assert.equal(lines[2], root.toString("base64"));
  assert.equal(lines[3], "");
  assert.match(lines[4] as string, /^\u2014 rampart\.example\/audit [A-Za-z0-9+/]+=*$/);
  assert.equal(lines[5], "");
  const blob = Buffer.from((lines[4] as string).split(" ")[2] as string, "base64");
  assert.equal(blob.length, 4 + 64);
  // Key hash per the signed-note spec: SHA-256(name ‖ "\n" ‖ 0x01 ‖ raw key)[:4].
  const raw = signer.publicKey.subarray(-32);
  const expected = createHash("sha256")
    .update("rampart.example/audit\n")
    .update(Buffer.from([1]))
    .update(raw)
    .digest();
  assert.deepEqual(blob.subarray(0, 4), expected.subarray(0, 4));
  assert.equal(verifyCheckpointNote(note, signer).treeSize, 8);
});

test("the signature verifies with node:crypto from the raw key in the verifier-key text", () => {
  const signer = testSigner("log.example");
  const note = signCheckpoint({ origin: "log.example", treeSize: 3, rootHash: root }, signer);
  // name+hash+key: the key's base64 may itself contain "+", so split at the first two only.
  const [, name, keyB64] = /^([^+]+)\+[0-9a-f]{8}\+(.+)$/.exec(signer.verifierKey()) as unknown as [
    string,
    string,
    string,
  ];
  assert.equal(name, "log.example");
  const raw = Buffer.from(keyB64, "base64").subarray(1);
  // SPKI for Ed25519 (RFC 8410): a fixed 12-byte header, then the raw key.
  const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), raw]);
  const key = createPublicKey({ key: spki, format: "der", type: "spki" });
  const parsed = parseCheckpointNote(note);
  assert.ok(verify(null, Buffer.from(parsed.body), key, parsed.signatures[0]?.signature as Buffer));
});

test("the signature verifies with openssl pkeyutl -verify -rawin over the note body", () => {
  const signer = testSigner("log.example");
  const note = signCheckpoint({ origin: "log.example", treeSize: 1234, rootHash: root }, signer);
  const parsed = parseCheckpointNote(note);
  const dir = mkdtempSync(join(tmpdir(), "rampart-note-"));
  try {
    writeFileSync(join(dir, "pub.pem"), signer.publicKeyPem());
    writeFileSync(join(dir, "body"), parsed.body);
    writeFileSync(join(dir, "sig"), parsed.signatures[0]?.signature as Buffer);
    const out = execFileSync(
      "openssl",
      ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "body", "-sigfile", "sig"],
      { cwd: dir, encoding: "utf8" },
    );
    assert.match(out, /Signature Verified Successfully/);
    writeFileSync(join(dir, "body"), parsed.body.replace("1234", "1235"));
    assert.throws(() =>
      execFileSync(
        "openssl",
        ["pkeyutl", "-verify", "-pubin", "-inkey", "pub.pem", "-rawin", "-in", "body", "-sigfile", "sig"],
        { cwd: dir, stdio: "pipe" },
      ),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a note altered after signing, or signed by another key of the same name, is refused", () => {
  const signer = testSigner("log.example");
  const note = signCheckpoint({ origin: "log.example", treeSize: 5, rootHash: root }, signer);
  assert.throws(() => verifyCheckpointNote(note.replace("\n5\n", "\n6\n"), signer), {
    code: "ERR_AUDIT_CHECKPOINT_INVALID",
  });
  assert.throws(() => verifyCheckpointNote(note, testSigner("log.example")), {
    code: "ERR_AUDIT_CHECKPOINT_INVALID",
  });
  assert.throws(() => parseCheckpointNote("log.example\n5\n"), { code: "ERR_AUDIT_CHECKPOINT_INVALID" });
});

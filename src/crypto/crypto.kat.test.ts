// Known-answer tests: RFC 5869 (HKDF-SHA256) and NIST GCM test vectors (AES-256-GCM), including
// tag failures, which must all surface as the one indistinguishable DecryptionError.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DecryptionError, hkdfSha256, open, seal } from "./index.js";

const hex = (s: string): Buffer => Buffer.from(s, "hex");

test("RFC 5869 test case 1 (HKDF-SHA256)", () => {
  const okm = hkdfSha256(
    hex("0b".repeat(22)),
    hex("000102030405060708090a0b0c"),
    hex("f0f1f2f3f4f5f6f7f8f9"),
    42,
  );
  assert.equal(
    okm.toString("hex"),
    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
  );
});

test("RFC 5869 test case 3 (zero-length salt and info)", () => {
  const okm = hkdfSha256(hex("0b".repeat(22)), Buffer.alloc(0), Buffer.alloc(0), 42);
  assert.equal(
    okm.toString("hex"),
    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
  );
});

const K16 = hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308");
const P16 = hex(
  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
);
const A16 = hex("feedfacedeadbeeffeedfacedeadbeefabaddad2");
const IV16 = hex("cafebabefacedbaddecaf888");
const C16 =
  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662";
const T16 = "76fc6ece0f4e1768cddf8853bb2d551b";

test("NIST GCM test case 14 (AES-256, zero key, one zero block)", () => {
  const s = seal(Buffer.alloc(32), Buffer.alloc(16), Buffer.alloc(0), Buffer.alloc(12));
  assert.equal(s.ciphertext.toString("hex"), "cea7403d4d606b6e074ec5d3baf39d18");
  assert.equal(s.tag.toString("hex"), "d0d1c8a799996bf0265b98b5d48ab919");
});

test("NIST GCM test case 16 (AES-256 with associated data) encrypts and decrypts", () => {
  const s = seal(K16, P16, A16, IV16);
  assert.equal(s.ciphertext.toString("hex"), C16);
  assert.equal(s.tag.toString("hex"), T16);
  assert.deepEqual(open(K16, { nonce: IV16, ciphertext: hex(C16), tag: hex(T16) }, A16), P16);
});

test("a flipped tag bit, ciphertext bit, AAD byte or wrong key all fail with the same error", () => {
  const good = { nonce: IV16, ciphertext: hex(C16), tag: hex(T16) };
  const flip = (b: Buffer, i: number): Buffer => {
    const c = Buffer.from(b);
    c[i] = (c[i] as number) ^ 1;
    return c;
  };
  const attempts: Array<() => Buffer> = [
    () => open(K16, { ...good, tag: flip(good.tag, 0) }, A16),
    () => open(K16, { ...good, ciphertext: flip(good.ciphertext, 5) }, A16),
    () => open(K16, good, flip(A16, 3)),
    () => open(flip(K16, 31), good, A16),
    () => open(K16, { ...good, tag: good.tag.subarray(0, 12) }, A16),
  ];
  for (const a of attempts) {
    assert.throws(
      a,
      (e: unknown) =>
        e instanceof DecryptionError && e.code === "ERR_CRYPTO_DECRYPT" && e.message === "decryption failed",
    );
  }
});

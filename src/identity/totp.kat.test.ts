// Known answers: RFC 6238 Appendix B (SHA-1 column, 8 digits, key "12345678901234567890") and the
// RFC 4648 §10 base32 vectors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { base32Decode, base32Encode, matchTotp, totpCodeAt, totpStep } from "./totp.js";

const key = Buffer.from("12345678901234567890", "ascii");
const vectors: Array<[number, string]> = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

test("RFC 6238 Appendix B: SHA-1 test vectors", () => {
  for (const [seconds, code] of vectors) assert.equal(totpCodeAt(key, totpStep(seconds * 1000), 8), code);
});

test("RFC 6238: six-digit codes are the last six digits of the vectors, matched at their own step", () => {
  for (const [seconds, code] of vectors) {
    const six = code.slice(-6);
    assert.equal(totpCodeAt(key, totpStep(seconds * 1000)), six);
    assert.equal(matchTotp(key, six, seconds * 1000), totpStep(seconds * 1000));
  }
});

test("RFC 4648 §10: base32 vectors", () => {
  const cases: Array<[string, string]> = [
    ["", ""],
    ["f", "MY"],
    ["fo", "MZXQ"],
    ["foo", "MZXW6"],
    ["foob", "MZXW6YQ"],
    ["fooba", "MZXW6YTB"],
    ["foobar", "MZXW6YTBOI"],
  ];
  for (const [plain, enc] of cases) {
    assert.equal(base32Encode(Buffer.from(plain)), enc);
    assert.equal(base32Decode(enc).toString(), plain);
  }
  assert.equal(base32Encode(key), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
});

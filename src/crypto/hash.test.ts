// The prefixed SHA-256 helpers the Merkle tree uses are SHA-256 of the plain concatenation, for any
// lengths (the reused buffer grows, and large inputs are concatenated instead) and any text.
import assert from "node:assert/strict";
import { test } from "node:test";
import { sha256, sha256PrefixedPair, sha256PrefixedText } from "./hash.js";

test("sha256PrefixedPair(p, a, b) is SHA-256(p ‖ a ‖ b), whatever the lengths, one call after another", () => {
  for (const [la, lb] of [
    [0, 0],
    [32, 32],
    [1, 64],
    [300, 5],
    [4095, 0],
    [5000, 7],
    [32, 32],
  ] as const) {
    const a = Buffer.alloc(la, 0xa5);
    const b = Buffer.alloc(lb, 0x5a);
    for (const p of [0x00, 0x01, 0xff])
      assert.deepEqual(sha256PrefixedPair(p, a, b), sha256(Buffer.of(p), a, b), `${p} ${la} ${lb}`);
  }
  // The result is a fresh buffer: the next call does not change it.
  const first = sha256PrefixedPair(1, Buffer.alloc(32, 1), Buffer.alloc(32, 2));
  const copy = Buffer.from(first);
  sha256PrefixedPair(1, Buffer.alloc(32, 3), Buffer.alloc(32, 4));
  assert.deepEqual(first, copy);
  assert.throws(() => sha256PrefixedPair(256, Buffer.alloc(0), Buffer.alloc(0)), RangeError);
});

test("sha256PrefixedText(p, text) is SHA-256(p ‖ UTF-8(text)) for a prefix below 0x80", () => {
  for (const text of ["", "abc", "é日本😀", "\u0000", "\ud800", "a\udc00b", "y".repeat(10_000)])
    for (const p of [0x00, 0x01, 0x7f])
      assert.deepEqual(
        sha256PrefixedText(p, text),
        sha256(Buffer.of(p), Buffer.from(text, "utf8")),
        `${p} ${text.length}`,
      );
  assert.throws(() => sha256PrefixedText(0x80, "x"), RangeError);
  assert.throws(() => sha256PrefixedText(-1, "x"), RangeError);
});

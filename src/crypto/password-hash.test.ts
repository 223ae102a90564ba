import assert from "node:assert/strict";
import { test } from "node:test";
import { HasherBusyError, PasswordHasher } from "./index.js";

const cheap = { memoryKiB: 1024, iterations: 1, parallelism: 1 };

test("argon2id hashes verify, wrong passwords and malformed hashes do not", async () => {
  const h = new PasswordHasher({ params: cheap });
  const encoded = await h.hash("correct horse battery staple");
  assert.match(encoded, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
  assert.equal(await h.verify(encoded, "correct horse battery staple"), true);
  assert.equal(await h.verify(encoded, "correct horse battery stapl"), false);
  assert.equal(await h.verify("not-a-hash", "x"), false);
});

test("needsRehash is true when configured parameters rise", async () => {
  const weak = new PasswordHasher({ params: cheap });
  const strong = new PasswordHasher({ params: { memoryKiB: 19456, iterations: 2, parallelism: 1 } });
  const encoded = await weak.hash("p");
  assert.equal(weak.needsRehash(encoded), false);
  assert.equal(strong.needsRehash(encoded), true);
});

test("past the queue limit the hasher refuses at once instead of queueing without bound", async () => {
  const h = new PasswordHasher({ params: cheap, concurrency: 1, queueLimit: 2 });
  const results = await Promise.allSettled(Array.from({ length: 6 }, () => h.hash("pw")));
  const refused = results.filter((r) => r.status === "rejected");
  assert.equal(results.filter((r) => r.status === "fulfilled").length, 3);
  assert.equal(refused.length, 3);
  for (const r of refused) assert.ok(r.status === "rejected" && r.reason instanceof HasherBusyError);
  assert.deepEqual(h.load, { running: 0, waiting: 0 });
});

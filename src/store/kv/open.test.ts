// openEphemeral: which implementation a configuration selects, and how connecting fails.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ManualClock } from "../../kernel/index.js";
import { StoreError } from "../errors.js";
import { MemoryBackend } from "./memory.js";
import { openEphemeral } from "./open.js";

const isCode = (code: string) => (e: unknown) => e instanceof StoreError && e.code === code;

test("no URL gives the in-memory store with the default prefix", async () => {
  const s = await openEphemeral();
  assert.equal(s.kind, "memory");
  assert.equal(s.prefix, "rampart:");
  await s.close();
});

test("a URL with another scheme is a configuration error", async () => {
  await assert.rejects(openEphemeral({ redisUrl: "http://127.0.0.1:6379" }), isCode("ERR_STORE_CONFIG"));
});

test("an unreachable Redis is ERR_STORE_UNAVAILABLE, and no reconnect loop keeps the process alive", async () => {
  const started = Date.now();
  await assert.rejects(openEphemeral({ redisUrl: "redis://127.0.0.1:1" }), isCode("ERR_STORE_UNAVAILABLE"));
  assert.ok(Date.now() - started < 6000);
  // If a reconnecting client were left behind, node:test would report this file as never finishing.
});

test("the memory store forgets expired keys nobody reads again", async () => {
  const clock = new ManualClock();
  const backend = new MemoryBackend();
  const s = await openEphemeral({ clock, memoryBackend: backend });
  for (let i = 0; i < 500; i++) await s.incr(`ip:${i}`, 1, 1000);
  await s.sAdd("set", "m", { memberTtlMs: 1000 });
  clock.advance(1001);
  for (let i = 0; i < 1100; i++) await s.get("other");
  assert.equal(backend.entries.size, 0);
  await s.close();
});

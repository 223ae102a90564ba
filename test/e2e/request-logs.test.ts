// Request logs through a running gateway: at debug, one access line per answered request carrying
// the request id of the response (and of the ledger entry); at the default level (info), no line
// per request at all — Fastify's own two lines per request are off — while refusals still log.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogger } from "../../src/logging.js";
import { startRampart } from "./harness.js";

function capture(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
  let text = "";
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  return {
    stream,
    lines: () =>
      text
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test("at debug, one access line per request, with the response's request id", async () => {
  const out = capture();
  const r = await startRampart({ logger: createLogger({ level: "debug", stream: out.stream }) });
  try {
    const res = await r.http("GET", "/_rampart/health");
    assert.equal(res.status, 200);
    const denied = await r.http("GET", "/risk");
    assert.equal(denied.status, 401);
    const access = out.lines().filter((l) => l["msg"] === "request");
    assert.deepEqual(
      access.map((l) => [l["reqId"], l["method"], l["url"], l["status"]]),
      [
        [res.headers["x-request-id"], "GET", "/_rampart/health", 200],
        [denied.headers["x-request-id"], "GET", "/risk", 401],
      ],
    );
    assert.ok(access.every((l) => typeof l["ms"] === "number"));
  } finally {
    await r.close();
  }
});

test("at info, no line per request, and none of Fastify's own request lines", async () => {
  const out = capture();
  const r = await startRampart({ logger: createLogger({ level: "info", stream: out.stream }) });
  try {
    for (let i = 0; i < 5; i++) assert.equal((await r.http("GET", "/_rampart/health")).status, 200);
    const perRequest = out
      .lines()
      .filter((l) => ["request", "incoming request", "request completed"].includes(String(l["msg"])));
    assert.deepEqual(perRequest, []);
  } finally {
    await r.close();
  }
});

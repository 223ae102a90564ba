// The process logger's redaction: credentials and restricted fields never reach a log line, at the
// top level or nested, while Rampart's error codes (under the same `code` key as a TOTP code) do.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogger } from "./logging.js";

function capture(): { lines: () => Array<Record<string, unknown>>; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join("")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

test("credentials are redacted at the top level and nested; error codes stay readable", async () => {
  const out = capture();
  const log = createLogger({ level: "info", stream: out.stream });
  log.info({ password: "Quartz-Lantern-77", token: "rpt_abc", code: "492039" }, "top");
  log.info({ body: { code: "492039", totp_secret: "JBSWY3DP" }, user: { credentials: { a: 1 } } }, "nested");
  log.info({ err: { code: "ERR_AUTH_REQUIRED" }, code: "ERR_ACCESS_DENIED" }, "refused");
  log.info(
    { req: { headers: { authorization: "Bearer x.y.z", cookie: "__Host-rampart_session=s" } } },
    "headers",
  );
  log.info({ code: "ERR_not-a-code 492039" }, "odd");
  await new Promise((r) => setImmediate(r));
  const lines = out.lines();
  assert.equal(lines.length, 5);
  const [top, nested, refused, headers, odd] = lines as [
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
    Record<string, unknown>,
  ];
  const text = JSON.stringify(out.lines());
  for (const secret of [
    "Quartz-Lantern-77",
    "rpt_abc",
    "492039",
    "JBSWY3DP",
    "x.y.z",
    "__Host-rampart_session=s",
  ])
    assert.ok(!text.includes(secret), `${secret} leaked into the log`);
  assert.equal(top["password"], "[redacted]");
  assert.equal(top["code"], "[redacted]");
  assert.equal((nested["body"] as Record<string, unknown>)["code"], "[redacted]");
  assert.equal((refused["err"] as Record<string, unknown>)["code"], "ERR_AUTH_REQUIRED");
  assert.equal(refused["code"], "ERR_ACCESS_DENIED");
  const h = (headers["req"] as { headers: Record<string, unknown> }).headers;
  assert.equal(h["authorization"], "[redacted]");
  assert.equal(h["cookie"], "[redacted]");
  assert.equal(odd["code"], "[redacted]");
});

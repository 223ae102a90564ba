// Issue 10, operations: /_rampart/metrics parses as Prometheus text and counts what happened;
// only principals allowed system:metrics may read it; readiness reports its components.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

/** The Prometheus text exposition format, line by line: comments, or name{labels} value. */
function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/.exec(line);
    assert.ok(m, `not Prometheus text: ${line}`);
    out.set(m[1] as string, Number(m[2]));
  }
  return out;
}

describe("metrics and readiness", () => {
  let r: Rampart;
  let admin: LoggedIn;
  let analyst: LoggedIn;
  before(async () => {
    r = await startRampart();
    admin = await createAndLogin(r, "adele", ["system_administrator"]);
    analyst = await createAndLogin(r, "andy", ["read_only_analyst"]);
  });
  after(async () => r?.close());

  test("metrics parse as Prometheus text and count requests and refusals", async () => {
    for (let i = 0; i < 3; i++) await r.http("GET", "/costs", { headers: { cookie: analyst.cookie } });
    await r.http("GET", "/pandl", { headers: { cookie: analyst.cookie } });
    const res = await r.http("GET", "/_rampart/metrics", { headers: { cookie: admin.cookie } });
    assert.equal(res.status, 200, res.text);
    assert.match(String(res.headers["content-type"]), /^text\/plain/);
    const m = parsePrometheus(res.text);
    assert.equal(m.get('rampart_http_requests_total{route="/costs",method="GET",status="200"}'), 3);
    assert.equal(m.get('rampart_http_requests_total{route="/pandl",method="GET",status="403"}'), 1);
    assert.ok((m.get('rampart_refusals_total{code="ERR_ACCESS_DENIED"}') ?? 0) >= 1);
    assert.ok((m.get("rampart_ledger_entries") ?? 0) > 4);
    assert.equal(m.get("rampart_trading_state"), 0);
  });

  test("an analyst may not read the metrics; nobody anonymous may", async () => {
    assert.equal(
      (await r.http("GET", "/_rampart/metrics", { headers: { cookie: analyst.cookie } })).status,
      403,
    );
    assert.equal((await r.http("GET", "/_rampart/metrics")).status, 401);
  });

  test("readiness names its components", async () => {
    const res = await r.http("GET", "/_rampart/ready");
    assert.equal(res.status, 200);
    assert.deepEqual(res.json(), { status: "ready", database: "ok", ledger: "ok", ephemeral: "ok" });
  });
});

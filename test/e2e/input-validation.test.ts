// Issue 10, input validation: the route map's input rules refuse malformed, unknown and injected
// input with 400 naming the field, before the request is recorded or reaches the upstream.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createAndLogin, type LoggedIn, type Rampart, startRampart } from "./harness.js";

const form = "application/x-www-form-urlencoded";
const INJECTIONS = [
  "<script>alert(1)</script>",
  "' OR '1'='1",
  "1; DROP TABLE futures_roll_status; --",
  "../../etc/passwd",
  "$(rm -rf /)",
  "`id`",
  "{{7*7}}",
  "%00",
  "SOFR\r\nX-Injected: 1",
  "A".repeat(5000),
];

describe("input validation on POST /rolls", () => {
  let r: Rampart;
  let trader: LoggedIn;
  before(async () => {
    r = await startRampart();
    trader = await createAndLogin(r, "tina", ["trader"]);
  });
  after(async () => r?.close());

  const post = (body: string, type = form) =>
    r.http("POST", "/rolls", { headers: trader.writeHeaders({ "content-type": type }), body });
  const fieldOf = (t: string) => (JSON.parse(t) as { error: { code: string; field?: string } }).error;

  test("state=<script> is 400 naming the field and never reaches the upstream", async () => {
    r.demo.resetReceived();
    const res = await post("instrument=SOFR&state=%3Cscript%3E&confirmed=true");
    assert.equal(res.status, 400);
    assert.equal(fieldOf(res.text).code, "ERR_HTTP_INVALID_INPUT");
    assert.equal(fieldOf(res.text).field, "state");
    assert.doesNotMatch(res.text, /script/);
    assert.equal(r.demo.receivedCount, 0);
  });

  test("an unknown field, a missing field, a repeated field and a wrong content type are refused", async () => {
    r.demo.resetReceived();
    const unknown = await post("instrument=SOFR&state=Passive&confirmed=true&extra=1");
    assert.equal(unknown.status, 400);
    assert.equal(fieldOf(unknown.text).field, "extra");
    const missing = await post("instrument=SOFR&state=Passive");
    assert.equal(fieldOf(missing.text).field, "confirmed");
    const twice = await post("instrument=SOFR&instrument=GOLD&state=Passive&confirmed=true");
    assert.equal(fieldOf(twice.text).field, "instrument");
    const json = await post(
      JSON.stringify({ instrument: "SOFR", state: "Passive", confirmed: true }),
      "application/json",
    );
    assert.equal(json.status, 415);
    const notBool = await post("instrument=SOFR&state=Passive&confirmed=yes");
    assert.equal(fieldOf(notBool.text).field, "confirmed");
    assert.equal(r.demo.receivedCount, 0);
  });

  test("a payload set of injection strings in every field is refused; the upstream never sees an invalid request", async () => {
    r.demo.resetReceived();
    for (const payload of INJECTIONS) {
      for (const field of ["instrument", "state", "confirmed"]) {
        const values: Record<string, string> = { instrument: "SOFR", state: "Passive", confirmed: "true" };
        values[field] = payload;
        const res = await post(new URLSearchParams(values).toString());
        assert.equal(res.status, 400, `${field}=${payload.slice(0, 20)}`);
      }
    }
    assert.equal(r.demo.receivedCount, 0);
  });

  test("prototype-poisoning keys are refused", async () => {
    const res = await post("instrument=SOFR&state=Passive&confirmed=true&__proto__=x");
    assert.equal(res.status, 400);
    assert.equal(fieldOf(res.text).field, "__proto__");
  });

  test("a valid request passes, and its validated fields are in the ledger entry", async () => {
    r.demo.resetReceived();
    const res = await post("instrument=SOFR&state=Passive&confirmed=true");
    assert.equal(res.status, 200, res.text);
    assert.equal(r.demo.receivedCount, 1);
    assert.equal(r.demo.received[0]?.body, "instrument=SOFR&state=Passive&confirmed=true");
  });
});

// Tests for the demo dashboard: routes and JSON shapes of pysystemtrade's dashboard/app.py,
// roll-state changes and their refusals, size limits, and the request record e2e tests use.

import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import { type DemoDashboard, ROLL_STATES, startDemoDashboard } from "./index.js";

type RollRow = {
  status: string;
  roll_expiry: number;
  contract_priced: string;
  contract_fwd: string;
  position_priced: number;
  allowable: string[];
};

const FORM = { "content-type": "application/x-www-form-urlencoded" };

async function getJson(d: DemoDashboard, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(d.url + path);
  assert.equal(res.status, 200, path);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
  return (await res.json()) as Record<string, unknown>;
}

async function rolls(d: DemoDashboard): Promise<Record<string, RollRow>> {
  return (await getJson(d, "/rolls")) as Record<string, RollRow>;
}

function postRoll(d: DemoDashboard, fields: Record<string, string>): Promise<Response> {
  return fetch(`${d.url}/rolls`, { method: "POST", headers: FORM, body: new URLSearchParams(fields) });
}

function find(report: Record<string, RollRow>, test: (r: RollRow) => boolean): [string, RollRow] {
  const hit = Object.entries(report).find(([, r]) => test(r));
  assert.ok(hit, "the synthetic book has an instrument for this case");
  return hit;
}

/** The status line `d` answers `GET <target>` with, over a raw socket (fetch would normalise it). */
function statusOf(d: DemoDashboard, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(d.port, "127.0.0.1", () => {
      s.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let text = "";
    s.setEncoding("utf8");
    s.on("data", (c: string) => {
      text += c;
    });
    s.on("end", () => resolve(text.split("\r\n")[0] ?? ""));
    s.on("error", reject);
    s.setTimeout(5000, () => s.destroy(new Error(`no answer to ${target}`)));
  });
}

describe("demo dashboard", () => {
  let d: DemoDashboard;
  before(async () => {
    d = await startDemoDashboard({ port: 0 });
  });
  after(async () => {
    await d.close();
  });
  beforeEach(() => d.resetReceived());

  it("listens on an ephemeral port and reports it", () => {
    assert.ok(d.port > 0);
    assert.equal(d.url, `http://127.0.0.1:${d.port}`);
  });

  it("serves a self-contained HTML page at /", async () => {
    const res = await fetch(`${d.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.match(html, /<!doctype html>/i);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, "no external assets");
  });

  it("answers every report route with JSON in app.py's shapes", async () => {
    const capital = await getJson(d, "/capital");
    assert.equal(typeof capital["now"], "number");
    assert.equal(typeof capital["yesterday"], "number");

    const costs = await getJson(d, "/costs");
    const sr = costs["table_of_SR_costs"] as Record<string, Record<string, unknown>>;
    assert.equal(typeof sr["GOLD"]?.["SR_cost"], "number");
    const slippage = costs["slippage"] as Record<string, Record<string, unknown>>;
    assert.ok("Configured" in (slippage["CORN"] ?? {}) && "Difference" in (slippage["CORN"] ?? {}));

    const forex = await getJson(d, "/forex");
    assert.equal(typeof forex["USD"], "number");

    const liquidity = (await getJson(d, "/liquidity")) as Record<string, Record<string, number>>;
    assert.deepEqual(Object.keys(liquidity["VIX"] ?? {}).sort(), ["contracts", "risk"]);

    const pandl = await getJson(d, "/pandl");
    for (const key of ["pandl_for_instruments_across_strategies", "strategies", "sector_pandl"]) {
      const rows = pandl[key] as Array<{ codes: string; pandl: number }>;
      assert.ok(rows.length > 0, key);
      assert.equal(typeof rows[0]?.codes, "string");
      assert.equal(typeof rows[0]?.pandl, "number");
    }

    const processes = await getJson(d, "/processes");
    assert.deepEqual(Object.keys(processes["config"] as object).sort(), ["ib", "mongo", "monitor"]);
    const stack = (processes["process"] as Record<string, Record<string, unknown>>)["run_stack_handler"];
    assert.equal(stack?.["running"], "running");
    const price = processes["price"] as Record<string, { name: string; last_update: string }>;
    assert.match(price["0"]?.last_update ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000$/);

    const reconcile = await getJson(d, "/reconcile");
    assert.equal(reconcile["gateway_ok"], true);
    const my = reconcile["my"] as Record<string, { instrument_code: string; position: number }>;
    const ib = reconcile["ib"] as Record<string, { position: number }>;
    for (const [key, row] of Object.entries(my)) {
      assert.match(key, /^\('\w+', '\d{8}'\)$/);
      assert.equal(ib[key]?.position, row.position);
    }

    const risk = await getJson(d, "/risk");
    const corr = risk["correlations"] as Record<string, Record<string, number>>;
    assert.equal(corr["GOLD"]?.["GOLD"], 1);
    assert.equal(corr["GOLD"]?.["CORN"], corr["CORN"]?.["GOLD"]);
    assert.equal(
      typeof (risk["instrument_risk"] as Record<string, Record<string, number>>)["US10"]?.["price"],
      "number",
    );

    const trades = await getJson(d, "/trades");
    for (const key of ["overview", "delays", "raw_slippage", "vol_slippage", "cash_slippage"]) {
      assert.ok(Object.keys(trades[key] as object).length > 0, key);
    }

    assert.deepEqual(await getJson(d, "/strategy"), {});
  });

  it("reports each instrument's roll state with the states pysystemtrade would allow", async () => {
    const report = await rolls(d);
    const codes = Object.keys(report);
    for (const code of ["SOFR", "US10", "GOLD", "EUROSTX", "CORN", "VIX"])
      assert.ok(codes.includes(code), code);
    const expiries = Object.values(report).map((r) => r.roll_expiry);
    assert.deepEqual(
      expiries,
      [...expiries].sort((a, b) => a - b),
      "sorted by days to roll, like app.py",
    );
    for (const row of Object.values(report)) {
      assert.ok((ROLL_STATES as readonly string[]).includes(row.status));
      assert.ok(row.allowable.length > 0);
      assert.match(row.contract_priced, /^\d{6}00$/);
      // With a position in the priced contract, prices cannot be roll-adjusted (pysystemtrade's matrix).
      if (row.position_priced !== 0 && row.status !== "Roll_Adjusted") {
        assert.ok(!row.allowable.includes("Roll_Adjusted"));
      }
    }
  });

  it("is deterministic: the same seed gives the same data, request after request", async () => {
    const other = await startDemoDashboard({ port: 0 });
    try {
      for (const path of ["/capital", "/risk", "/trades", "/processes"]) {
        const a = await (await fetch(d.url + path)).text();
        const b = await (await fetch(d.url + path)).text();
        const c = await (await fetch(other.url + path)).text();
        assert.equal(a, b, path);
        assert.equal(a, c, path);
      }
    } finally {
      await other.close();
    }
    const seeded = await startDemoDashboard({ port: 0, seed: 7 });
    try {
      assert.notEqual(
        await (await fetch(`${seeded.url}/capital`)).text(),
        await (await fetch(`${d.url}/capital`)).text(),
      );
    } finally {
      await seeded.close();
    }
  });

  it("changes a roll state on POST /rolls and shows it on the next GET", async () => {
    const [code, row] = find(await rolls(d), (r) => r.position_priced !== 0 && r.allowable.includes("Force"));
    const target = row.status === "Force" ? "Force_Outright" : "Force";
    const res = await postRoll(d, { instrument: code, state: target, confirmed: "false" });
    assert.equal(res.status, 200);
    const body = (await res.json()) as { new_state: string; allowable: string[] };
    assert.equal(body.new_state, target);
    assert.ok(body.allowable.includes("Passive"));
    assert.equal((await rolls(d))[code]?.status, target);
  });

  it("previews an unconfirmed Roll_Adjusted and rolls the contracts once confirmed", async () => {
    const [code, row] = find(
      await rolls(d),
      (r) => r.allowable.includes("Roll_Adjusted") && r.position_priced === 0,
    );
    const preview = await postRoll(d, { instrument: code, state: "Roll_Adjusted", confirmed: "false" });
    assert.equal(preview.status, 200);
    const prices = (await preview.json()) as {
      single: Record<string, { current?: number; new: number }>;
      multiple: Record<string, { new: Record<string, string> }>;
    };
    const dates = Object.keys(prices.single);
    assert.equal(dates.length, 7, "six current rows and the new rolled row");
    const newest = dates[dates.length - 1] ?? "";
    assert.match(newest, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.equal(prices.single[newest]?.current, undefined);
    assert.equal(prices.multiple[newest]?.new["PRICE_CONTRACT"], row.contract_fwd);
    assert.equal((await rolls(d))[code]?.status, row.status, "a preview changes nothing");

    const done = await postRoll(d, { instrument: code, state: "Roll_Adjusted", confirmed: "true" });
    assert.equal(done.status, 200);
    assert.equal(((await done.json()) as { new_state: string }).new_state, "Roll_Adjusted");
    const after = (await rolls(d))[code];
    assert.equal(after?.status, "No_Roll", "back to the default state after a successful roll");
    assert.equal(after?.contract_priced, row.contract_fwd);
  });

  it("refuses bad roll changes with 400 and leaves the state alone", async () => {
    const before = await rolls(d);
    const [flat] = find(before, (r) => r.position_priced === 0 && !r.allowable.includes("Force"));
    const cases: Array<[Record<string, string>, string]> = [
      [{ instrument: "NOPE", state: "Passive", confirmed: "false" }, "UNKNOWN_INSTRUMENT"],
      [{ instrument: "GOLD", state: "FORCE", confirmed: "false" }, "UNKNOWN_ROLL_STATE"],
      [{ instrument: "GOLD", state: "No_Open", confirmed: "false" }, "UNKNOWN_ROLL_STATE"],
      [{ instrument: flat, state: "Force", confirmed: "false" }, "ROLL_STATE_NOT_ALLOWED"],
      [{ instrument: "GOLD", state: "Passive" }, "MISSING_FIELD"],
      [{ state: "Passive", confirmed: "false" }, "MISSING_FIELD"],
      [{ instrument: "GOLD", confirmed: "false" }, "MISSING_FIELD"],
    ];
    for (const [fields, code] of cases) {
      const res = await postRoll(d, fields);
      assert.equal(res.status, 400, JSON.stringify(fields));
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, code, JSON.stringify(fields));
    }
    const json = await fetch(`${d.url}/rolls`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ instrument: "GOLD", state: "Passive", confirmed: "false" }),
    });
    assert.equal(json.status, 400, "only form fields are accepted");
    assert.deepEqual(await rolls(d), before);
  });

  it("answers 404 for unknown routes and 405 with Allow for wrong methods", async () => {
    for (const path of ["/nope", "/capital/", "/_rampart/received", "/static/js/update.js"]) {
      const res = await fetch(d.url + path);
      assert.equal(res.status, 404, path);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "NOT_FOUND");
    }
    const post = await fetch(`${d.url}/capital`, { method: "POST", headers: FORM, body: "a=1" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD, OPTIONS");
    const del = await fetch(`${d.url}/rolls`, { method: "DELETE" });
    assert.equal(del.status, 405);
    assert.equal(del.headers.get("allow"), "GET, HEAD, OPTIONS, POST");
    const head = await fetch(`${d.url}/capital`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
  });

  it("refuses a body over 64 KiB with 413, declared or streamed, without acting on it", async () => {
    const before = await rolls(d);
    const [code] = find(before, (r) => r.allowable.includes("Passive") && r.status !== "Passive");
    const padding = "x".repeat(64 * 1024);
    const declared = await fetch(`${d.url}/rolls`, {
      method: "POST",
      headers: FORM,
      body: `instrument=${code}&state=Passive&confirmed=false&pad=${padding}`,
    });
    assert.equal(declared.status, 413);
    assert.equal(((await declared.json()) as { error: { code: string } }).error.code, "PAYLOAD_TOO_LARGE");

    async function* chunks(): AsyncGenerator<Uint8Array> {
      yield new TextEncoder().encode(`instrument=${code}&state=Passive&confirmed=false&pad=`);
      for (let i = 0; i < 20; i++) yield new TextEncoder().encode("y".repeat(4096));
    }
    const streamed = await fetch(`${d.url}/rolls`, {
      method: "POST",
      headers: FORM,
      body: ReadableStream.from(chunks()),
      duplex: "half",
    } as RequestInit);
    assert.equal(streamed.status, 413);
    await streamed.body?.cancel();
    assert.deepEqual(await rolls(d), before);

    // A body of exactly the limit is still accepted and acted on.
    const fields = `instrument=${code}&state=Passive&confirmed=false&pad=`;
    const exact = await fetch(`${d.url}/rolls`, {
      method: "POST",
      headers: FORM,
      body: fields + "z".repeat(64 * 1024 - fields.length),
    });
    assert.equal(exact.status, 200);
    assert.equal((await rolls(d))[code]?.status, "Passive");
  });

  it("answers 400 to targets that are not a plain path, and keeps serving", async () => {
    // Each of these made WHATWG URL parsing throw inside the request handler, which ended the
    // process (and, under `rampart start`, the gateway with it).
    for (const target of ["//", "//[", "//@", "/\\x", "http://a:99999/"])
      assert.equal(await statusOf(d, target), "HTTP/1.1 400 Bad Request", target);
    assert.equal(await statusOf(d, "/rolls"), "HTTP/1.1 200 OK");
  });
});

describe("demo dashboard request record", () => {
  it("records method, path, headers and body of every request, in order", async () => {
    const d = await startDemoDashboard({ port: 0 });
    try {
      assert.equal(d.receivedCount, 0);
      await fetch(`${d.url}/pandl?x=1`, { headers: { "X-Rampart-User": "alice", "X-Request-Id": "r-1" } });
      await postRoll(d, { instrument: "NOPE", state: "Passive", confirmed: "false" });
      await fetch(`${d.url}/nowhere`);
      assert.equal(d.receivedCount, 3);
      const [first, second, third] = d.received;
      assert.equal(first?.method, "GET");
      assert.equal(first?.path, "/pandl?x=1");
      assert.equal(first?.headers["x-rampart-user"], "alice");
      assert.equal(first?.headers["x-request-id"], "r-1");
      assert.equal(first?.body, "");
      assert.equal(second?.method, "POST");
      assert.equal(second?.body, "instrument=NOPE&state=Passive&confirmed=false");
      assert.equal(third?.path, "/nowhere", "refused requests are recorded too: they reached the upstream");
    } finally {
      await d.close();
    }
  });

  it("keeps only the last N requests but counts them all, and resets on demand", async () => {
    const d = await startDemoDashboard({ port: 0, recordLimit: 3 });
    try {
      for (let i = 0; i < 5; i++) await fetch(`${d.url}/capital?i=${i}`);
      assert.equal(d.receivedCount, 5);
      assert.deepEqual(
        d.received.map((r) => r.path),
        ["/capital?i=2", "/capital?i=3", "/capital?i=4"],
      );
      d.resetReceived();
      assert.equal(d.receivedCount, 0);
      assert.deepEqual(d.received, []);
    } finally {
      await d.close();
    }
  });

  it("hands out snapshots that callers cannot alter", async () => {
    const d = await startDemoDashboard({ port: 0 });
    try {
      await fetch(`${d.url}/forex`);
      const snapshot = d.received;
      assert.ok(Object.isFrozen(snapshot) && Object.isFrozen(snapshot[0]));
      assert.throws(() => {
        (snapshot as unknown as unknown[]).push({});
      });
      await fetch(`${d.url}/forex`);
      assert.equal(snapshot.length, 1);
      assert.equal(d.received.length, 2);
    } finally {
      await d.close();
    }
  });

  it("does not expose the record over HTTP and stops listening on close", async () => {
    const d = await startDemoDashboard({ port: 0 });
    const res = await fetch(`${d.url}/received`);
    assert.equal(res.status, 404);
    await res.text();
    await d.close();
    await assert.rejects(fetch(`${d.url}/capital`));
  });
});

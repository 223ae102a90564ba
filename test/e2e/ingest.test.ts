// pysystemtrade log ingestion end to end: the machine's python3 logs through
// integrations/pysystemtrade/rampart_logging.py (configured with logging.config.dictConfig, as
// PYSYS_LOGGING_CONFIG does, with records shaped by pysystemtrade's DynamicAttributeLogger), over
// verified TLS with a bearer token, into a running Rampart; the ledger then holds one event per
// record at or above INFO with the attributes parsed. Logging never blocks: with Rampart
// unreachable and the queue full, records are dropped and counted.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { join, resolve } from "node:path";
import { after, before, describe, test } from "node:test";
import type { App } from "../../src/app.js";
import { parseStoredEvent } from "../../src/audit/index.js";
import type { RunningGateway } from "../../src/gateway/index.js";
import { systemClock } from "../../src/kernel/index.js";
import { createLedgerQueryRepository } from "../../src/store/index.js";
import type { TokenService } from "../../src/tokens/index.js";

import { runPython } from "./cli.js";
import { type Rampart, startRampart } from "./harness.js";

const HANDLER_DIR = resolve("integrations/pysystemtrade");

function python(script: string, env: Record<string, string>) {
  return runPython(script, { PYTHONPATH: HANDLER_DIR, ...env });
}

// pysystemtrade's syslogging/adapter.py in miniature: attributes go to `extra` and prefix the message.
const PRELUDE = `
import json, logging, logging.config, os, sys, time
class DynamicAttributeLogger(logging.LoggerAdapter):
    def process(self, msg, kwargs):
        attrs = {k: v for k, v in kwargs.items() if k in ("type", "instrument_code", "strategy_name", "instrument_order_id", "broker_order_id")}
        rest = {k: v for k, v in kwargs.items() if k not in attrs}
        merged = {**(self.extra or {}), **attrs}
        rest["extra"] = merged
        self.extra = merged
        return ("%s %s" % (self.extra, msg) if self.extra else msg), rest
`;

describe("pysystemtrade logs into the ledger through the Python handler", () => {
  let r: Rampart;
  let dataDir: string;
  let app: App;
  let gateway: RunningGateway;
  let tokens: TokenService;
  let shipperToken: string;
  let traderToken: string;
  let env: Record<string, string>;
  let caPem: string;

  before(async () => {
    r = await startRampart({
      clock: systemClock,
      yaml: [
        "audit:\n  ingest: { min_level: INFO, max_batch: 50 }",
        "roles:\n  log_shipper: { permissions: [audit:ingest], restrictions: [], session_timeout: 3600 }",
      ].join("\n"),
    });
    ({ dataDir, app, gateway } = r);
    tokens = app.tokens();
    const shipper = await app
      .identity()
      .createUser(
        { username: "log_shipper", roles: ["log_shipper"], password: "Shipper-Orbit-42-Meadow" },
        { via: "cli" },
      );
    const trader = await app
      .identity()
      .createUser(
        { username: "ingest_trader", roles: ["trader"], password: "Trader-Orbit-42-Meadow" },
        { via: "cli" },
      );
    shipperToken = (await tokens.issue({ userId: shipper.user.id }, { via: "cli" })).token;
    traderToken = (await tokens.issue({ userId: trader.user.id }, { via: "cli" })).token;
    caPem = await readFile(join(dataDir, "tls", "cert.pem"), "utf8");
    env = {
      RAMPART_URL: gateway.url.replace("127.0.0.1", "localhost"),
      RAMPART_CA_FILE: join(dataDir, "tls", "cert.pem"),
      RAMPART_LOG_TOKEN: shipperToken,
    };
  });

  after(async () => {
    await r?.close();
  });

  async function pysystemtradeEvents() {
    const leaves = await createLedgerQueryRepository(app.store).findEvents({
      action: "pysystemtrade.*",
      order: "asc",
      limit: 1000,
    });
    return leaves.map((l) => parseStoredEvent(l.canonical)?.event);
  }

  test("records at or above INFO become trading/system events with parsed attributes", async () => {
    const r = await python(
      `${PRELUDE}
logging.config.dictConfig({
    "version": 1,
    "disable_existing_loggers": True,
    "handlers": {"rampart": {"class": "rampart_logging.RampartHandler", "level": "DEBUG",
        "url": os.environ["RAMPART_URL"], "ca_file": os.environ["RAMPART_CA_FILE"],
        "token_env": "RAMPART_LOG_TOKEN", "batch_size": 3, "flush_interval": 0.1}},
    "root": {"level": "DEBUG", "handlers": ["rampart"]},
})
log = DynamicAttributeLogger(logging.getLogger("stack_handler"), {"type": "run_stack_handler"})
log.debug("Nothing to do")
log.info("Created order", instrument_code="GOLD", strategy_name="carry", instrument_order_id=42)
log.warning("Price is stale", instrument_code="GOLD")
try:
    1 / 0
except ZeroDivisionError:
    logging.getLogger("run_systems").exception("System run failed")
logging.getLogger("sysproduction").critical("Capital changed by more than 10%")
h = logging.getLogger().handlers[0]
assert "token" not in repr(h).lower() or "auth=token" in repr(h), repr(h)
assert os.environ["RAMPART_LOG_TOKEN"] not in repr(h)
logging.shutdown()
print(json.dumps({"sent": h.sent, "dropped": h.dropped, "rejected": h.rejected}))
`,
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout.trim()), { sent: 5, dropped: 0, rejected: 0 });
    const events = await pysystemtradeEvents();
    assert.equal(events.length, 4, "the DEBUG record is below the threshold");
    const [order, stale, failed, capital] = events;
    assert.equal(order?.event_type, "trading");
    assert.equal(order?.resource, "pysystemtrade:stack_handler");
    assert.equal(order?.details["message"], "Created order", "the attribute dict prefix is stripped");
    assert.deepEqual(order?.details["attributes"], {
      type: "run_stack_handler",
      instrument_code: "GOLD",
      strategy_name: "carry",
      instrument_order_id: "42",
    });
    assert.equal((order?.details["ingested_by"] as { name: string } | undefined)?.name, "log_shipper");
    assert.equal(order?.details["level"], "INFO");
    assert.equal(stale?.details["level"], "WARNING");
    assert.equal(failed?.event_type, "system");
    assert.equal(failed?.outcome, "error");
    assert.match(String(failed?.details["traceback"]), /ZeroDivisionError/);
    assert.equal(capital?.details["level"], "CRITICAL");
    assert.equal(capital?.details["message"], "Capital changed by more than 10%");
  });

  test("logging never blocks: Rampart unreachable, a full queue drops and counts", async () => {
    const r = await python(
      `${PRELUDE}
from rampart_logging import RampartHandler
h = RampartHandler("https://127.0.0.1:9", ca_file=os.environ["RAMPART_CA_FILE"], token="x" * 20,
                   queue_size=5, batch_size=5, close_timeout=0.3, timeout=0.5)
log = logging.getLogger("blocked")
log.addHandler(h)
log.setLevel(logging.INFO)
t = time.monotonic()
for i in range(2000):
    log.info("record %d", i)
elapsed = time.monotonic() - t
h.close()
print(json.dumps({"elapsed": elapsed, "dropped": h.dropped, "sent": h.sent}))
`,
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const o = JSON.parse(r.stdout.trim()) as { elapsed: number; dropped: number; sent: number };
    // A blocking handler would wait up to its 0.5 s timeout per batch: hundreds of seconds. The bound
    // only tells the two apart, with room for a loaded machine.
    assert.ok(o.elapsed < 5, `2000 log calls took ${o.elapsed}s`);
    assert.ok(o.dropped >= 1990, `dropped ${o.dropped}`);
    assert.equal(o.sent, 0);
  });

  const post = (token: string, body: unknown) =>
    new Promise<{ status: number; json: { error?: { code: string }; accepted?: number } }>((res, rej) => {
      const data = JSON.stringify(body);
      const req = httpsRequest(
        {
          host: "127.0.0.1",
          port: gateway.port,
          method: "POST",
          path: "/_rampart/v1/ingest/logs",
          ca: caPem,
          servername: "localhost",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        },
        (r) => {
          let t = "";
          r.on("data", (c: Buffer) => {
            t += c.toString();
          });
          r.on("end", () => res({ status: r.statusCode ?? 0, json: JSON.parse(t) }));
        },
      );
      req.on("error", rej);
      req.end(data);
    });

  test("ingestion needs audit:ingest, bounds the batch, and records reported drops", async () => {
    const rec = { level: "INFO", logger: "x", message: "m" };
    const denied = await post(traderToken, { records: [rec] });
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error?.code, "ERR_ACCESS_DENIED");
    const big = await post(shipperToken, { records: Array.from({ length: 51 }, () => rec) });
    assert.equal(big.status, 413);
    assert.equal(big.json.error?.code, "ERR_AUDIT_INGEST_TOO_LARGE");
    const bad = await post(shipperToken, { records: [{ level: "INFO", logger: "x" }] });
    assert.equal(bad.status, 400);
    assert.equal((await post(shipperToken, { records: [{ ...rec, level: "LOUD" }] })).status, 400);
    const ok = await post(shipperToken, { records: [rec], dropped: 7 });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.accepted, 1);
    const events = await pysystemtradeEvents();
    const drop = events.find((e) => e?.action === "pysystemtrade.log_dropped");
    assert.equal(drop?.details["dropped"], 7);
  });
});

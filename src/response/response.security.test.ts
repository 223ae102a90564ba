// Detection and response end to end over a real ledger (SQLite; PostgreSQL when
// RAMPART_TEST_DATABASE_URL is set): the checks.
// - Five wrong passwords for one user raise ONE authentication_attack incident whose playbook
//   blocks the source address and revokes nothing; a sixth attempt opens no second incident.
// - POST /rolls setting Force outside trading hours three times raises suspicious_trading and its
//   playbook halts through the trading port.
// - `detect replay` over the ledger gives the same incidents as the live run.
// - Tampering with the ledger fails verification and opens a critical data_breach incident.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { sql } from "kysely";
import type { AuditEventInput } from "../audit/index.js";
import {
  DEFAULT_DETECTION,
  DetectionEngine,
  detectionSettings,
  replayDetections,
  verifyLedgerAndRecord,
} from "../detection/index.js";
import { ManualClock } from "../kernel/index.js";
import { allowLedgerTampering, databaseTargets } from "../store/index.js";
import { MemoryIncidentStore } from "./memory-store.js";
import { Responder } from "./responder.js";
import { INCIDENT_TYPES, type Loop, openLoop, responseSettings, severities } from "./testing.js";

const MONDAY_NOON = Date.UTC(2026, 0, 5, 12, 0, 0);
const SATURDAY = Date.UTC(2026, 0, 10, 12, 0, 0);
const ATTACKER = "203.0.113.7";

const wrongPassword = (user: string, ip: string, n: number): AuditEventInput => ({
  event_type: "authentication",
  action: n >= 5 ? "auth.lockout" : "auth.login",
  outcome: "failure",
  user_id: user,
  ip_address: ip,
  details: { reason: n > 5 ? "locked" : "wrong_password", consecutive_failures: n },
});

const forceRoll = (user: string, instrument: string): AuditEventInput => ({
  event_type: "trading",
  action: "gateway.proxy",
  outcome: "success",
  user_id: user,
  session_id: "sess-trader",
  ip_address: "10.1.2.3",
  resource: "POST /rolls",
  details: {
    route_action: "trading:modify_roll_state",
    path: "/rolls",
    via: "session",
    form: { instrument, state: "Force" },
  },
});

for (const target of databaseTargets(process.env)) {
  describe(`detection and response (${target.dialect})`, { skip: target.skip }, () => {
    const loops: Loop[] = [];
    after(async () => {
      for (const l of loops) await l.dispose();
    });
    const open = async (start = MONDAY_NOON): Promise<Loop> => {
      const l = await openLoop(target, start);
      loops.push(l);
      return l;
    };

    test("five wrong passwords: one incident, the source address blocked, nothing revoked; a sixth opens no second", async () => {
      const l = await open();
      // A colleague with a live session, working normally.
      await l.record({
        event_type: "data_access",
        action: "gateway.proxy",
        outcome: "success",
        user_id: "u-bob",
        session_id: "s-bob",
        ip_address: "10.0.0.9",
        resource: "GET /pandl",
        details: { path: "/pandl" },
      });
      for (let n = 1; n <= 5; n++) {
        l.clock.advance(10_000);
        await l.record(wrongPassword("u-alice", ATTACKER, n));
      }
      await l.settle();
      const open1 = await l.incidents.list({ limit: 10 });
      assert.equal(open1.length, 1);
      const inc = open1[0];
      assert.ok(inc);
      assert.equal(inc.type, "authentication_attack");
      assert.equal(inc.subject, "user:u-alice");
      assert.equal(inc.severity, "high");
      assert.equal(inc.eventCount, 5);
      assert.equal(await l.blocklist.isBlocked(ATTACKER), true);
      assert.equal(await l.blocklist.isBlocked("10.0.0.9"), false);
      assert.deepEqual(l.identity.calls, [], "no session or account was touched");
      assert.deepEqual(l.trading.calls, []);
      const acts = await l.incidents.actions(inc.id);
      const byAction = Object.fromEntries(acts.map((a) => [a.action, a.status]));
      assert.equal(byAction["block_ip"], "done");
      assert.equal(byAction["isolate_user_session"], "skipped");
      assert.equal(byAction["alert_security_team"], "skipped");
      assert.equal((await l.incidents.get(inc.id))?.status, "contained");

      l.clock.advance(10_000);
      await l.record(wrongPassword("u-alice", ATTACKER, 6));
      await l.settle();
      const all = await l.incidents.list({ limit: 10 });
      assert.equal(all.length, 1, "the sixth attempt joins the same incident");
      assert.equal(all[0]?.eventCount, 6);
      assert.equal(all[0]?.escalated, true, "six events pass the seed's escalation threshold of 5");
      assert.deepEqual(l.identity.calls, []);

      // Every step is on the record, and detection records carry the scores.
      const kinds: string[] = [];
      for await (const leaf of l.repo.readLeaves(0, await l.repo.size()))
        kinds.push(JSON.parse(leaf.canonical).action);
      assert.ok(kinds.includes("incident.detected"));
      assert.ok(kinds.includes("incident.action"));
      assert.ok(kinds.includes("incident.escalated"));
      const rec = await l.detections.getRecord(inc.lastIndex);
      assert.ok(rec?.rules.includes("auth.brute_force") && rec.threatLevel !== "low");
    });

    test("POST /rolls Force outside trading hours three times: suspicious_trading, halted through the trading port", async () => {
      const l = await open(SATURDAY);
      for (let i = 0; i < 3; i++) {
        l.clock.advance(60_000);
        await l.record(forceRoll("u-trader", "GOLD"));
      }
      await l.settle();
      const incs = await l.incidents.list({ limit: 10 });
      assert.equal(incs.length, 1);
      assert.equal(incs[0]?.type, "suspicious_trading");
      assert.deepEqual(incs[0]?.context.patterns, ["roll_force_outside_hours"]);
      const halts = l.trading.calls.filter((c) => c.verb === "halt");
      assert.ok(
        halts.some((c) => c.reason.startsWith("halt:") && c.scope === "instrument:GOLD"),
        JSON.stringify(l.trading.calls),
      );
      assert.ok(halts.some((c) => c.reason.startsWith("freeze positions:")));
    });

    test("the same requests inside trading hours raise nothing", async () => {
      const l = await open(MONDAY_NOON);
      for (let i = 0; i < 3; i++) await l.record(forceRoll("u-trader", "GOLD"));
      await l.settle();
      assert.equal((await l.incidents.list({ limit: 10 })).length, 0);
      assert.deepEqual(l.trading.calls, []);
    });

    test("replay over the ledger gives the same incidents as the live run, without acting", async () => {
      const l = await open(SATURDAY);
      for (let n = 1; n <= 6; n++) {
        l.clock.advance(5_000);
        await l.record(wrongPassword("u-alice", ATTACKER, n));
        await l.record(forceRoll("u-trader", "CORN"));
      }
      for (let n = 1; n <= 5; n++) await l.record(wrongPassword(`u-${n}`, "198.51.100.4", 1));
      // Live, in small steps (the consumer sees the stream as it grows).
      await l.settle();
      const live = await l.incidents.list({ limit: 100 });
      assert.ok(live.length >= 3);

      const memory = new MemoryIncidentStore();
      const dry = new Responder({
        store: memory,
        settings: responseSettings(),
        clock: new ManualClock(),
        dryRun: true,
      });
      const engine = new DetectionEngine({
        settings: detectionSettings(DEFAULT_DETECTION, INCIDENT_TYPES),
        severities: severities(),
      });
      const callsBefore = l.trading.calls.length;
      await replayDetections({ ledger: l.repo, engine, from: 0, onDetections: (d) => dry.handle(d) });
      const replayed = await memory.list({ limit: 100 });
      const shape = async (incs: typeof live, ev: (id: string) => Promise<{ index: number }[]>) =>
        Promise.all(
          incs.map(async (i) => ({
            id: i.id,
            type: i.type,
            subject: i.subject,
            events: (await ev(i.id)).map((e) => e.index),
          })),
        );
      assert.deepEqual(
        await shape(replayed, (id) => memory.evidence(id)),
        await shape(live, (id) => l.incidents.evidence(id)),
      );
      assert.equal(l.trading.calls.length, callsBefore, "replay acts on nothing");
      for (const i of replayed) for (const a of await memory.actions(i.id)) assert.equal(a.status, "dry_run");
    });

    test("verification that cannot reach the database is an error on the record, not a breach: nothing is isolated or halted", async () => {
      const l = await open();
      for (let n = 0; n < 5; n++)
        await l.record({ event_type: "system", action: "x.y", outcome: "success", details: { n } });
      const key = { name: l.signer.name, publicKey: l.signer.publicKey };
      // The database drops out while verification reads it (a restart, a network blip): every
      // read fails, `also` included.
      const failing = (also: string[]) =>
        new Proxy(l.repo, {
          get(target, prop, receiver) {
            const v = Reflect.get(target, prop, receiver);
            if (typeof v !== "function") return v;
            if (prop === "size" && !also.includes("size")) return v.bind(target);
            return () => {
              throw Object.assign(new Error("connection refused"), { code: "ERR_STORE_UNAVAILABLE" });
            };
          },
        });
      const v = await verifyLedgerAndRecord(failing(["size"]), l.ledger, key);
      assert.equal(v.ok, false);
      assert.match(v.problem ?? "", /could not run/);
      await l.settle();
      assert.equal((await l.incidents.list({ limit: 10 })).length, 0, "no incident");
      assert.equal(await l.readOnly.isReadOnly(), false);
      assert.equal(l.trading.calls.length, 0, "trading untouched");
      const last = await l.repo.readEntry((await l.repo.size()) - 1);
      assert.match(last?.canonical ?? "", /"action":"audit\.verify"/);
      assert.match(last?.canonical ?? "", /"outcome":"error"/);

      // The same error while the ledger's store answers is confined to verification (its sessions
      // terminated, a worker killed): it may be the tampering itself, so it is a failure.
      const w = await verifyLedgerAndRecord(failing([]), l.ledger, key);
      assert.equal(w.ok, false);
      await l.settle();
      const [inc] = await l.incidents.list({ limit: 10 });
      assert.equal(inc?.type, "data_breach");
      assert.equal(inc?.severity, "critical");
    });

    test("a tampered ledger fails verification and opens a critical data_breach incident with its playbook", async () => {
      const l = await open();
      for (let n = 0; n < 20; n++)
        await l.record({
          event_type: "data_access",
          action: "gateway.proxy",
          outcome: "success",
          user_id: "u-bob",
          ip_address: "10.0.0.9",
          resource: "GET /pandl",
          details: { n },
        });
      await l.ledger.checkpoint();
      const key = { name: l.signer.name, publicKey: l.signer.publicKey };
      assert.equal((await verifyLedgerAndRecord(l.repo, l.ledger, key)).ok, true);
      await l.settle();
      assert.equal((await l.incidents.list({ limit: 10 })).length, 0);

      await allowLedgerTampering(l.ts.store); // the ledger's tables refuse UPDATE until then
      await sql`update audit_entries set event = replace(event, '"n":7', '"n":8') where idx = 7`.execute(
        l.ts.store.db,
      );
      const v = await verifyLedgerAndRecord(l.repo, l.ledger, key);
      assert.equal(v.ok, false);
      assert.match(v.problem ?? "", /entry 7/);
      await l.settle();
      const incs = await l.incidents.list({ limit: 10 });
      assert.equal(incs.length, 1);
      const inc = incs[0];
      assert.ok(inc);
      assert.equal(inc.type, "data_breach");
      assert.equal(inc.severity, "critical");
      assert.equal(inc.subject, "ledger");
      assert.equal(await l.readOnly.isReadOnly(), true, "immediate_isolation: read-only mode");
      assert.ok(
        l.trading.calls.some((c) => c.verb === "halt" && c.scope === "global"),
        "stop_all_processes",
      );
      const acts = await l.incidents.actions(inc.id);
      const bundle = acts.find((a) => a.action === "preserve_evidence");
      assert.equal(bundle?.status, "done", bundle?.detail ?? "");
      const dir = /bundle (\S+) sha256/.exec(bundle?.detail ?? "")?.[1] ?? "";
      assert.ok(existsSync(join(dir, "manifest.json")));
      assert.match(readFileSync(join(dir, "checkpoint.txt"), "utf8"), /^rampart\.test\/audit\n/);

      await l.responder.resolve(inc.id, { id: "u-admin", via: "cli" }, "restored from backup");
      l.clock.advance(1000);
      assert.equal(await l.readOnly.isReadOnly(), false, "resolution lifts read-only mode");
      await assert.rejects(l.responder.acknowledge(inc.id, { id: "u-admin", via: "cli" }), {
        code: "ERR_INCIDENT_TRANSITION",
      });
    });

    test("after a restart the consumer continues from its saved position with the same state", async () => {
      const l = await open();
      for (let n = 1; n <= 3; n++) await l.record(wrongPassword("u-carol", ATTACKER, n));
      await l.settle();
      await l.consumer.stop();
      const engine = new DetectionEngine({
        settings: detectionSettings(DEFAULT_DETECTION, INCIDENT_TYPES),
        severities: severities(),
      });
      const { StreamConsumer } = await import("../detection/index.js");
      const again = new StreamConsumer({
        ledger: l.repo,
        store: l.detections,
        engine,
        sink: l.responder,
        clock: l.clock,
      });
      await again.load();
      assert.ok(again.stats.nextIndex >= 3);
      for (let n = 4; n <= 5; n++) await l.record(wrongPassword("u-carol", ATTACKER, n));
      await again.catchUp();
      await l.responder.idle();
      const incs = await l.incidents.list({ limit: 10 });
      assert.equal(incs.length, 1, "counts survived the restart");
      assert.equal(incs[0]?.eventCount, 5);
    });
  });
}

// The IP blocklist's escalation and allow-list, signed webhooks, and a failing action that is
// retried, then marked failed and escalates its incident.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hmacSha256 } from "../crypto/index.js";
import type { Detection } from "../detection/index.js";
import { ManualClock } from "../kernel/index.js";
import { openEphemeral } from "../store/index.js";
import { IpBlocklist } from "./blocklist.js";
import { MemoryIncidentStore } from "./memory-store.js";
import { Responder } from "./responder.js";
import { responseSettings } from "./testing.js";
import { signWebhook, WebhookAlerts } from "./webhook-alerts.js";

test("blocks double per repeat offence up to the cap; allow-listed addresses and ranges are never blocked until they expire", async () => {
  const clock = new ManualClock();
  const kv = await openEphemeral({ clock, prefix: "b:" });
  const bl = new IpBlocklist({
    ephemeral: kv,
    clock,
    settings: {
      baseMs: 60_000,
      maxMs: 200_000,
      rememberMs: 86_400_000,
      allowList: [
        { address: "10.0.0.0/8", expiresAt: null },
        { address: "192.0.2.9", expiresAt: clock.now() + 1000 },
      ],
    },
  });
  const durations = [];
  for (let i = 0; i < 4; i++) durations.push((await bl.block("::ffff:203.0.113.1")).durationMs);
  assert.deepEqual(durations, [60_000, 120_000, 200_000, 200_000]);
  assert.equal(await bl.isBlocked("203.0.113.1"), true);
  clock.advance(200_001);
  assert.equal(await bl.isBlocked("203.0.113.1"), false, "a block expires");
  assert.equal((await bl.block("10.1.2.3")).reason, "allow_listed");
  assert.equal(await bl.isBlocked("10.1.2.3"), false);
  assert.equal((await bl.block("192.0.2.9")).blocked, true, "an expired allow-list entry no longer protects");
  await kv.close();
});

test("webhook alerts carry an HMAC-SHA256 signature over timestamp.body", async () => {
  const sent: { headers: Record<string, string>; body: string }[] = [];
  const alerts = new WebhookAlerts({
    channels: { security_team: { url: "https://alerts.example/hook", secret: "s3cret" } },
    fetch: async (_u, init) => {
      sent.push({ headers: init.headers, body: init.body });
      return { ok: true, status: 200 };
    },
    now: () => 1_700_000_000_000,
  });
  assert.equal(alerts.configured("management"), false);
  await alerts.send("security_team", { incident: "inc-1" });
  const h = sent[0]?.headers ?? {};
  const expected = `v1=${hmacSha256(Buffer.from("s3cret"), `1700000000.${sent[0]?.body}`).toString("hex")}`;
  assert.equal(h["x-rampart-signature"], expected);
  assert.equal(signWebhook("s3cret", 1_700_000_000, sent[0]?.body ?? ""), expected);
});

test("a failing action is retried, then marked failed and escalates the incident (never dropped)", async () => {
  const store = new MemoryIncidentStore();
  let tries = 0;
  const responder = new Responder({
    store,
    settings: responseSettings({ max_attempts: 3, retry_backoff_ms: 1 }),
    clock: new ManualClock(),
    ports: {
      trading: {
        halt: async () => {
          tries++;
          throw new Error("actuator down");
        },
        reduce: async () => {},
      },
    },
  });
  const d: Detection = {
    rule: "trading.suspicious_pattern",
    type: "suspicious_trading",
    subject: "user:t",
    index: 9,
    atMs: 0,
    evidence: [7, 8, 9],
    context: { ips: [], users: ["t"], sessions: [], instruments: ["GOLD"], strategies: [], patterns: ["x"] },
    summary: "s",
  };
  await responder.handle([d]);
  await responder.idle();
  assert.equal(tries, 6, "freeze_positions and halt_strategy, three attempts each");
  const inc = (await store.list({ limit: 5 }))[0];
  assert.equal(inc?.escalated, true);
  const acts = await store.actions(inc?.id ?? "");
  assert.equal(acts.find((a) => a.action === "halt_strategy")?.status, "failed");
  assert.ok(acts.some((a) => a.target === "escalation" && a.action === "notify_management"));
  assert.notEqual(inc?.status, "contained");
});

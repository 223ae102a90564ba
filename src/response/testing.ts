// A whole detection-and-response loop for tests: a real ledger on a test store, the stream
// consumer, the responder over the database repository, the IP blocklist and read-only mode over
// an in-memory EphemeralStore, and fake trading and identity ports that record their calls.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AuditEventInput, AuditLedger, type LedgerStore } from "../audit/index.js";
import { testSigner } from "../audit/testing.js";
import { defaultConfig } from "../config/index.js";
import { DEFAULT_DETECTION, DetectionEngine, detectionSettings, StreamConsumer } from "../detection/index.js";
import { ManualClock } from "../kernel/index.js";
import {
  type DatabaseTarget,
  type EphemeralStore,
  openEphemeral,
  openTestStore,
  type TestStore,
} from "../store/index.js";
import { DetectionRepository, IncidentRepository } from "../store/repos/detection.js";
import { createLedgerRepository } from "../store/repos/ledger.js";
import { IpBlocklist } from "./blocklist.js";
import { LedgerEvidenceBundler } from "./evidence-bundle.js";
import type { IdentityActions, TradingActions } from "./ports.js";
import { ReadOnlyMode } from "./read-only.js";
import { Responder } from "./responder.js";
import { DEFAULT_RESPONSE, type ResponseConfigSection, type ResponseSettings } from "./settings.js";

/** The configured incident types and playbooks (the seed's, and the further types detection raises). */
export const INCIDENT_TYPES = defaultConfig()["incident_types"] as ResponseSettings["incidentTypes"];

export class FakeTrading implements TradingActions {
  readonly calls: { verb: "halt" | "reduce"; scope: string; reason: string }[] = [];
  async halt(scope: string, reason: string): Promise<void> {
    this.calls.push({ verb: "halt", scope, reason });
  }
  async reduce(scope: string, reason: string): Promise<void> {
    this.calls.push({ verb: "reduce", scope, reason });
  }
}

export class FakeIdentity implements IdentityActions {
  readonly calls: { verb: string; userId: string }[] = [];
  async revokeUserSessions(userId: string): Promise<number> {
    this.calls.push({ verb: "revokeUserSessions", userId });
    return 1;
  }
  async disableUser(userId: string): Promise<void> {
    this.calls.push({ verb: "disableUser", userId });
  }
}

export interface Loop {
  readonly ts: TestStore;
  readonly repo: LedgerStore;
  readonly ledger: AuditLedger;
  readonly clock: ManualClock;
  readonly consumer: StreamConsumer;
  readonly responder: Responder;
  readonly incidents: IncidentRepository;
  readonly detections: DetectionRepository;
  readonly blocklist: IpBlocklist;
  readonly readOnly: ReadOnlyMode;
  readonly trading: FakeTrading;
  readonly identity: FakeIdentity;
  readonly signer: ReturnType<typeof testSigner>;
  readonly ephemeral: EphemeralStore;
  /** Appends, waits for detection and every action to finish. */
  record(e: AuditEventInput): Promise<number>;
  settle(): Promise<void>;
  dispose(): Promise<void>;
}

export function responseSettings(section: Partial<ResponseConfigSection> = {}): ResponseSettings {
  return {
    incidentTypes: INCIDENT_TYPES,
    section: { ...DEFAULT_RESPONSE, retry_backoff_ms: 5, ...section },
    groupWindowMs: DEFAULT_DETECTION.group_window_s * 1000,
  };
}

export async function openLoop(target: Pick<DatabaseTarget, "url">, start?: number): Promise<Loop> {
  const ts = await openTestStore(target);
  const clock = new ManualClock(start);
  const signer = testSigner();
  const repo = createLedgerRepository(ts.store);
  const ledger = new AuditLedger({
    store: repo,
    clock,
    origin: signer.name,
    signer,
    checkpointEvery: 1_000_000,
  });
  const ephemeral = await openEphemeral({ clock, prefix: "t:" });
  const settings = detectionSettings(DEFAULT_DETECTION, INCIDENT_TYPES);
  const engine = new DetectionEngine({ settings, severities: severities() });
  const incidents = new IncidentRepository(ts.store);
  const detections = new DetectionRepository(ts.store);
  const blocklist = new IpBlocklist({
    ephemeral,
    clock,
    settings: { baseMs: 600_000, maxMs: 86_400_000, rememberMs: 30 * 86_400_000, allowList: [] },
  });
  const readOnly = new ReadOnlyMode(ephemeral, () => clock.now());
  const trading = new FakeTrading();
  const identity = new FakeIdentity();
  const dir = await mkdtemp(join(tmpdir(), "rampart-evidence-"));
  const responder = new Responder({
    store: incidents,
    settings: responseSettings(),
    clock,
    audit: ledger,
    ports: {
      blocklist,
      readOnly,
      trading,
      identity,
      evidence: new LedgerEvidenceBundler({ ledger: repo, dir, checkpointNow: () => ledger.checkpoint() }),
    },
  });
  const consumer = new StreamConsumer({ ledger: repo, store: detections, engine, sink: responder, clock });
  await consumer.load();
  const settle = async (): Promise<void> => {
    // Actions append incident events; a second pass consumes them (they never raise detections).
    for (let i = 0; i < 3; i++) {
      await consumer.catchUp();
      await responder.idle();
    }
  };
  return {
    ts,
    repo,
    ledger,
    clock,
    consumer,
    responder,
    incidents,
    detections,
    blocklist,
    readOnly,
    trading,
    identity,
    signer,
    ephemeral,
    async record(e) {
      const r = await ledger.record(e);
      return r.index;
    },
    settle,
    async dispose() {
      await responder.stop();
      await ledger.close();
      await ephemeral.close();
      await ts.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function severities(): Record<string, "low" | "medium" | "high" | "critical"> {
  const out: Record<string, "low" | "medium" | "high" | "critical"> = {};
  for (const [k, v] of Object.entries(INCIDENT_TYPES)) out[k] = v.severity;
  return out;
}

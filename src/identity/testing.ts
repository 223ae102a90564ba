// A ready-made identity service for tests in any module: ManualClock, a cheap argon2id hasher
// (explicit parameters, below the production minimum the config enforces), the seed's roles, an
// event-capturing AuditRecorder, and a fresh store per run — SQLite or PostgreSQL, memory or Redis.
import type { AuditEventInput, AuditRecorder } from "../audit/index.js";
import { loadConfig } from "../config/index.js";
import { PasswordHasher, randomBytes } from "../crypto/index.js";
import { ManualClock } from "../kernel/index.js";
import { KeyRing, MasterKey } from "../keys/index.js";
import {
  type DatabaseTarget,
  type EphemeralTarget,
  IdentityRepository,
  openTestEphemeral,
  openTestStore,
} from "../store/index.js";
import { createIdentityService, type IdentityService } from "./service.js";
import { type IdentityDeps, identitySettingsFromConfig } from "./settings.js";

export const CHEAP_ARGON2 = { memoryKiB: 1024, iterations: 1, parallelism: 1 };

export class RecordingAudit implements AuditRecorder {
  readonly events: AuditEventInput[] = [];
  async record(e: AuditEventInput) {
    this.events.push(structuredClone(e));
    return { event_id: String(this.events.length), index: this.events.length - 1 };
  }
  actions(): string[] {
    return this.events.map((e) => e.action);
  }
}

export interface IdentityHarness {
  service: IdentityService;
  deps: IdentityDeps;
  clock: ManualClock;
  audit: RecordingAudit;
  dispose(): Promise<void>;
}

export async function openIdentityHarness(
  db: Pick<DatabaseTarget, "url"> = { url: undefined },
  eph: Pick<EphemeralTarget, "redisUrl"> = { redisUrl: undefined },
  hasher = new PasswordHasher({ params: CHEAP_ARGON2, concurrency: 4 }),
): Promise<IdentityHarness> {
  const clock = new ManualClock();
  const audit = new RecordingAudit();
  const testStore = await openTestStore(db);
  const ephemeral = await openTestEphemeral(eph);
  const deps: IdentityDeps = {
    store: new IdentityRepository(testStore.store),
    ephemeral,
    hasher,
    keys: new KeyRing(new MasterKey(randomBytes(32))),
    audit,
    clock,
    settings: identitySettingsFromConfig(loadConfig({ fileName: "rampart.yaml", text: undefined, env: {} })),
  };
  return {
    service: createIdentityService(deps),
    deps,
    clock,
    audit,
    dispose: async () => {
      await ephemeral.close();
      await testStore.dispose();
    },
  };
}

// A ready-made token service for tests in any module: the identity service and the token service
// over one fresh store (SQLite or PostgreSQL) and ephemeral store (memory or Redis), a ManualClock,
// the default config's roles, and an event-capturing AuditRecorder. `second()` opens another
// instance on the same database and ephemeral store, as a second gateway would.
import { compilePolicy } from "../access/index.js";
import type { AuditEventInput, AuditRecorder } from "../audit/index.js";
import { type Config, loadConfig } from "../config/index.js";
import { PasswordHasher, randomBytes } from "../crypto/index.js";
import {
  createIdentityService,
  type IdentityService,
  identitySettingsFromConfig,
} from "../identity/index.js";
import { ManualClock } from "../kernel/index.js";
import { KeyRing, MasterKey } from "../keys/index.js";
import {
  type DatabaseTarget,
  type EphemeralStore,
  type EphemeralTarget,
  IdentityRepository,
  MemoryBackend,
  openTestEphemeral,
  openTestStore,
  randomTag,
  type Store,
  TokenRepository,
} from "../store/index.js";
import { createTokenService, type TokenService } from "./service.js";
import { type TokenDeps, tokenSettingsFromConfig } from "./settings.js";

const CHEAP_ARGON2 = { memoryKiB: 1024, iterations: 1, parallelism: 1 };

export class RecordingAudit implements AuditRecorder {
  readonly events: AuditEventInput[] = [];
  async record(e: AuditEventInput) {
    this.events.push(structuredClone(e));
    return { event_id: String(this.events.length), index: this.events.length - 1 };
  }
  last(action: string): AuditEventInput | undefined {
    return this.events.filter((e) => e.action === action).at(-1);
  }
}

export interface TokenHarness {
  tokens: TokenService;
  identity: IdentityService;
  deps: TokenDeps;
  config: Config;
  store: Store;
  clock: ManualClock;
  audit: RecordingAudit;
  keyring: KeyRing;
  /** Creates an active user with `roles`; answers its id. */
  user(name: string, roles?: string[]): Promise<string>;
  /** Another token service on the same database and ephemeral store (another instance). */
  second(): Promise<TokenService>;
  dispose(): Promise<void>;
}

export async function openTokenHarness(
  opts: { db?: Pick<DatabaseTarget, "url">; eph?: Pick<EphemeralTarget, "redisUrl">; yaml?: string } = {},
): Promise<TokenHarness> {
  const config = loadConfig({ fileName: "rampart.yaml", text: opts.yaml, env: {} });
  const clock = new ManualClock();
  const audit = new RecordingAudit();
  const testStore = await openTestStore(opts.db ?? { url: undefined });
  const backend = new MemoryBackend();
  const prefix = `rampart:test:${randomTag()}:`;
  const ephemerals: EphemeralStore[] = [];
  const openEph = async () => {
    const e = await openTestEphemeral(opts.eph ?? { redisUrl: undefined }, {
      prefix,
      memoryBackend: backend,
    });
    ephemerals.push(e);
    return e;
  };
  const keyring = new KeyRing(new MasterKey(randomBytes(32)));
  const ephemeral = await openEph();
  const identity = createIdentityService({
    store: new IdentityRepository(testStore.store),
    ephemeral,
    hasher: new PasswordHasher({ params: CHEAP_ARGON2, concurrency: 4 }),
    keys: keyring,
    audit,
    clock,
    settings: identitySettingsFromConfig(config),
  });
  const policy = compilePolicy(config.roles);
  const settings = tokenSettingsFromConfig(config);
  const makeDeps = (broadcast: EphemeralStore): TokenDeps => ({
    store: new TokenRepository(testStore.store),
    users: identity,
    policy,
    keys: keyring,
    broadcast,
    audit,
    clock,
    settings,
  });
  const deps = makeDeps(ephemeral);
  const services: TokenService[] = [];
  const open = async (broadcast: EphemeralStore) => {
    const s = createTokenService(makeDeps(broadcast));
    await s.start();
    services.push(s);
    return s;
  };
  const tokens = await open(ephemeral);
  return {
    tokens,
    identity,
    deps,
    config,
    store: testStore.store,
    clock,
    audit,
    keyring,
    async user(name, roles = ["trader"]) {
      const created = await identity.createUser(
        { username: name, roles, password: "vault-Orbit-42-Meadow" },
        { via: "cli" },
      );
      return created.user.id;
    },
    second: async () => open(await openEph()),
    async dispose() {
      for (const s of services) await s.close();
      for (const e of ephemerals) await e.close();
      await testStore.dispose();
    },
  };
}

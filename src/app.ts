// The composition root: builds every service from the validated, frozen Config. The gateway and
// the CLI receive an App; nothing else constructs services.
import { join } from "node:path";
import {
  applyStoredRoleDefinitions,
  checkRoleAssignment,
  LivePolicy,
  RoleDefinitionSync,
} from "./access/index.js";
import { type AccessServices, createAccessServices } from "./app-access.js";
import {
  type AuditEventInput,
  type AuditLedger,
  type AuditReceipt,
  type AuditRecorder,
  openLedger,
} from "./audit/index.js";
import type { Config } from "./config/index.js";
import { PasswordHasher, uuid } from "./crypto/index.js";
import {
  CachedIdentityStore,
  createIdentityService,
  hasherOptionsFromConfig,
  type IdentityService,
  identitySettingsFromConfig,
} from "./identity/index.js";
import { type Clock, type Logger, RampartError, systemClock } from "./kernel/index.js";
import { KeyRing, KeyService, keySettingsFromConfig, loadMasterKey } from "./keys/index.js";
import { createLogger } from "./logging.js";
import { IpFilter, type IpRule } from "./network/index.js";
import { createPkiService, type PkiService, pkiSettingsFromConfig } from "./pki/index.js";
import {
  AccessRepository,
  createIpRuleRepository,
  createLedgerRepository,
  type EphemeralStore,
  IdentityRepository,
  KeysRepository,
  migrateToLatest,
  openEphemeral,
  openStore,
  PkiRepository,
  type Store,
  TokenRepository,
  VaultRepository,
  withLedgerWriterThread,
} from "./store/index.js";
import { createTokenService, type TokenService, tokenSettingsFromConfig } from "./tokens/index.js";
import { watchLedgerHealth } from "./trading/index.js";
import { VaultService } from "./vault/index.js";

export interface AppOptions {
  dataDir: string;
  config: Config;
  /** RAMPART_MASTER_KEY, if set. */
  masterKeyEnv?: string | undefined;
  logger?: Logger;
  clock?: Clock;
  /** PostgreSQL schema (tests: one per run). */
  databaseSchema?: string;
  /** Key prefix in the ephemeral store (tests: one per run). */
  ephemeralPrefix?: string;
  /** Open without the master key (migrate, config check). */
  withoutKeys?: boolean;
  /** Password hasher (tests pass a cheap one; production derives it from config.identity). */
  hasher?: PasswordHasher;
  /**
   * SQLite: run the ledger's appends on a writer thread, so that group commits and their fsync do
   * not stall the event loop (the server sets it; a one-shot CLI command need not start a thread).
   */
  ledgerWriterThread?: boolean;
}

export interface App {
  readonly config: Config;
  readonly dataDir: string;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly store: Store;
  readonly ephemeral: EphemeralStore;
  /** Throws ERR_KEYS_MASTER_MISSING when opened withoutKeys or before `rampart init`. */
  keyring(): KeyRing;
  readonly audit: AuditRecorder;
  /**
   * What to do when the ledger has been failing longer than trading.on_audit_failure_after (the
   * gateway sets it to halt or reduce trading through the adapters: an unaudited system must not
   * keep trading).
   */
  onLedgerUnavailable(handler: (info: { since: number; failingForMs: number }) => Promise<void> | void): void;
  /** The ledger itself (proofs, checkpoints); undefined when opened withoutKeys. */
  readonly ledger: AuditLedger | undefined;
  /** IP allow/block lists (config + run-time entries shared by every instance). */
  readonly ipFilter: IpFilter;
  /** The compiled RBAC policy (swapped atomically when roles change). */
  readonly policy: LivePolicy;
  /** Users, passwords, MFA, sessions. Needs the master key (TOTP secrets are encrypted). */
  identity(): IdentityService;
  /** API tokens: issue, verify, revoke, signing-key rotation. Call start() before verifying. */
  tokens(): TokenService;
  /** Rampart's CA and service accounts. */
  pki(): PkiService;
  /** Four-eyes approvals, segregation of duties, access reviews. */
  access(): AccessServices;
  /** Key versions, data keys, rotation (loaded at open: the master key is checked against the database). */
  keys(): KeyService;
  /** Versioned secrets (broker and e-mail credentials), encrypted at rest. */
  vault(): VaultService;
  readonly startedAt: number;
  close(): Promise<void>;
}

export async function createApp(opts: AppOptions): Promise<App> {
  const { config, dataDir } = opts;
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? createLogger({ level: config.logging.level });
  let keyring: KeyRing | undefined;
  if (!opts.withoutKeys) {
    keyring = new KeyRing(loadMasterKey({ file: join(dataDir, "master.key"), envValue: opts.masterKeyEnv }));
  }
  const store = await openStore({
    dataDir,
    url: config.database.url,
    poolSize: config.database.pool_size,
    ...(opts.databaseSchema ? { schema: opts.databaseSchema } : {}),
  });
  let ephemeral: EphemeralStore | undefined;
  let ledger: AuditLedger | undefined;
  let keyService: KeyService | undefined;
  let closeLedgerWriter: (() => Promise<void>) | undefined;
  try {
    await migrateToLatest(store);
    ephemeral = await openEphemeral({
      redisUrl: config.ephemeral.redis_url,
      clock,
      ...(opts.ephemeralPrefix ? { prefix: opts.ephemeralPrefix } : {}),
    });
    if (keyring) {
      // Before anything decrypts: refuses a master key that does not match this database, and sets
      // the keyring's current version per purpose. Its own events go through `audit` once built.
      keyService = new KeyService({
        keyring,
        store: new KeysRepository(store),
        clock,
        settings: keySettingsFromConfig(config),
        audit: { record: (e) => audit.record(e) },
      });
      await keyService.load();
      const auditLog = logger.child({ component: "audit" });
      let ledgerStore = createLedgerRepository(store);
      if (opts.ledgerWriterThread) {
        const writer = await withLedgerWriterThread(store, ledgerStore);
        ledgerStore = writer.repo;
        closeLedgerWriter = writer.close;
      }
      ledger = await openLedger({
        store: ledgerStore,
        keyring,
        clock,
        config: config.audit,
        logger: auditLog,
        onAlarm: (e) =>
          auditLog.fatal(
            { code: e.code, detail: e.detail },
            "AUDIT LEDGER UNAVAILABLE: refusing audited actions",
          ),
      });
    }
  } catch (e) {
    await ephemeral?.close();
    await closeLedgerWriter?.();
    await store.close();
    throw e;
  }
  // Without the master key (migrate, config check) nothing audited can happen; events go to the log.
  let ledgerDown: ((info: { since: number; failingForMs: number }) => Promise<void> | void) | undefined;
  const watch = ledger
    ? watchLedgerHealth(ledger, (info) => ledgerDown?.(info), {
        clock,
        afterMs: config.trading.on_audit_failure_after * 1000,
        logger: logger.child({ component: "ledger-health" }),
      })
    : undefined;
  const audit: AuditRecorder =
    watch?.recorder ?? new LogRecorder(logger.child({ component: "audit" }), clock);
  const eph = ephemeral;
  // Role definitions changed through an approved `role.define` proposal are stored and win over config;
  // every instance rebuilds its policy from the database when one is approved anywhere.
  const roles = applyStoredRoleDefinitions(
    config.roles,
    await new AccessRepository(store).listRoleDefinitions(),
  );
  const policy = new LivePolicy({ roles, routes: config.routes });
  const roleDefinitions = new RoleDefinitionSync({
    configured: config.roles,
    routes: config.routes,
    store: new AccessRepository(store),
    policy,
    inForce: roles,
    bus: eph,
    logger: logger.child({ component: "role-definitions" }),
  });
  await roleDefinitions.start();
  const hasher = opts.hasher ?? new PasswordHasher(hasherOptionsFromConfig(config));
  const loadKeyring = (): KeyRing =>
    keyring ?? new KeyRing(loadMasterKey({ file: join(dataDir, "master.key"), envValue: opts.masterKeyEnv }));
  let identity: IdentityService | undefined;
  // Sessions and users looked up on every request are cached, with invalidation across instances.
  const identityStore = new CachedIdentityStore(new IdentityRepository(store), {
    bus: eph,
    now: () => clock.now(),
  });
  await identityStore.start();
  const getIdentity = (): IdentityService => {
    identity ??= createIdentityService({
      store: identityStore,
      ephemeral: eph,
      hasher,
      keys: loadKeyring(),
      audit,
      clock,
      settings: identitySettingsFromConfig(config),
      roleAssignmentCheck: checkRoleAssignment(config.segregation_of_duties),
      // A password or MFA reset ends the user's API tokens too, not only their sessions.
      onCredentialsChanged: async (userId, reason, actor) => {
        await getTokens().revokeUserTokens(userId, reason, actor);
      },
    });
    return identity;
  };
  const configRule = (kind: "allow" | "block", cidr: string): IpRule => ({
    kind,
    cidr,
    expiresAt: null,
    reason: "rampart.yaml",
    source: "config",
    createdAt: 0,
  });
  const ipFilter = new IpFilter({
    store: createIpRuleRepository(store),
    bus: eph,
    clock,
    audit,
    logger: logger.child({ component: "ip-filter" }),
    configRules: [
      ...config.ip_filter.allow.map((c) => configRule("allow", c)),
      ...config.ip_filter.block.map((c) => configRule("block", c)),
    ],
    defaultAllow: config.ip_filter.default_action === "allow",
  });
  await ipFilter.start();
  let tokens: TokenService | undefined;
  const getTokens = (): TokenService => {
    tokens ??= createTokenService({
      store: new TokenRepository(store),
      users: getIdentity(),
      policy,
      keys: loadKeyring(),
      broadcast: eph,
      audit,
      clock,
      settings: tokenSettingsFromConfig(config),
      logger: logger.child({ component: "tokens" }),
    });
    return tokens;
  };
  let pki: PkiService | undefined;
  let vault: VaultService | undefined;
  let access: AccessServices | undefined;
  const getAccess = (): AccessServices => {
    access ??= createAccessServices({
      store,
      config,
      policy,
      roleDefinitions,
      audit,
      clock,
      identity: getIdentity,
    });
    return access;
  };
  const getKeys = (): KeyService => {
    if (!keyService)
      throw new RampartError("ERR_KEYS_MASTER_MISSING", "this command was opened without the master key", {
        status: 500,
      });
    return keyService;
  };
  return {
    config,
    dataDir,
    logger,
    clock,
    store,
    ephemeral: eph,
    keyring: loadKeyring,
    audit,
    onLedgerUnavailable(handler) {
      ledgerDown = handler;
    },
    ledger,
    ipFilter,
    policy,
    identity: getIdentity,
    tokens: getTokens,
    access: getAccess,
    keys: getKeys,
    vault() {
      vault ??= new VaultService({
        store: new VaultRepository(store),
        keys: getKeys(),
        audit,
        clock,
        access: policy,
        approvalRequired: config.vault.approval_required,
        approvals: getAccess().secretReads,
      });
      return vault;
    },
    pki() {
      pki ??= createPkiService({
        store: new PkiRepository(store),
        keys: loadKeyring(),
        audit,
        clock,
        settings: pkiSettingsFromConfig(config),
        checkRoles: checkRoleAssignment(config.segregation_of_duties),
      });
      return pki;
    },
    startedAt: clock.now(),
    async close() {
      watch?.stop();
      await roleDefinitions.stop();
      await identityStore.stop();
      await tokens?.close();
      await ipFilter.stop();
      await ledger?.close();
      await closeLedgerWriter?.();
      await eph.close();
      await store.close();
    },
  };
}

/** Until the ledger is wired: every event goes to the log, numbered in process order. */
class LogRecorder implements AuditRecorder {
  private next = 0;
  constructor(
    private readonly log: Logger,
    private readonly clock: Clock,
  ) {}
  async record(event: AuditEventInput): Promise<AuditReceipt> {
    const receipt = { event_id: uuid(), index: this.next++ };
    this.log.info(
      { audit: { ...event, ...receipt, timestamp: new Date(this.clock.now()).toISOString() } },
      "audit event",
    );
    return receipt;
  }
}

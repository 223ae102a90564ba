// Detection and response of the composition root: one Security per App (securityFor) — the ledger
// stream consumer, the responder with its playbook ports, the IP blocklist and read-only mode the
// gateway consults — started with startSecurity and stopped with stopSecurity.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createTransport } from "nodemailer";
import type { App } from "./app.js";
import { tradingFor } from "./app-trading.js";
import { ConfigError } from "./config/index.js";
import {
  DetectionEngine,
  detectionSettingsFromConfig,
  type Severity,
  StreamConsumer,
  watchLedgerIntegrity,
} from "./detection/index.js";
import { ipFilterAsSets } from "./network/index.js";
import {
  ALLOWED_SET,
  AlertFanout,
  type AlertSender,
  allowEntries,
  BLOCKED_SET,
  EmailAlerts,
  type IdentityActions,
  IpBlocklist,
  identityActionsFrom,
  LedgerEvidenceBundler,
  type MailTransport,
  ReadOnlyMode,
  Responder,
  responseSettingsFromConfig,
  type TradingActions,
  tradingActionsFrom,
  WebhookAlerts,
} from "./response/index.js";
import { createLedgerRepository, DetectionRepository, IncidentRepository } from "./store/index.js";

export interface SecurityWiring {
  /** Environment values for the alert secrets' env names (the gateway never reads env). */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /** Replaces the trading port (default: the App's TradingService). */
  trading?: TradingActions | undefined;
  /** Replaces the identity port (default: the App's IdentityService). */
  identity?: IdentityActions | undefined;
  /** Replaces the alert channels (default: the configured webhooks and e-mail). */
  alerts?: AlertSender | undefined;
}

export interface Security {
  readonly consumer: StreamConsumer | undefined;
  readonly responder: Responder;
  readonly blocklist: IpBlocklist;
  readonly readOnly: ReadOnlyMode;
  /** The gateway's first step: refuse everything from a blocked address. */
  isBlocked(ip: string): Promise<boolean>;
  /** While true, the gateway refuses every non-GET/HEAD request (immediate_isolation). */
  isReadOnly(): Promise<boolean>;
}

const instances = new WeakMap<
  App,
  {
    security: Security;
    wiring: SecurityWiring;
    openAlerts: () => void;
    stopWatch?: () => void;
    stopOffers?: () => void;
  }
>();

export function securityFor(app: App, wiring: SecurityWiring = {}): Security {
  const have = instances.get(app);
  if (have) {
    // Wiring given after the first call would be silently ignored (an env passed after the gateway
    // built this, and the alert secrets never reached the channels): refuse it instead. The
    // gateway's options carry the wiring (GatewayOptions.security).
    if (wiring !== have.wiring && Object.values(wiring).some((v) => v !== undefined))
      throw new Error("securityFor: this App's Security is already built; pass its wiring at the first call");
    return have.security;
  }
  const cfg = app.config;
  const log = app.logger.child({ component: "response" });
  // Blocks land in the IP filter: one list, persisted, shared by every instance, checked first.
  const blocklist = new IpBlocklist({
    ephemeral: ipFilterAsSets(
      app.ipFilter,
      app.ephemeral,
      { blocked: BLOCKED_SET, allowed: ALLOWED_SET },
      "rampart:response",
    ),
    clock: app.clock,
    settings: {
      baseMs: cfg.response.block.base_s * 1000,
      maxMs: cfg.response.block.max_s * 1000,
      rememberMs: cfg.response.block.remember_s * 1000,
      allowList: allowEntries(cfg.response),
    },
  });
  const readOnly = new ReadOnlyMode(app.ephemeral, () => app.clock.now());
  const env = wiring.env ?? {};
  const alerts = wiring.alerts ? { sender: wiring.alerts, open: () => {} } : alertsFromConfig(app, env);
  const ledgerRepo = createLedgerRepository(app.store);
  const incidents = new IncidentRepository(app.store);
  let identity = wiring.identity;
  const lazyIdentity: IdentityActions = {
    revokeUserSessions: (u, r) => {
      identity ??= identityActionsFrom(app.identity());
      return identity.revokeUserSessions(u, r);
    },
    disableUser: (u, r) => {
      identity ??= identityActionsFrom(app.identity());
      return identity.disableUser(u, r);
    },
  };
  const responder = new Responder({
    store: incidents,
    settings: responseSettingsFromConfig(cfg),
    clock: app.clock,
    logger: log,
    audit: app.audit,
    ports: {
      blocklist,
      readOnly,
      trading: wiring.trading ?? tradingActionsFrom(tradingFor(app)),
      identity: lazyIdentity,
      alerts: alerts.sender,
      evidence: new LedgerEvidenceBundler({
        ledger: ledgerRepo,
        dir: `${app.dataDir}/${cfg.response.evidence_dir}`,
        checkpointNow: async () => app.ledger?.checkpoint(),
      }),
    },
  });
  const settings = detectionSettingsFromConfig(cfg);
  const severities = Object.fromEntries(
    Object.entries(cfg.incident_types).map(([k, v]) => [k, v.severity as Severity]),
  );
  // Without the ledger (opened withoutKeys) there is no stream to consume.
  const consumer = app.ledger
    ? new StreamConsumer({
        ledger: ledgerRepo,
        store: new DetectionRepository(app.store),
        engine: new DetectionEngine({ settings, severities }),
        sink: responder,
        clock: app.clock,
        logger: app.logger.child({ component: "detection" }),
        pollMs: settings.pollMs,
        batchSize: settings.batchSize,
      })
    : undefined;
  const security: Security = {
    consumer,
    responder,
    blocklist,
    readOnly,
    isBlocked: (ip) => blocklist.isBlocked(ip),
    isReadOnly: () => readOnly.isReadOnly(),
  };
  instances.set(app, { security, wiring, openAlerts: alerts.open });
  return security;
}

/**
 * Sets up the alert transports (a mail setting that cannot work fails here, not at the first
 * incident), resumes unfinished actions and read-only holds, starts the consumer and the integrity
 * watch. Wiring goes to the first securityFor (the gateway's, through GatewayOptions.security).
 */
export async function startSecurity(app: App): Promise<Security> {
  const s = securityFor(app);
  const entry = instances.get(app) as NonNullable<ReturnType<typeof instances.get>>;
  entry.openAlerts();
  await s.responder.start();
  await s.consumer?.start();
  // What this process commits goes to detection directly, not back through the database.
  const consumer = s.consumer;
  if (consumer && app.ledger) entry.stopOffers = app.ledger.onCommitted((e) => consumer.offer(e));
  const every = app.config.detection.verify_interval_s;
  if (every > 0 && app.ledger)
    entry.stopWatch = watchLedgerIntegrity({
      ledger: createLedgerRepository(app.store),
      audit: app.audit,
      intervalMs: every * 1000,
      onError: (e) => app.logger.error({ err: String(e) }, "ledger verification could not run"),
    });
  return s;
}

export async function stopSecurity(app: App): Promise<void> {
  const entry = instances.get(app);
  instances.delete(app);
  if (!entry) return;
  entry.stopWatch?.();
  entry.stopOffers?.();
  await entry.security.consumer?.stop();
  await entry.security.responder.stop();
}

/**
 * The configured alert channels: each response.notify channel's signed webhook and its e-mail
 * recipients (through response.smtp), both when both are set. `open` sets up the mail transport
 * (reads smtp.ca_file, checks the password is there); the first e-mail does it otherwise.
 * startSecurity calls it, so a server fails at start rather than at its first incident, while CLI
 * commands that only read incidents never touch the mail settings.
 */
export function alertsFromConfig(
  app: App,
  env: Readonly<Record<string, string | undefined>>,
): { sender: AlertSender; open: () => void } {
  const cfg = app.config.response;
  const channels = Object.entries(cfg.notify);
  const smtp = smtpTransport(app, env);
  return {
    sender: new AlertFanout([
      new WebhookAlerts({
        channels: Object.fromEntries(
          channels.map(([k, v]) => [k, { url: v.url, secret: env[v.secret_env] }]),
        ),
      }),
      new EmailAlerts({
        transport: smtp,
        from: cfg.smtp.from,
        recipients: Object.fromEntries(channels.map(([k, v]) => [k, v.email])),
      }),
    ]),
    open: () => smtp?.open(),
  };
}

function readCaFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(
      `response.smtp.ca_file: cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
}

/**
 * SMTP through nodemailer, TLS required: STARTTLS (refusing a server that does not offer it) or
 * implicit TLS, the certificate verified against the system's CAs or smtp.ca_file. Undefined when
 * no mail server is configured; the transport itself is made on open() or the first send.
 */
function smtpTransport(
  app: App,
  env: Readonly<Record<string, string | undefined>>,
): (MailTransport & { open(): void }) | undefined {
  const smtp = app.config.response.smtp;
  if (smtp.host === "") return undefined;
  let transport: ReturnType<typeof createTransport> | undefined;
  const open = () => {
    if (transport) return transport;
    const password = env[smtp.password_env];
    if (smtp.username !== "" && !password)
      app.logger.warn(
        { env: smtp.password_env },
        "response.smtp.username is set but its password variable is empty: e-mail alerts will be refused",
      );
    const timeout = smtp.timeout_s * 1000;
    transport = createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.tls === "implicit",
      requireTLS: smtp.tls === "starttls",
      tls: {
        minVersion: "TLSv1.2",
        rejectUnauthorized: true,
        ...(smtp.ca_file ? { ca: readCaFile(resolve(app.dataDir, smtp.ca_file)) } : {}),
      },
      ...(smtp.username ? { auth: { user: smtp.username, pass: password ?? "" } } : {}),
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    });
    return transport;
  };
  return {
    open: () => void open(),
    send: async (m) => {
      await open().sendMail({ from: m.from, to: [...m.to], subject: m.subject, text: m.text });
    },
  };
}

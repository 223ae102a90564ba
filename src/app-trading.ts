// Trading controls of the composition root: one TradingService per App (tradingFor), started
// before the gateway serves (startTrading) and stopped on close (stopTrading). The gateway's
// routes and trading gate, incident response and the approvals applier all use this one service.
import type { App } from "./app.js";
import { TradingRepository } from "./store/index.js";
import {
  createTradingService,
  type ResumeApprovals,
  type TradingAdapter,
  type TradingService,
} from "./trading/index.js";

export interface TradingWiring {
  /** Value of the environment variable named by trading.key_env (the gateway never reads env). */
  keyEnvValue?: string | undefined;
  /** Environment for actuator/command child processes (serve passes its own without RAMPART_*). */
  childEnv?: Readonly<Record<string, string>>;
  /** Replaces the configured adapter (tests). */
  adapter?: TradingAdapter;
  /** The approvals module's port, once it exists (default: Rampart's local four-eyes store). */
  approvals?: ResumeApprovals;
}

const instances = new WeakMap<App, { service: TradingService; wiring: TradingWiring }>();

/**
 * The App's trading service (built on first use; call startTrading before serving). Wiring counts
 * at the first call only: a different wiring later is refused rather than silently ignored (an
 * actuator started without its key, or with Rampart's whole environment, would be the result).
 */
export function tradingFor(app: App, wiring: TradingWiring = {}): TradingService {
  const have = instances.get(app);
  if (have) {
    if (wiring !== have.wiring && Object.values(wiring).some((v) => v !== undefined))
      throw new Error(
        "tradingFor: this App's trading service is already built; pass its wiring at the first call",
      );
    return have.service;
  }
  const service = createTradingService({
    settings: app.config.trading,
    dataDir: app.dataDir,
    store: new TradingRepository(app.store),
    pubsub: app.ephemeral,
    audit: app.audit,
    clock: app.clock,
    logger: app.logger.child({ component: "trading" }),
    keyEnvValue: wiring.keyEnvValue,
    childEnv: wiring.childEnv,
    ...(wiring.adapter ? { adapter: wiring.adapter } : {}),
    ...(wiring.approvals ? { approvals: wiring.approvals } : {}),
  });
  instances.set(app, { service, wiring });
  return service;
}

/** Builds and starts the App's trading service: subscribes to changes, then reads the database. */
export async function startTrading(app: App, wiring: TradingWiring = {}): Promise<TradingService> {
  const s = tradingFor(app, wiring);
  await s.start();
  return s;
}

export async function stopTrading(app: App): Promise<void> {
  const s = instances.get(app);
  instances.delete(app);
  await s?.service.stop();
}

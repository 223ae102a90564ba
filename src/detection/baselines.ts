// Behavioural baselines, online and bounded: per principal (user or service account) the source
// addresses, user agents, actions and hours it uses, its events and data reads per active hour;
// per strategy and instrument the order rate and size; per secret path who reads it. Each event is
// compared with the history *before* it (then added), so a first sighting is new. Nothing scores
// until the subject has `warmupEvents` events over `warmupHours` of history.
import type { LedgerEvent } from "../audit/index.js";
import { instrumentOf, methodOf, strategyOf } from "./fields.js";
import type { DetectionSettings } from "./settings.js";
import { BoundedMap, type Ewma, newEwma, remember, updateEwmaRobust, zScore, zToScore } from "./state.js";

const HOUR = 3_600_000;
const ALPHA = 0.05;

export interface PrincipalProfile {
  first: number;
  n: number;
  ips: string[];
  uas: string[];
  actions: string[];
  hours: number[];
  rate: Ewma;
  reads: Ewma;
  bucket: number;
  count: number;
  readCount: number;
  readAlerted: number;
  instruments: string[];
  trades: number;
}

export interface AssetProfile {
  first: number;
  n: number;
  rate: Ewma;
  size: Ewma;
  bucket: number;
  count: number;
  alerted: number;
}

export interface ReaderProfile {
  n: number;
  readers: string[];
}

export interface BaselineState {
  principals: BoundedMap<PrincipalProfile>;
  assets: BoundedMap<AssetProfile>;
  secrets: BoundedMap<ReaderProfile>;
}

/** What the baselines say about one event. */
export interface Signals {
  anomaly: number;
  warmed: boolean;
  newIp: boolean;
  newUa: boolean;
  newInstrument: boolean;
  readRateHigh: boolean;
  orderRateHigh: boolean;
  orderSizeHigh: boolean;
  newSecretReader: boolean;
}

export const QUIET: Signals = {
  anomaly: 0,
  warmed: false,
  newIp: false,
  newUa: false,
  newInstrument: false,
  readRateHigh: false,
  orderRateHigh: false,
  orderSizeHigh: false,
  newSecretReader: false,
};

export function newBaselineState(maxKeys: number): BaselineState {
  return {
    principals: new BoundedMap(maxKeys),
    assets: new BoundedMap(maxKeys),
    secrets: new BoundedMap(maxKeys),
  };
}

/** A data read: a proxied GET of data, or a secret read. */
export function isRead(e: LedgerEvent): boolean {
  if (e.outcome !== "success") return false;
  if (e.action === "secrets.read") return true;
  return e.action === "gateway.proxy" && e.event_type === "data_access";
}

/** An order entering the trading system (through the gateway or from ingested pysystemtrade records). */
export function isOrder(e: LedgerEvent): boolean {
  if (e.action === "pst.order") return true;
  return e.action === "gateway.proxy" && e.details["route_action"] === "trading:place_orders";
}

/** A state-changing trading action by a person (not Rampart's own halts). */
export function isTradingChange(e: LedgerEvent): boolean {
  if (e.event_type !== "trading" || e.outcome !== "success") return false;
  if (e.action === "gateway.proxy") return methodOf(e) !== "GET" && methodOf(e) !== "HEAD";
  return e.action.startsWith("pst.") && e.user_id !== null;
}

function combine(scores: readonly number[]): number {
  let keep = 1;
  for (const s of scores) keep *= 1 - Math.min(1, Math.max(0, s));
  return 1 - keep;
}

function rollHour(p: { bucket: number; count: number }, hour: number, close: () => void): void {
  if (p.bucket === hour) return;
  if (p.count > 0) close();
  p.bucket = hour;
  p.count = 0;
}

export function observe(state: BaselineState, e: LedgerEvent, atMs: number, s: DetectionSettings): Signals {
  const sig: Signals = { ...QUIET };
  const hour = Math.floor(atMs / HOUR);
  const warm = (first: number, n: number) => n >= s.warmupEvents && atMs - first >= s.warmupHours * HOUR;
  const user = e.user_id;
  const scores: number[] = [];
  if (user !== null) {
    let p = state.principals.touch(user);
    if (!p) {
      p = {
        first: atMs,
        n: 0,
        ips: [],
        uas: [],
        actions: [],
        hours: new Array<number>(24).fill(0),
        rate: newEwma(),
        reads: newEwma(),
        bucket: hour,
        count: 0,
        readCount: 0,
        readAlerted: -1,
        instruments: [],
        trades: 0,
      };
      state.principals.set(user, p);
    }
    const prof = p;
    rollHour(prof, hour, () => {
      updateEwmaRobust(prof.rate, prof.count, ALPHA, 4, 2);
      updateEwmaRobust(prof.reads, prof.readCount, ALPHA, 4, 2);
      prof.readCount = 0;
    });
    const warmed = warm(prof.first, prof.n);
    sig.warmed = warmed;
    const ua = typeof e.details["user_agent"] === "string" ? (e.details["user_agent"] as string) : undefined;
    const newIp = e.ip_address !== null && remember(prof.ips, e.ip_address, 32);
    const newUa = ua !== undefined && remember(prof.uas, ua, 16);
    const newAction = remember(prof.actions, e.action, 64);
    const hod = Math.floor((atMs % 86_400_000) / HOUR);
    const total = prof.hours.reduce((a, b) => a + b, 0);
    const rareHour = total > 0 && (prof.hours[hod] ?? 0) / total < 0.01;
    for (let i = 0; i < 24; i++) prof.hours[i] = (prof.hours[i] ?? 0) * 0.999;
    prof.hours[hod] = (prof.hours[hod] ?? 0) + 1;
    prof.count++;
    prof.n++;
    if (warmed) {
      sig.newIp = newIp;
      sig.newUa = newUa;
      scores.push(newIp ? 0.35 : 0, newUa ? 0.2 : 0, newAction ? 0.15 : 0, rareHour ? 0.3 : 0);
      if (prof.rate.n >= 3) scores.push(zToScore(zScore(prof.rate, prof.count)));
    }
    if (isRead(e)) {
      prof.readCount++;
      if (warmed && prof.reads.n >= 3) {
        const z = zScore(prof.reads, prof.readCount, 2);
        scores.push(zToScore(z));
        if (z >= 6 && prof.readCount >= 20 && prof.readAlerted !== hour) {
          prof.readAlerted = hour;
          sig.readRateHigh = true;
        }
      }
    }
    const instrument = instrumentOf(e);
    if (isTradingChange(e) && instrument !== undefined) {
      const fresh = remember(prof.instruments, instrument, 256);
      if (fresh && prof.trades >= Math.max(5, Math.floor(s.warmupEvents / 5))) sig.newInstrument = true;
      prof.trades++;
    }
    if (e.action === "secrets.read" && e.outcome === "success") {
      const path = typeof e.details["path"] === "string" ? (e.details["path"] as string) : (e.resource ?? "");
      const r = state.secrets.touch(path) ?? { n: 0, readers: [] };
      const fresh = remember(r.readers, user, 64);
      if (fresh && r.n >= s.warmupEvents) sig.newSecretReader = true;
      r.n++;
      state.secrets.set(path, r);
    }
  }
  if (isOrder(e)) {
    const key = strategyOf(e) ?? instrumentOf(e);
    if (key !== undefined) {
      let a = state.assets.touch(key);
      if (!a) {
        a = { first: atMs, n: 0, rate: newEwma(), size: newEwma(), bucket: hour, count: 0, alerted: -1 };
        state.assets.set(key, a);
      }
      const asset = a;
      rollHour(asset, hour, () => updateEwmaRobust(asset.rate, asset.count, ALPHA, 4, 2));
      asset.count++;
      const warmed = warm(asset.first, asset.n);
      if (warmed && asset.rate.n >= 3) {
        const z = zScore(asset.rate, asset.count, 2);
        scores.push(zToScore(z));
        if (z >= 6 && asset.count >= 10 && asset.alerted !== hour) {
          asset.alerted = hour;
          sig.orderRateHigh = true;
        }
      }
      const qty = Math.abs(Number(e.details["quantity"] ?? Number.NaN));
      if (Number.isFinite(qty)) {
        if (warmed && asset.size.n >= 10) {
          const z = zScore(asset.size, qty, 1);
          scores.push(zToScore(z));
          if (z >= 8 && qty >= 3 * Math.max(1, asset.size.mean)) sig.orderSizeHigh = true;
        }
        updateEwmaRobust(asset.size, qty, ALPHA, 6, 1);
      }
      asset.n++;
    }
  }
  sig.anomaly = combine(scores);
  return sig;
}

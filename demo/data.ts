// Synthetic, deterministic futures data for the demo dashboard: an instrument catalogue
// and the read-only reports (capital, costs, forex, liquidity, P&L, processes, reconcile,
// risk, trades) in the JSON shapes pysystemtrade's dashboard/app.py returns. Everything is
// generated once from a seed at start; no randomness or wall clock is used per request.

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
export type JsonObject = { readonly [key: string]: Json };

/** The date the synthetic book is "as of": a Friday close, fixed so output never depends on the clock. */
export const AS_OF = Date.UTC(2025, 5, 13, 21, 0, 0);
const DAY_MS = 86_400_000;

export interface InstrumentSpec {
  readonly code: string;
  readonly sector: string;
  readonly currency: string;
  /** Latest price of the priced contract. */
  readonly price: number;
  /** Value of one price point in the instrument's currency (pysystemtrade's point_size). */
  readonly pointSize: number;
  /** Annualised standard deviation of returns, in percent. */
  readonly annualVolPerc: number;
  /** Months in which the held contracts expire (pysystemtrade's HoldRollCycle). */
  readonly holdCycle: readonly number[];
  /** Day of the month a contract expires on (approximate, for days-to-expiry). */
  readonly expiryDay: number;
  /** Days before expiry that pysystemtrade would roll (RollOffsetDays, negative). */
  readonly rollOffsetDays: number;
  readonly decimals: number;
}

// A cross-section of the markets pysystemtrade users commonly trade.
export const INSTRUMENTS: readonly InstrumentSpec[] = [
  spec("SOFR", "STIR", "USD", 95.865, 2500, 0.9, [3, 6, 9, 12], 17, -5, 3),
  spec("US10", "Bond", "USD", 110.53, 1000, 6.1, [3, 6, 9, 12], 19, -5, 3),
  spec("BUND", "Bond", "EUR", 130.94, 1000, 7.2, [3, 6, 9, 12], 8, -5, 2),
  spec("EUROSTX", "Equity", "EUR", 5283, 10, 16.5, [3, 6, 9, 12], 20, -5, 0),
  spec("SP500_micro", "Equity", "USD", 6012.25, 5, 15.2, [3, 6, 9, 12], 20, -5, 2),
  spec("GOLD", "Metals", "USD", 3421.8, 100, 15.8, [2, 4, 6, 8, 10, 12], 26, -30, 1),
  spec("COPPER", "Metals", "USD", 4.8315, 25000, 21.7, [3, 5, 7, 9, 12], 27, -30, 4),
  spec("CRUDE_W", "Energy", "USD", 72.98, 1000, 34.5, [12], 19, -40, 2),
  spec("CORN", "Ags", "USD", 442.25, 50, 21.9, [3, 5, 7, 9, 12], 14, -25, 2),
  spec("VIX", "Vol", "USD", 18.625, 1000, 82.0, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], 18, -10, 3),
  spec("EUR", "FX", "USD", 1.1578, 125000, 8.1, [3, 6, 9, 12], 16, -5, 5),
  spec("JPY", "FX", "USD", 0.006951, 12500000, 10.3, [3, 6, 9, 12], 16, -5, 7),
];

function spec(
  code: string,
  sector: string,
  currency: string,
  price: number,
  pointSize: number,
  annualVolPerc: number,
  holdCycle: readonly number[],
  expiryDay: number,
  rollOffsetDays: number,
  decimals: number,
): InstrumentSpec {
  return {
    code,
    sector,
    currency,
    price,
    pointSize,
    annualVolPerc,
    holdCycle,
    expiryDay,
    rollOffsetDays,
    decimals,
  };
}

export const STRATEGIES = ["medium_speed_TF_carry", "fast_mr"] as const;

/** A small, fast, seeded PRNG (mulberry32): good enough for plausible numbers, never for secrets. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** pysystemtrade contract ids are YYYYMM00 for monthly contracts. */
export function contractId(year: number, month: number): string {
  return `${year}${String(month).padStart(2, "0")}00`;
}

export function parseContractId(id: string): { year: number; month: number } {
  return { year: Number(id.slice(0, 4)), month: Number(id.slice(4, 6)) };
}

/** The next held contract after `id` in the instrument's hold cycle. */
export function nextContract(instrument: InstrumentSpec, id: string): string {
  const { year, month } = parseContractId(id);
  const later = instrument.holdCycle.find((m) => m > month);
  return later === undefined
    ? contractId(year + 1, instrument.holdCycle[0] ?? month)
    : contractId(year, later);
}

/** The first held contract that has not expired on AS_OF. */
export function frontContract(instrument: InstrumentSpec): string {
  const asOf = new Date(AS_OF);
  let id = contractId(asOf.getUTCFullYear(), 0);
  do id = nextContract(instrument, id);
  while (daysUntilExpiry(instrument, id) < 0);
  return id;
}

export function daysUntilExpiry(instrument: InstrumentSpec, id: string): number {
  const { year, month } = parseContractId(id);
  return Math.round((Date.UTC(year, month - 1, instrument.expiryDay, 21) - AS_OF) / DAY_MS);
}

/** Pandas' ISO date format (to_json date_format="iso") for naive timestamps. */
export function isoPandas(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "");
}

/** Python's str() of a pandas Timestamp. */
export function strPandas(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace("T", " ");
}

/** The last `n` business-day closes up to AS_OF, oldest first. */
export function businessCloses(n: number): number[] {
  const out: number[] = [];
  for (let t = AS_OF; out.length < n; t -= DAY_MS) {
    const day = new Date(t).getUTCDay();
    if (day !== 0 && day !== 6) out.unshift(t);
  }
  return out;
}

export interface DemoReports {
  readonly capital: JsonObject;
  readonly costs: JsonObject;
  readonly forex: JsonObject;
  readonly liquidity: JsonObject;
  readonly pandl: JsonObject;
  readonly processes: JsonObject;
  readonly reconcile: JsonObject;
  readonly risk: JsonObject;
  readonly trades: JsonObject;
  readonly strategy: JsonObject;
}

/** Builds every read-only report from `seed`, given the positions in each priced contract. */
export function buildReports(
  seed: number,
  positions: ReadonlyMap<string, number>,
  contracts: ReadonlyMap<string, string>,
): DemoReports {
  const rnd = createRandom(seed ^ 0x5eed);
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
  const capitalNow = round(between(950_000, 1_150_000), 2);
  const capitalYesterday = round(capitalNow * (1 + between(-0.012, 0.012)), 2);

  const srCosts: Array<[string, JsonObject]> = [];
  const slippage: Array<[string, JsonObject & { Difference: number }]> = [];
  const liquidity: Record<string, Json> = {};
  const instrumentPandl: JsonObject[] = [];
  const sectorPandl = new Map<string, number>();
  const instrumentRisk: Record<string, Json> = {};

  for (const inst of INSTRUMENTS) {
    const percentageCost = between(0.00002, 0.0009);
    const annualVol = inst.annualVolPerc / 100;
    srCosts.push([
      inst.code,
      {
        percentage_cost: round(percentageCost, 6),
        avg_annual_vol_perc: round(annualVol, 4),
        SR_cost: round((2 * percentageCost) / annualVol, 5),
      },
    ]);

    const tick = 10 ** -inst.decimals;
    const configured = round(tick * between(0.5, 2), inst.decimals + 2);
    const traded = rnd() > 0.3;
    const bidAskTrades = traded ? round(configured * between(0.6, 1.6), inst.decimals + 3) : null;
    const totalTrades =
      bidAskTrades === null ? null : round(bidAskTrades * between(0.8, 1.5), inst.decimals + 3);
    const sampled = round(configured * between(0.7, 1.3), inst.decimals + 3);
    const weightTrades = traded ? round(between(0.1, 0.5), 2) : 0;
    const weightSamples = round((1 - weightTrades) * between(0.5, 0.8), 2);
    const weightConfig = round(1 - weightTrades - weightSamples, 2);
    const estimate = round(
      (totalTrades ?? 0) * weightTrades + sampled * weightSamples + configured * weightConfig,
      inst.decimals + 3,
    );
    slippage.push([
      inst.code,
      {
        bid_ask_trades: bidAskTrades,
        total_trades: totalTrades,
        bid_ask_sampled: sampled,
        weight_trades: weightTrades,
        weight_samples: weightSamples,
        weight_config: weightConfig,
        estimate,
        Configured: configured,
        Difference: round((100 * (estimate - configured)) / configured, 1),
      },
    ]);

    const dailyPriceStdev = (inst.price * annualVol) / 16;
    const dailyRiskPerContract = dailyPriceStdev * inst.pointSize;
    const contractsTraded = Math.round(between(40, 250_000));
    liquidity[inst.code] = {
      contracts: contractsTraded,
      risk: round((contractsTraded * dailyRiskPerContract) / 1_000_000, 3),
    };

    const pandl = round(between(-0.6, 0.8), 4);
    instrumentPandl.push({ codes: inst.code, pandl });
    sectorPandl.set(inst.sector, round((sectorPandl.get(inst.sector) ?? 0) + pandl, 4));

    const position = positions.get(inst.code) ?? 0;
    const exposure = inst.price * inst.pointSize;
    instrumentRisk[inst.code] = {
      daily_price_stdev: round(dailyPriceStdev, 4),
      annual_price_stdev: round(dailyPriceStdev * 16, 4),
      price: inst.price,
      daily_perc_stdev: round(inst.annualVolPerc / 16, 3),
      annual_perc_stdev: inst.annualVolPerc,
      point_size_base: inst.pointSize,
      contract_exposure: round(exposure, 2),
      daily_risk_per_contract: round(dailyRiskPerContract, 2),
      annual_risk_per_contract: round(dailyRiskPerContract * 16, 2),
      position,
      capital: capitalNow,
      exposure_held_perc_capital: round((100 * exposure * position) / capitalNow, 2),
      annual_risk_perc_capital: round((100 * dailyRiskPerContract * 16 * position) / capitalNow, 2),
    };
  }

  srCosts.sort((a, b) => Number(b[1]["SR_cost"]) - Number(a[1]["SR_cost"]));
  slippage.sort((a, b) => b[1].Difference - a[1].Difference);

  const correlations: Record<string, Json> = {};
  const codes = INSTRUMENTS.map((i) => i.code);
  const corr = new Map<string, number>();
  for (const a of codes) {
    const row: Record<string, Json> = {};
    for (const b of codes) {
      const key = [a, b].sort().join("|");
      if (!corr.has(key)) corr.set(key, a === b ? 1 : round(between(-0.45, 0.75), 3));
      row[b] = corr.get(key) ?? 0;
    }
    correlations[a] = row;
  }

  const strategyPandl = STRATEGIES.map((s) => ({ codes: s, pandl: round(between(-0.5, 0.9), 4) }));
  const closes = businessCloses(3);
  const lastClose = closes[closes.length - 1] ?? AS_OF;

  return {
    capital: { now: capitalNow, yesterday: capitalYesterday },
    costs: {
      table_of_SR_costs: Object.fromEntries(srCosts),
      slippage: Object.fromEntries(slippage),
    },
    forex: {
      EUR: round(between(-5_000, 25_000), 2),
      GBP: round(between(1_000, 15_000), 2),
      JPY: round(between(-900_000, 900_000), 0),
      USD: round(between(600_000, 900_000), 2),
    },
    liquidity,
    pandl: {
      pandl_for_instruments_across_strategies: [...instrumentPandl].sort(
        (a, b) => Number(b["pandl"]) - Number(a["pandl"]),
      ),
      strategies: [...strategyPandl, { codes: "residual", pandl: round(between(-0.05, 0.05), 4) }],
      sector_pandl: [...sectorPandl].map(([codes, pandl]) => ({ codes, pandl })),
    },
    processes: buildProcesses(rnd, lastClose),
    reconcile: buildReconcile(rnd, positions, contracts),
    risk: {
      correlations,
      strategy_risk: Object.fromEntries(STRATEGIES.map((s) => [s, { risk: round(between(12, 28), 2) }])),
      instrument_risk: instrumentRisk,
    },
    trades: buildTrades(rnd, contracts),
    strategy: {},
  };
}

const PROCESS_NAMES = [
  "run_stack_handler",
  "run_capital_update",
  "run_daily_prices_updates",
  "run_systems",
  "run_strategy_order_generator",
  "run_cleaners",
  "run_backups",
  "run_reports",
] as const;

function buildProcesses(rnd: () => number, lastClose: number): JsonObject {
  const process: Record<string, Json> = {};
  let previous = "None";
  PROCESS_NAMES.forEach((name, i) => {
    const longRunning = name === "run_stack_handler" || name === "run_capital_update";
    const start = lastClose - DAY_MS + (i + 1) * 1_800_000;
    const end = start + Math.round(600_000 + rnd() * 3_000_000);
    process[name] = {
      previous_process: longRunning ? "None" : previous,
      prev_process: longRunning ? "None" : previous,
      start_time: longRunning
        ? "00:01"
        : `${String(19 + Math.floor(i / 2)).padStart(2, "0")}:${i % 2 ? "30" : "00"}`,
      end_time: "23:50",
      max_executions: name === "run_systems" || name === "run_strategy_order_generator" ? 1 : 0,
      status: "GO",
      running: longRunning ? "running" : "not running",
      PID: longRunning ? 41_000 + Math.floor(rnd() * 8_000) : null,
      start: isoPandas(start),
      end: longRunning ? null : isoPandas(end),
    };
    if (!longRunning) previous = name;
  });

  const price: Record<string, Json> = {};
  const updates = [...INSTRUMENTS.map((inst) => inst.code), "EURUSD", "GBPUSD", "USDJPY"].map((name) => ({
    name,
    last_update: isoPandas(lastClose - Math.floor(rnd() * 6) * 600_000),
  }));
  updates.sort((a, b) => a.last_update.localeCompare(b.last_update));
  updates.forEach((u, i) => {
    price[String(i)] = { index: i, name: u.name, last_update: u.last_update };
  });

  return {
    config: {
      monitor: "trader@127.0.0.1",
      mongo: "127.0.0.1:27017 - production",
      ib: "127.0.0.1:4002",
    },
    process,
    price,
  };
}

function buildReconcile(
  rnd: () => number,
  positions: ReadonlyMap<string, number>,
  contracts: ReadonlyMap<string, string>,
): JsonObject {
  const optimal: Record<string, Json> = {};
  const ib: Record<string, Json> = {};
  const my: Record<string, Json> = {};
  for (const inst of INSTRUMENTS) {
    const position = positions.get(inst.code) ?? 0;
    const target = position + (rnd() - 0.5) * 1.6;
    const breaks = Math.abs(target - position) > 0.75;
    optimal[`${STRATEGIES[0]} ${inst.code}`] = {
      current: position,
      optimal: String(round(target, 3)),
      breaks,
    };
    const contract = contracts.get(inst.code) ?? "";
    if (position !== 0) {
      // pandas writes a MultiIndex row key (instrument_code, contract_date) as a Python tuple string.
      const key = `('${inst.code}', '${contract}')`;
      const row = { instrument_code: inst.code, contract_date: contract, position };
      ib[key] = row;
      my[key] = row;
    }
  }
  return { gateway_ok: true, optimal, ib, my };
}

function buildTrades(rnd: () => number, contracts: ReadonlyMap<string, string>): JsonObject {
  const overview: Record<string, Json> = {};
  const delays: Record<string, Json> = {};
  const raw: Record<string, Json> = {};
  const vol: Record<string, Json> = {};
  const cash: Record<string, Json> = {};
  const closes = businessCloses(2);
  const day = closes[0] ?? AS_OF;
  const traded = INSTRUMENTS.filter((_, i) => i % 2 === 0);
  traded.forEach((inst, i) => {
    const id = String(58_210 + i * 7);
    const strategy = STRATEGIES[i % STRATEGIES.length] ?? STRATEGIES[0];
    const trade = (rnd() > 0.5 ? 1 : -1) * (1 + Math.floor(rnd() * 3));
    const generated = day - 7 * 3_600_000 + i * 900_000;
    const submitted = generated + Math.round(30_000 + rnd() * 600_000);
    const filled = submitted + Math.round(500 + rnd() * 90_000);
    const tick = 10 ** -inst.decimals;
    const mid = round(inst.price * (1 + (rnd() - 0.5) * 0.004), inst.decimals);
    const side = round(mid + (Math.sign(trade) * tick) / 2, inst.decimals + 1);
    const fill = round(side + Math.sign(trade) * tick * Math.floor(rnd() * 2), inst.decimals + 1);
    const parentRef = round(mid - Math.sign(trade) * tick * Math.floor(rnd() * 4), inst.decimals);
    const delay = round(Math.sign(trade) * (parentRef - mid), inst.decimals + 2);
    const bidAsk = round(-Math.abs(side - mid), inst.decimals + 2);
    const execution = round(-Math.sign(trade) * (fill - side), inst.decimals + 2);
    const total = round(delay + bidAsk + execution, inst.decimals + 2);
    const dailyVolPoints = (inst.price * inst.annualVolPerc) / 100 / 16;
    const toVol = (x: number): number => round((x / (dailyVolPoints * 16)) * 100, 4);
    const toCash = (x: number): number => round(x * inst.pointSize * Math.abs(trade), 2);
    const contract = contracts.get(inst.code) ?? "";
    const base = { instrument_code: inst.code, strategy_name: strategy };

    overview[id] = {
      ...base,
      contract_date: { date_str: contract },
      fill_datetime: isoPandas(filled),
      fill: trade,
      filled_price: fill,
    };
    delays[id] = {
      ...base,
      parent_reference_datetime: isoPandas(generated),
      submit_datetime: isoPandas(submitted),
      fill_datetime: isoPandas(filled),
      submit_minus_generated: round((submitted - generated) / 1000, 1),
      filled_minus_submit: round((filled - submitted) / 1000, 1),
    };
    raw[id] = {
      ...base,
      trade,
      parent_reference_price: parentRef,
      parent_limit_price: parentRef,
      mid_price: mid,
      side_price: side,
      limit_price: side,
      filled_price: fill,
      delay,
      bid_ask: bidAsk,
      execution,
      versus_limit: execution,
      versus_parent_limit: round(-Math.sign(trade) * (fill - parentRef), inst.decimals + 2),
      total_trading: total,
    };
    vol[id] = {
      ...base,
      trade,
      last_annual_vol: round(dailyVolPoints * 16, 4),
      delay_vol: toVol(delay),
      bid_ask_vol: toVol(bidAsk),
      execution_vol: toVol(execution),
      versus_limit_vol: toVol(execution),
      versus_parent_limit_vol: toVol(-Math.sign(trade) * (fill - parentRef)),
      total_trading_vol: toVol(total),
    };
    cash[id] = {
      ...base,
      trade,
      value_of_price_point: inst.pointSize,
      delay_cash: toCash(delay),
      bid_ask_cash: toCash(bidAsk),
      execution_cash: toCash(execution),
      versus_limit_cash: toCash(execution),
      versus_parent_limit_cash: toCash(-Math.sign(trade) * (fill - parentRef)),
      total_trading_cash: toCash(total),
    };
  });
  return { overview, delays, raw_slippage: raw, vol_slippage: vol, cash_slippage: cash };
}

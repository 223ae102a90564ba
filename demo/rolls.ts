// The demo dashboard's in-memory roll book: per instrument, the roll state, priced and
// forward contracts, positions and recent prices. It renders GET /rolls and answers
// POST /rolls the way dashboard/app.py does (rolls, rolls_post), including the
// adjusted-price preview returned for an unconfirmed Roll_Adjusted.

import {
  AS_OF,
  businessCloses,
  createRandom,
  daysUntilExpiry,
  frontContract,
  INSTRUMENTS,
  type InstrumentSpec,
  type Json,
  type JsonObject,
  nextContract,
  round,
  strPandas,
} from "./data.js";
import { allowableRollStates, DEFAULT_ROLL_STATE, isRollState, type RollState } from "./roll-state.js";

/** app.py shows this many recent rows of prices when asking to confirm a Roll_Adjusted. */
const ROWS_TO_RETURN = 6;

interface MultiplePriceRow {
  readonly at: number;
  readonly price: number;
  readonly priceContract: string;
  readonly forward: number;
  readonly forwardContract: string;
  readonly carry: number;
  readonly carryContract: string;
}

interface RollEntry {
  readonly instrument: InstrumentSpec;
  status: RollState;
  contractPriced: string;
  contractFwd: string;
  positionPriced: number;
  positionFwd: number;
  relativeVolumeFwd: number;
  contractVolumeFwd: number;
  /** Forward price relative to priced price (contango > 0). */
  readonly basis: number;
  history: MultiplePriceRow[];
}

export type RollChangeResult =
  | { readonly ok: true; readonly body: JsonObject }
  | { readonly ok: false; readonly code: RollChangeErrorCode; readonly message: string };

export type RollChangeErrorCode = "UNKNOWN_INSTRUMENT" | "UNKNOWN_ROLL_STATE" | "ROLL_STATE_NOT_ALLOWED";

export interface RollBook {
  /** GET /rolls: the roll report, sorted by days to roll, each with its allowable states. */
  report(): JsonObject;
  /** POST /rolls once the form fields are present. */
  change(instrument: string, state: string, confirmed: string): RollChangeResult;
  /** Positions in each priced contract and the contract ids, for the other reports. */
  pricedPositions(): ReadonlyMap<string, number>;
  pricedContracts(): ReadonlyMap<string, string>;
}

export function createRollBook(seed: number): RollBook {
  const rnd = createRandom(seed);
  const between = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
  const entries = new Map<string, RollEntry>();
  const closes = businessCloses(ROWS_TO_RETURN + 2);

  for (const instrument of INSTRUMENTS) {
    const contractPriced = frontContract(instrument);
    const contractFwd = nextContract(instrument, contractPriced);
    const rollExpiry = daysUntilExpiry(instrument, contractPriced) + instrument.rollOffsetDays;
    const positionPriced = rnd() < 0.35 ? 0 : (rnd() < 0.5 ? -1 : 1) * (1 + Math.floor(rnd() * 5));
    const nearRoll = rollExpiry < 15;
    const relativeVolumeFwd = round(nearRoll ? between(0.4, 1.8) : between(0.01, 0.3), 3);
    const basis = between(-0.004, 0.006);
    const dailyVol = instrument.annualVolPerc / 100 / 16;

    // Walk backwards from the latest price so the newest close is the catalogue price.
    const prices: number[] = [instrument.price];
    for (let i = 1; i < closes.length; i++) {
      const prev = prices[0] ?? instrument.price;
      prices.unshift(round(prev / (1 + dailyVol * (rnd() * 2 - 1)), instrument.decimals));
    }
    const history = closes.map((at, i): MultiplePriceRow => {
      const price = prices[i] ?? instrument.price;
      return {
        at,
        price,
        priceContract: contractPriced,
        forward: round(price * (1 + basis), instrument.decimals),
        forwardContract: contractFwd,
        carry: round(price * (1 + basis), instrument.decimals),
        carryContract: contractFwd,
      };
    });

    entries.set(instrument.code, {
      instrument,
      status: rollExpiry < 10 ? "Passive" : "No_Roll",
      contractPriced,
      contractFwd,
      positionPriced,
      positionFwd: 0,
      relativeVolumeFwd,
      contractVolumeFwd: Math.round(relativeVolumeFwd * between(2_000, 150_000)),
      basis,
      history,
    });
  }

  const rollExpiry = (e: RollEntry): number =>
    daysUntilExpiry(e.instrument, e.contractPriced) + e.instrument.rollOffsetDays;

  return {
    report() {
      const sorted = [...entries.values()].sort((a, b) => rollExpiry(a) - rollExpiry(b));
      return Object.fromEntries(
        sorted.map((e) => [
          e.instrument.code,
          {
            status: e.status,
            roll_expiry: rollExpiry(e),
            price_expiry: daysUntilExpiry(e.instrument, e.contractPriced),
            carry_expiry: daysUntilExpiry(e.instrument, e.contractFwd),
            contract_priced: e.contractPriced,
            contract_fwd: e.contractFwd,
            position_priced: e.positionPriced,
            relative_volume_fwd: e.relativeVolumeFwd,
            contract_volume_fwd: e.contractVolumeFwd,
            allowable: [...allowableRollStates(e.status, e.positionPriced)],
          },
        ]),
      );
    },

    change(instrument, state, confirmed) {
      if (!isRollState(state)) {
        return {
          ok: false,
          code: "UNKNOWN_ROLL_STATE",
          message: `unknown roll state: ${JSON.stringify(state)}`,
        };
      }
      const entry = entries.get(instrument);
      if (entry === undefined) {
        return {
          ok: false,
          code: "UNKNOWN_INSTRUMENT",
          message: `unknown instrument: ${JSON.stringify(instrument)}`,
        };
      }
      const allowable = allowableRollStates(entry.status, entry.positionPriced);
      if (!allowable.includes(state)) {
        return {
          ok: false,
          code: "ROLL_STATE_NOT_ALLOWED",
          message: `${instrument} cannot move from ${entry.status} to ${state} with position ${entry.positionPriced} in the priced contract; allowed: ${allowable.join(", ")}`,
        };
      }
      // app.py sends back the old and new prices for checking unless the roll is confirmed.
      if (state === "Roll_Adjusted" && confirmed !== "true") {
        return { ok: true, body: previewRollAdjusted(entry) };
      }
      if (state === "Roll_Adjusted") {
        rollAdjustedPrices(entry);
        // A successful roll returns the instrument to the default state (modify_roll_state).
        entry.status = DEFAULT_ROLL_STATE;
      } else {
        entry.status = state;
      }
      return {
        ok: true,
        body: { new_state: state, allowable: [...allowableRollStates(entry.status, entry.positionPriced)] },
      };
    },

    pricedPositions() {
      return new Map([...entries].map(([code, e]) => [code, e.positionPriced]));
    },

    pricedContracts() {
      return new Map([...entries].map(([code, e]) => [code, e.contractPriced]));
    },
  };
}

/** The multiple-prices row pysystemtrade adds when rolling: the old forward becomes the priced contract. */
function rolledRow(entry: RollEntry): MultiplePriceRow {
  const last = entry.history[entry.history.length - 1];
  const at = (last?.at ?? AS_OF) + 1000;
  const price = last?.forward ?? entry.instrument.price;
  const newForward = nextContract(entry.instrument, entry.contractFwd);
  const forward = round(price * (1 + entry.basis), entry.instrument.decimals);
  return {
    at,
    price,
    priceContract: entry.contractFwd,
    forward,
    forwardContract: newForward,
    carry: forward,
    carryContract: newForward,
  };
}

function multipleAsStrings(row: MultiplePriceRow): JsonObject {
  // app.py stringifies every value because the frames can hold NaN, which is not JSON.
  return {
    PRICE: String(row.price),
    PRICE_CONTRACT: row.priceContract,
    FORWARD: String(row.forward),
    FORWARD_CONTRACT: row.forwardContract,
    CARRY: String(row.carry),
    CARRY_CONTRACT: row.carryContract,
  };
}

function previewRollAdjusted(entry: RollEntry): JsonObject {
  const current = entry.history.slice(-ROWS_TO_RETURN);
  const last = current[current.length - 1];
  const rolled = rolledRow(entry);
  // Panama stitching: history shifts by the gap between the forward and priced prices.
  const shift = last === undefined ? 0 : last.forward - last.price;
  const single: Record<string, Json> = {};
  const multiple: Record<string, Json> = {};
  for (const row of current) {
    const key = strPandas(row.at);
    single[key] = { current: round(row.price, 2), new: round(row.price + shift, 2) };
    multiple[key] = { current: multipleAsStrings(row), new: multipleAsStrings(row) };
  }
  const newKey = strPandas(rolled.at);
  single[newKey] = { new: round(rolled.price, 2) };
  multiple[newKey] = { new: multipleAsStrings(rolled) };
  return { single, multiple };
}

function rollAdjustedPrices(entry: RollEntry): void {
  const rolled = rolledRow(entry);
  entry.history = [...entry.history, rolled];
  entry.contractPriced = rolled.priceContract;
  entry.contractFwd = rolled.forwardContract;
  entry.positionPriced = entry.positionFwd;
  entry.positionFwd = 0;
  entry.relativeVolumeFwd = round(entry.relativeVolumeFwd / 10, 3);
  entry.contractVolumeFwd = Math.round(entry.contractVolumeFwd / 10);
}

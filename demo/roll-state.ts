// Roll states and their allowed transitions, as pysystemtrade defines them in
// sysobjects/production/roll_state.py (RollState enum and the transition matrix in
// allowable_roll_state_from_current_and_position). The demo dashboard uses this table to
// offer and to check roll-state changes exactly as the real system would.

/** RollState names, in pysystemtrade's enum order. */
export const ROLL_STATES = [
  "No_Roll",
  "Passive",
  "Force",
  "Force_Outright",
  "Roll_Adjusted",
  "Close",
] as const;

export type RollState = (typeof ROLL_STATES)[number];

/** The state pysystemtrade returns to after a successful Roll_Adjusted (default_state). */
export const DEFAULT_ROLL_STATE: RollState = "No_Roll";

// Keyed by state name plus 0 (no position in the priced contract) or 1 (a position);
// the first option in each list is the one pysystemtrade recommends.
const ALLOWED_TRANSITIONS: Readonly<Record<`${RollState}${0 | 1}`, readonly RollState[]>> = {
  No_Roll0: ["Roll_Adjusted", "Passive", "No_Roll"],
  No_Roll1: ["Passive", "Force", "Force_Outright", "No_Roll", "Close"],
  Passive0: ["Roll_Adjusted", "Passive", "No_Roll"],
  Passive1: ["Force", "Force_Outright", "Passive", "No_Roll", "Close"],
  Force0: ["Roll_Adjusted", "Passive"],
  Force1: ["Force", "Force_Outright", "Passive", "No_Roll", "Close"],
  Force_Outright0: ["Roll_Adjusted", "Passive"],
  Force_Outright1: ["Force", "Force_Outright", "Passive", "No_Roll", "Close"],
  Close0: ["Roll_Adjusted", "Passive"],
  Close1: ["Close", "Force", "Force_Outright", "Passive", "No_Roll"],
  Roll_Adjusted0: ["No_Roll"],
  Roll_Adjusted1: ["Roll_Adjusted"],
};

export function isRollState(value: string): value is RollState {
  return (ROLL_STATES as readonly string[]).includes(value);
}

/** The states an operator may move to from `current`, given the position held in the priced contract. */
export function allowableRollStates(current: RollState, pricedPosition: number): readonly RollState[] {
  const flag = pricedPosition === 0 ? 0 : 1;
  return ALLOWED_TRANSITIONS[`${current}${flag}`];
}

/** Force and Force_Outright make the stack handler place roll trades (is_forced_roll_state). */
export function isForcedRollState(state: RollState): boolean {
  return state === "Force" || state === "Force_Outright";
}

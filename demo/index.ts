// The bundled demo dashboard: a stand-in for pysystemtrade's Flask dashboard so Rampart
// can be tried, and tested end to end, without a trading system.

export {
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RECORD_LIMIT,
  DEFAULT_SEED,
  type DemoDashboard,
  type DemoDashboardOptions,
  type ReceivedRequest,
  startDemoDashboard,
} from "./dashboard.js";
export { isRollState, ROLL_STATES, type RollState } from "./roll-state.js";

// The kernel: what every module may use. Nothing here depends on anything else in src/.

export type { Clock } from "./clock.js";
export { ManualClock, systemClock } from "./clock.js";
export type { RampartErrorOptions } from "./errors.js";
export { isRampartError, RampartError, UsageError } from "./errors.js";
export type { LogFn, Logger } from "./logger.js";
export { silentLogger } from "./logger.js";
export type { Brand, DatabaseDialect, KeyVersion, LedgerIndex, Result, SessionId, UserId } from "./types.js";
export { err, ok } from "./types.js";
export { VERSION } from "./version.js";

// Detection: the ledger consumed as a stream — rules (built-in and configured), behavioural
// baselines with anomaly scores, trading surveillance — raising Detections for src/response.

export type { AssetProfile, PrincipalProfile, Signals } from "./baselines.js";
export type { ConsumerStats, DetectionSink, StreamConsumerOptions } from "./consumer.js";
export { StreamConsumer, toStreamEvent, unreadableEntry } from "./consumer.js";
export type { EngineOptions, EngineResult } from "./engine.js";
export { DetectionEngine } from "./engine.js";
export { invalidRules } from "./errors.js";
export { fieldOf, instrumentOf, matches, strategyOf } from "./fields.js";
export { parseRules } from "./parse-rules.js";
export type { ConsumerState, DetectionStore, LedgerReader } from "./ports.js";
export type { ReplayResult } from "./replay.js";
export { indexAtTime, replayDetections } from "./replay.js";
export type { RuleSpec, Selection } from "./rules.js";
export { builtinRules, compileRule } from "./rules.js";
export type {
  DetectionConfigSection,
  DetectionSettings,
  MatchValue,
  RuleConfig,
  TradingHours,
  WindowMode,
} from "./settings.js";
export { DEFAULT_DETECTION, detectionSettings, detectionSettingsFromConfig } from "./settings.js";
export { localTime, withinTradingHours } from "./trading-hours.js";
export type { Assessment, Detection, DetectionContext, Severity, StreamEvent, ThreatLevel } from "./types.js";
export { THREAT_LEVELS, threatLevelOf } from "./types.js";
export type { VerifyOutcome } from "./verify-watch.js";
export { verifyLedgerAndRecord, watchLedgerIntegrity } from "./verify-watch.js";

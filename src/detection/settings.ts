// Detection settings: the validated `detection:` config section turned into the engine's own
// shape, with the seed's incident-type thresholds (incident_types.*.escalation_threshold) as the
// built-in rules' thresholds.
import { defaultConfig } from "../config/index.js";
import type { Severity } from "./types.js";

export type WindowMode = "sliding" | "leaky";
export type MatchValue = string | number | boolean | null | readonly (string | number | boolean | null)[];

/** A declarative rule from config `detection.rules`. */
export interface RuleConfig {
  readonly name: string;
  readonly type: string;
  /** Field path (`action`, `outcome`, `details.reason`, `method`, `path`) → value, glob (`*`) or list. */
  readonly match: Readonly<Record<string, MatchValue>>;
  /** Field paths whose values form the grouping key (and the incident subject). */
  readonly group_by: readonly string[];
  readonly window_s: number;
  readonly threshold: number;
  readonly mode?: WindowMode | undefined;
  /** Count distinct values of this field instead of events (spraying-style rules). */
  readonly distinct?: string | undefined;
  readonly severity?: Severity | undefined;
}

export interface TradingHours {
  /** IANA time zone, e.g. "Europe/London". */
  readonly timezone: string;
  /** ISO weekdays 1 (Monday) .. 7 (Sunday) on which trading actions are expected. */
  readonly days: readonly number[];
  /** "HH:MM" local, inclusive start and exclusive end. */
  readonly start: string;
  readonly end: string;
}

export interface DetectionSettings {
  readonly rules: readonly RuleConfig[];
  /** Built-in rule names to switch off. */
  readonly disabledRules: readonly string[];
  readonly tradingHours: TradingHours;
  /** A baseline scores only after this many events and this much history. */
  readonly warmupEvents: number;
  readonly warmupHours: number;
  readonly pollMs: number;
  readonly batchSize: number;
  /** `details.via` values under which a role change counts as approved. */
  readonly roleChangeVia: readonly string[];
  /** Detections of one type and subject within this window join one incident. */
  readonly groupWindowMs: number;
  /** Incident type → escalation threshold (the seed's), for built-in rule thresholds. */
  readonly thresholds: Readonly<Record<string, number>>;
  /** Most keys held per state map (bounded memory); least recently used go first. */
  readonly maxKeys: number;
  /** Full ledger verification interval (0: off). */
  readonly verifyIntervalMs: number;
}

export interface DetectionConfigSection {
  readonly rules: readonly RuleConfig[];
  readonly disabled_rules: readonly string[];
  readonly trading_hours: TradingHours;
  readonly warmup: { readonly events: number; readonly hours: number };
  readonly stream: { readonly poll_ms: number; readonly batch: number };
  readonly role_change_via: readonly string[];
  readonly group_window_s: number;
  readonly max_keys: number;
  readonly verify_interval_s: number;
}

/** The seed's detection defaults, from the one place they are written (src/config/defaults-config.ts). */
export const DEFAULT_DETECTION: DetectionConfigSection = defaultConfig()[
  "detection"
] as DetectionConfigSection;

export function detectionSettings(
  section: DetectionConfigSection | undefined,
  incidentTypes: Readonly<Record<string, { readonly escalation_threshold: number }>>,
): DetectionSettings {
  const s = section ?? DEFAULT_DETECTION;
  const thresholds: Record<string, number> = {};
  for (const [k, v] of Object.entries(incidentTypes)) thresholds[k] = v.escalation_threshold;
  return {
    rules: s.rules,
    disabledRules: s.disabled_rules,
    tradingHours: s.trading_hours,
    warmupEvents: s.warmup.events,
    warmupHours: s.warmup.hours,
    pollMs: s.stream.poll_ms,
    batchSize: s.stream.batch,
    roleChangeVia: s.role_change_via,
    groupWindowMs: s.group_window_s * 1000,
    thresholds,
    maxKeys: s.max_keys,
    verifyIntervalMs: s.verify_interval_s * 1000,
  };
}

/** From the validated config (sections `detection` and `incident_types`). */
export function detectionSettingsFromConfig(config: {
  readonly detection: DetectionConfigSection;
  readonly incident_types: Readonly<Record<string, { readonly escalation_threshold: number }>>;
}): DetectionSettings {
  return detectionSettings(config.detection, config.incident_types);
}

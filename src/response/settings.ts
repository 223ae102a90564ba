// Response settings: the `response:` config section plus the seed's incident_types (severity,
// auto_response, escalation_threshold, containment_actions), which are the default playbooks.
import { defaultConfig } from "../config/index.js";
import type { Severity } from "../detection/index.js";
import type { AllowEntry } from "./blocklist.js";
import type { AlertChannel } from "./ports.js";
import { ACTIONS, type ActionName } from "./types.js";

export interface IncidentTypeConfig {
  readonly severity: Severity;
  readonly auto_response: readonly string[];
  readonly escalation_threshold: number;
  readonly containment_actions: readonly string[];
}

export interface ResponseConfigSection {
  readonly dry_run: boolean;
  readonly playbooks: Readonly<
    Record<string, { readonly actions: readonly string[]; readonly dry_run: boolean }>
  >;
  readonly action_timeout_s: number;
  readonly max_attempts: number;
  readonly retry_backoff_ms: number;
  readonly escalation_actions: readonly string[];
  readonly block: { readonly base_s: number; readonly max_s: number; readonly remember_s: number };
  readonly allow_list: ReadonlyArray<{
    readonly address: string;
    readonly expires: string;
    readonly note: string;
  }>;
  readonly notify: Readonly<Record<AlertChannel, { readonly url: string; readonly secret_env: string }>>;
  readonly evidence_dir: string;
}

/** The configured defaults (src/config), the one place the seed's response values live. */
export const DEFAULT_RESPONSE: ResponseConfigSection = defaultConfig()["response"] as ResponseConfigSection;

export interface Playbook {
  readonly type: string;
  readonly actions: readonly ActionName[];
  readonly dryRun: boolean;
}

export interface ResponseSettings {
  readonly incidentTypes: Readonly<Record<string, IncidentTypeConfig>>;
  readonly section: ResponseConfigSection;
  readonly groupWindowMs: number;
}

const FALLBACK: IncidentTypeConfig = {
  severity: "medium",
  auto_response: ["alert_security_team"],
  escalation_threshold: 3,
  containment_actions: [],
};

export function incidentType(s: ResponseSettings, type: string): IncidentTypeConfig {
  return s.incidentTypes[type] ?? FALLBACK;
}

const isAction = (a: string): a is ActionName => (ACTIONS as readonly string[]).includes(a);

/** The playbook of an incident type: response.playbooks.TYPE, else auto_response + containment_actions. */
export function playbookFor(s: ResponseSettings, type: string): Playbook {
  const own = s.section.playbooks[type];
  const t = incidentType(s, type);
  const names = own ? own.actions : [...t.auto_response, ...t.containment_actions];
  const actions = [...new Set(names.filter(isAction))];
  return { type, actions, dryRun: s.section.dry_run || own?.dry_run === true };
}

export function escalationActions(s: ResponseSettings): ActionName[] {
  return s.section.escalation_actions.filter(isAction);
}

export function allowEntries(s: ResponseConfigSection): AllowEntry[] {
  return s.allow_list.map((e) => ({
    address: e.address,
    expiresAt: e.expires === "" ? null : Date.parse(e.expires),
    note: e.note,
  }));
}

/** Action names in config that Rampart does not know (reported by `rampart config check`). */
export function unknownActions(s: ResponseSettings): string[] {
  const all = new Set<string>();
  for (const t of Object.values(s.incidentTypes))
    for (const a of [...t.auto_response, ...t.containment_actions]) all.add(a);
  for (const p of Object.values(s.section.playbooks)) for (const a of p.actions) all.add(a);
  for (const a of s.section.escalation_actions) all.add(a);
  return [...all].filter((a) => !isAction(a));
}

/** From the validated config (sections `response`, `incident_types`, `detection.group_window_s`). */
export function responseSettingsFromConfig(config: {
  readonly response: ResponseConfigSection;
  /** Severity is one of the four levels (the config schema checks it). */
  readonly incident_types: Readonly<
    Record<string, Omit<IncidentTypeConfig, "severity"> & { readonly severity: string }>
  >;
  readonly detection: { readonly group_window_s: number };
}): ResponseSettings {
  return {
    incidentTypes: config.incident_types as Readonly<Record<string, IncidentTypeConfig>>,
    section: config.response,
    groupWindowMs: config.detection.group_window_s * 1000,
  };
}

// What response needs from outside: incident storage (src/store/repos/detection.ts, or the
// in-memory store for replay and tests), and the small ports through which playbook actions reach
// other modules — trading controls, identity, alert channels, evidence bundles.
import type { ActionName, ActionRecord, EvidenceItem, Incident, IncidentStatus } from "./types.js";

export interface IncidentFilter {
  readonly status?: IncidentStatus | undefined;
  readonly type?: string | undefined;
  readonly open?: boolean | undefined;
  readonly limit: number;
}

export interface IncidentStore {
  /** The most recent incident of this type and subject that is not resolved or a false positive. */
  findOpen(type: string, subject: string): Promise<Incident | undefined>;
  /** false when the id exists already (the same detection processed twice). */
  insert(incident: Incident): Promise<boolean>;
  get(id: string): Promise<Incident | undefined>;
  list(filter: IncidentFilter): Promise<Incident[]>;
  /**
   * Replaces the mutable fields, only if the stored incident is still at `incident.version` (the
   * version it was read at), and stores version + 1; false (nothing written) when another writer
   * got there first, or the incident is gone. On false, re-read and re-apply the change.
   */
  update(incident: Incident): Promise<boolean>;
  /** Adds evidence rows, ignoring ones already present; returns how many were new. */
  addEvidence(incidentId: string, items: readonly EvidenceItem[]): Promise<number>;
  evidence(incidentId: string): Promise<EvidenceItem[]>;
  /** Inserts an action record unless the key exists; true when inserted. */
  insertAction(a: ActionRecord): Promise<boolean>;
  updateAction(a: ActionRecord): Promise<void>;
  actions(incidentId: string): Promise<ActionRecord[]>;
  /** Records of `action` on `target` (e.g. block_ip on an address) whose incident is not closed. */
  openActions(action: ActionName, target: string): Promise<ActionRecord[]>;
  /** Actions left pending or running (resumed after a restart). */
  unfinishedActions(): Promise<ActionRecord[]>;
}

/** Trading controls (src/trading's TradingService through tradingActionsFrom, or a fake). */
export interface TradingActions {
  halt(scope: string, reason: string): Promise<void>;
  reduce(scope: string, reason: string): Promise<void>;
  /** Current states, for the alert context. */
  states?(): ReadonlyArray<{ readonly scope: string; readonly state: string }>;
}

/** Identity actions on a user id (src/identity through identityActionsFrom, or a fake). */
export interface IdentityActions {
  revokeUserSessions(userId: string, reason: string): Promise<number>;
  disableUser(userId: string, reason: string): Promise<void>;
  /** Present once src/tokens exports revocation to the composition root. */
  revokeUserTokens?(userId: string, reason: string): Promise<number>;
}

export type AlertChannel = "security_team" | "management" | "risk_manager";

/** Sends an alert; throws when the channel did not accept it (retried by the runner). */
export interface AlertSender {
  configured(channel: AlertChannel): boolean;
  send(channel: AlertChannel, payload: Record<string, unknown>): Promise<void>;
}

/** Seals the evidence of an incident into a hashed bundle; returns where and its hash. */
export interface EvidencePreserver {
  preserve(incident: Incident, indices: readonly number[]): Promise<{ location: string; sha256: string }>;
}

/** The part of the EphemeralStore (src/store/kv) the blocklist and read-only mode use. */
export interface EphemeralSets {
  incr(key: string, by: number, ttlMs: number): Promise<number>;
  sAdd(
    key: string,
    member: string,
    options?: { readonly memberTtlMs?: number; readonly ttlMs?: number; readonly extendOnly?: boolean },
  ): Promise<boolean>;
  sRem(key: string, member: string): Promise<boolean>;
  sIsMember(key: string, member: string): Promise<boolean>;
  sMembers(key: string): Promise<string[]>;
}

// The audit ledger: Rampart's spine (ARCHITECTURE.md). Everything public is exported here.
export { EVENT_TYPES } from "./types.js";
export type { AuditEventInput, AuditReceipt, AuditRecorder, EventType, Outcome } from "./types.js";

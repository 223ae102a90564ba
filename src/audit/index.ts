// The audit ledger: Rampart's spine (ARCHITECTURE.md). Everything public is exported here.

export type { Checkpoint, NoteSignature, NoteSigner, NoteVerifierKey, ParsedNote } from "./checkpoint.js";
export {
  checkpointBody,
  noteKeyHash,
  parseCheckpointNote,
  signCheckpoint,
  verifierKeyText,
  verifyCheckpointNote,
} from "./checkpoint.js";
export type { LedgerEntry, LedgerEvent, PreparedEvent } from "./event.js";
export { canonicalAt, EVENT_SCHEMA_VERSION, leafHashOf, parseStoredEvent, prepareEvent } from "./event.js";
export type { ExportSummary } from "./export.js";
export { EXPORT_FORMAT, exportLedger, openExport, parsePublicKey } from "./export.js";
export type { AuditLedgerOptions } from "./ledger.js";
export { AuditLedger } from "./ledger.js";
export { ensureLedgerKey, LedgerSigningKey, readLedgerPublicKey } from "./ledger-key.js";
export type { Hash, LeafRange, NodeKey, StoredNode } from "./merkle.js";
export {
  CompactRange,
  consistencyRanges,
  EMPTY_ROOT,
  hashChildren,
  hashLeaf,
  inclusionRanges,
  rootOfLeaves,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.js";
export type { AuditConfig, OpenLedgerDeps } from "./open-ledger.js";
export { openLedger } from "./open-ledger.js";
export type {
  LedgerAppendTx,
  LedgerLeaf,
  LedgerRow,
  LedgerStore,
  NodeReader,
  StoredCheckpoint,
  StoredLedgerKey,
} from "./ports.js";
export { consistencyProof, inclusionProof, rootAt } from "./proofs.js";
export type { AuditEventInput, AuditReceipt, AuditRecorder, EventType, Outcome } from "./types.js";
export { EVENT_TYPES } from "./types.js";
export type { LedgerSource, VerifyOptions, VerifyProblem, VerifyReport } from "./verify-ledger.js";
export { describeProblem, verifyLedger } from "./verify-ledger.js";

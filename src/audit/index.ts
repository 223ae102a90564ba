// The audit ledger: Rampart's spine (ARCHITECTURE.md). Everything public is exported here.

export { appendRows } from "./append-rows.js";
export type { Checkpoint, NoteSignature, NoteSigner, NoteVerifierKey, ParsedNote } from "./checkpoint.js";
export {
  checkpointBody,
  noteKeyHash,
  parseCheckpointNote,
  signCheckpoint,
  verifierKeyText,
  verifyCheckpointNote,
} from "./checkpoint.js";
export { auditUnavailable, ingestTooLarge, invalidQuery, noSuchEntry } from "./errors.js";
export type { LedgerEntry, LedgerEvent, PreparedEvent } from "./event.js";
export {
  canonicalAt,
  EVENT_SCHEMA_VERSION,
  leafHashOf,
  parseStoredEvent,
  prepareEvent,
} from "./event.js";
export type { ExportSummary } from "./export.js";
export { EXPORT_FORMAT, exportLedger, openExport, parsePublicKey } from "./export.js";
export { isRecordStart, parseLogLines, splitAttributes } from "./ingest/log-line.js";
export type { IngestResult, IngestSource, LogLevelName, LogRecordInput } from "./ingest/log-records.js";
export {
  ingestLogRecords,
  LOG_LEVELS,
  levelNumber,
  logRecordEvent,
  PST_ATTRIBUTES,
  pickAttributes,
} from "./ingest/log-records.js";
export type { PyValue } from "./ingest/python-literal.js";
export { parseLeadingDict } from "./ingest/python-literal.js";
export type { LogFollowerOptions } from "./ingest/tail.js";
export { LogFollower } from "./ingest/tail.js";
export type { AuditLedgerOptions, CommittedEntry } from "./ledger.js";
export { AuditLedger } from "./ledger.js";
export { ensureLedgerKey, LedgerSigningKey, readLedgerPublicKey } from "./ledger-key.js";
export type { Hash, LeafRange, NodeKey, StoredNode } from "./merkle.js";
export {
  CompactRange,
  consistencyRanges,
  EMPTY_ROOT,
  frontierKeys,
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
export type { JsonlSinkOptions } from "./sinks/jsonl.js";
export { createJsonlSink } from "./sinks/jsonl.js";
export type {
  EventFilter,
  FileOffset,
  FileOffsetStore,
  LedgerQuery,
  SinkCursor,
  SinkCursorStore,
  SinkSource,
} from "./sinks/ports.js";
export type { IsRestricted } from "./sinks/redact.js";
export { hmacValue, redactEvent, restrictedFields } from "./sinks/redact.js";
export type { SinkRunnerOptions, SinkStatus } from "./sinks/runner.js";
export { SinkRunner } from "./sinks/runner.js";
export type { RunningSinks, SinkConfig, StartSinksOptions } from "./sinks/start.js";
export { buildSink, sinkRedactionKey, startSinks } from "./sinks/start.js";
export type { SyslogSinkOptions } from "./sinks/syslog.js";
export { createSyslogSink, formatSyslog, frameOctetCounted } from "./sinks/syslog.js";
export type { Sink, SinkCheckpointRecord, SinkEntryRecord, SinkRecord } from "./sinks/types.js";
export type { WebhookSinkOptions } from "./sinks/webhook.js";
export { createWebhookSink, SIGNATURE_HEADER, signBody } from "./sinks/webhook.js";
export type { AuditEventInput, AuditReceipt, AuditRecorder, EventType, Outcome } from "./types.js";
export { EVENT_TYPES } from "./types.js";
export type { ChunkResult, ChunkScanner, ChunkTask } from "./verify-chunk.js";
export { ChunkVerifier } from "./verify-chunk.js";
export type { LedgerSource, VerifyOptions, VerifyProblem, VerifyReport } from "./verify-ledger.js";
export { DEFAULT_CHUNK_SIZE, describeProblem, verifyLedger } from "./verify-ledger.js";

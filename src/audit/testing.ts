// Helpers for tests of the ledger and of modules that record through it: a throw-away signing key
// and sample events.
import { generateEd25519 } from "../crypto/index.js";
import { LedgerSigningKey } from "./ledger-key.js";
import type { AuditEventInput } from "./types.js";

export function testSigner(name = "rampart.test/audit"): LedgerSigningKey {
  const pair = generateEd25519();
  return new LedgerSigningKey(name, pair.publicKeyDer, pair.privateKeyDer);
}

export function sampleEvent(i: number): AuditEventInput {
  return {
    event_type: "authentication",
    action: "auth.login",
    outcome: i % 3 === 0 ? "failure" : "success",
    user_id: `user${i % 7}`,
    ip_address: "10.0.0.1",
    details: { attempt: i, method: "password" },
    risk_score: i % 10,
  };
}

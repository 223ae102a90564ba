// Table types of machine identity: token signing keys and API tokens (src/tokens), the CA,
// service accounts and their certificates (src/pki) — migration 0005_tokens.
import type { Bytes, Millis } from "../schema.js";

export interface TokenSigningKeyTable {
  kid: string;
  version: number;
  alg: string;
  /** SPKI DER. */
  public_key: Bytes;
  /** KeyRing ciphertext (purpose "tokens", location token_signing_keys/<kid>/private_key). */
  private_key_enc: string;
  /** KeyRing ciphertext of the JWE `dir` content key (location token_signing_keys/<kid>/jwe_key). */
  jwe_key_enc: string;
  /** "current" | "previous" | "retired". */
  status: string;
  created_at: Millis;
  superseded_at: Millis | null;
  retired_at: Millis | null;
}

export interface ApiTokenTable {
  jti: string;
  user_id: string;
  kid: string;
  sid: string;
  /** JSON string array. */
  roles: string;
  /** JSON string array. */
  scope: string;
  ip_binding: string | null;
  description: string | null;
  issued_at: Millis;
  expires_at: Millis;
  revoked_at: Millis | null;
  revoked_reason: string | null;
}

export interface PkiCaTable {
  name: string;
  cert_pem: string;
  /** KeyRing ciphertext (purpose "ca", location pki_ca/<name>/key). */
  key_enc: string;
  created_at: Millis;
}

export interface ServiceAccountTable {
  id: string;
  name: string;
  /** JSON string array. */
  roles: string;
  /** "active" | "disabled". */
  status: string;
  created_at: Millis;
  updated_at: Millis;
}

export interface ServiceCertificateTable {
  /** Lower-case hex, as X.509 prints it. */
  serial: string;
  service_id: string;
  /** SHA-256 of the DER, hex. */
  fingerprint: string;
  not_before: Millis;
  not_after: Millis;
  issued_at: Millis;
  revoked_at: Millis | null;
  revoked_reason: string | null;
}

export interface TokensTables {
  token_signing_keys: TokenSigningKeyTable;
  api_tokens: ApiTokenTable;
  pki_ca: PkiCaTable;
  service_accounts: ServiceAccountTable;
  service_certificates: ServiceCertificateTable;
}

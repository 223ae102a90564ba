// The storage contract of the PKI (implemented by src/store/repos/pki.ts): the CA, service accounts
// and the record of every client certificate issued (the revocation list is this table).

export interface StoredCa {
  name: string;
  certPem: string;
  /** KeyRing ciphertext (purpose "ca", location pki_ca/<name>/key). */
  keyEnc: string;
  createdAt: number;
}

export type ServiceAccountStatus = "active" | "disabled";

export interface ServiceAccount {
  id: string;
  name: string;
  roles: readonly string[];
  status: ServiceAccountStatus;
  createdAt: number;
  updatedAt: number;
}

export interface CertificateRecord {
  /** Lower-case hex. */
  serial: string;
  serviceId: string;
  /** SHA-256 of the DER, hex. */
  fingerprint: string;
  notBefore: number;
  notAfter: number;
  issuedAt: number;
  revokedAt: number | null;
  revokedReason: string | null;
}

export interface PkiStore {
  getCa(name: string): Promise<StoredCa | null>;
  /** False (nothing written) when a CA of that name exists: another process created it first. */
  insertCa(ca: StoredCa): Promise<boolean>;

  /** False when the name is taken. */
  insertServiceAccount(account: ServiceAccount): Promise<boolean>;
  findServiceAccountByName(name: string): Promise<ServiceAccount | null>;
  findServiceAccountById(id: string): Promise<ServiceAccount | null>;
  listServiceAccounts(): Promise<ServiceAccount[]>;
  setServiceAccountStatus(id: string, status: ServiceAccountStatus, now: number): Promise<boolean>;

  insertCertificate(record: CertificateRecord): Promise<void>;
  findCertificate(serial: string): Promise<CertificateRecord | null>;
  listCertificates(serviceId?: string): Promise<CertificateRecord[]>;
  /** True when this call revoked it. */
  revokeCertificate(serial: string, reason: string, now: number): Promise<boolean>;
}

// The PKI's PkiStore port over Kysely (SQLite and PostgreSQL alike): the CA row (created once; a
// racing second creator loses on the primary key), service accounts and the certificate records
// that serve as the revocation list.
import type { Kysely, Selectable } from "kysely";
import type {
  CertificateRecord,
  PkiStore,
  ServiceAccount,
  ServiceAccountStatus,
  StoredCa,
} from "../../pki/index.js";
import { isUniqueViolation } from "../errors.js";
import type { Store } from "../open.js";
import type { ServiceAccountTable, ServiceCertificateTable } from "../schema/tokens.js";
import type { Database } from "../schema.js";

const changed = (r: { numUpdatedRows?: bigint } | undefined): number => Number(r?.numUpdatedRows ?? 0n);

function toAccount(r: Selectable<ServiceAccountTable>): ServiceAccount {
  return {
    id: r.id,
    name: r.name,
    roles: JSON.parse(r.roles) as string[],
    status: r.status as ServiceAccountStatus,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function toCert(r: Selectable<ServiceCertificateTable>): CertificateRecord {
  return {
    serial: r.serial,
    serviceId: r.service_id,
    fingerprint: r.fingerprint,
    notBefore: Number(r.not_before),
    notAfter: Number(r.not_after),
    issuedAt: Number(r.issued_at),
    revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
    revokedReason: r.revoked_reason,
  };
}

export class PkiRepository implements PkiStore {
  constructor(private readonly store: Store) {}

  private get db(): Kysely<Database> {
    return this.store.db;
  }

  async getCa(name: string): Promise<StoredCa | null> {
    const r = await this.db.selectFrom("pki_ca").selectAll().where("name", "=", name).executeTakeFirst();
    return r
      ? { name: r.name, certPem: r.cert_pem, keyEnc: r.key_enc, createdAt: Number(r.created_at) }
      : null;
  }

  async insertCa(ca: StoredCa): Promise<boolean> {
    try {
      await this.db
        .insertInto("pki_ca")
        .values({ name: ca.name, cert_pem: ca.certPem, key_enc: ca.keyEnc, created_at: ca.createdAt })
        .execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async insertServiceAccount(a: ServiceAccount): Promise<boolean> {
    try {
      await this.db
        .insertInto("service_accounts")
        .values({
          id: a.id,
          name: a.name,
          roles: JSON.stringify(a.roles),
          status: a.status,
          created_at: a.createdAt,
          updated_at: a.updatedAt,
        })
        .execute();
      return true;
    } catch (e) {
      if (isUniqueViolation(e)) return false;
      throw e;
    }
  }

  async findServiceAccountByName(name: string): Promise<ServiceAccount | null> {
    const r = await this.db
      .selectFrom("service_accounts")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
    return r ? toAccount(r) : null;
  }

  async findServiceAccountById(id: string): Promise<ServiceAccount | null> {
    const r = await this.db
      .selectFrom("service_accounts")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirst();
    return r ? toAccount(r) : null;
  }

  async listServiceAccounts(): Promise<ServiceAccount[]> {
    return (await this.db.selectFrom("service_accounts").selectAll().orderBy("name").execute()).map(
      toAccount,
    );
  }

  async setServiceAccountStatus(id: string, status: ServiceAccountStatus, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("service_accounts")
      .set({ status, updated_at: now })
      .where("id", "=", id)
      .executeTakeFirst();
    return changed(r) === 1;
  }

  async insertCertificate(c: CertificateRecord): Promise<void> {
    await this.db
      .insertInto("service_certificates")
      .values({
        serial: c.serial,
        service_id: c.serviceId,
        fingerprint: c.fingerprint,
        not_before: c.notBefore,
        not_after: c.notAfter,
        issued_at: c.issuedAt,
        revoked_at: c.revokedAt,
        revoked_reason: c.revokedReason,
      })
      .execute();
  }

  async findCertificate(serial: string): Promise<CertificateRecord | null> {
    const r = await this.db
      .selectFrom("service_certificates")
      .selectAll()
      .where("serial", "=", serial)
      .executeTakeFirst();
    return r ? toCert(r) : null;
  }

  async listCertificates(serviceId?: string): Promise<CertificateRecord[]> {
    let q = this.db.selectFrom("service_certificates").selectAll();
    if (serviceId !== undefined) q = q.where("service_id", "=", serviceId);
    return (await q.orderBy("issued_at", "desc").execute()).map(toCert);
  }

  async revokeCertificate(serial: string, reason: string, now: number): Promise<boolean> {
    const r = await this.db
      .updateTable("service_certificates")
      .set({ revoked_at: now, revoked_reason: reason })
      .where("serial", "=", serial)
      .where("revoked_at", "is", null)
      .executeTakeFirst();
    return changed(r) === 1;
  }
}

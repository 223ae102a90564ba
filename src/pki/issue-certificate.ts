// Client certificates for service accounts: a fresh ECDSA P-256 key generated here (in the process
// that asked — the CLI writes it 0600 and it never travels), subject CN=<name>, SAN URI
// spiffe://rampart/service/<name>, EKU clientAuth, short lifetime (pki.cert_default_ttl). Every
// issued certificate is recorded: the record is the revocation list.
import type { Actor } from "../identity/index.js";
import { fingerprintOf, loadCa } from "./ca.js";
import { certificateNotFound, certTtlInvalid } from "./errors.js";
import type { CertificateRecord } from "./ports.js";
import { requireServiceAccount } from "./service-accounts.js";
import type { PkiDeps } from "./settings.js";
import { EC_P256, pemBlock, randomSerial, SPIFFE_PREFIX, webcrypto, x509 } from "./x509.js";

export const MIN_CERT_TTL_SECONDS = 300;

export interface IssuedCertificate {
  serial: string;
  service: string;
  certPem: string;
  /** PKCS#8 PEM: write it 0600, never log it. */
  keyPem: string;
  caPem: string;
  notBefore: number;
  notAfter: number;
  fingerprint: string;
}

export async function issueServiceCertificate(
  deps: PkiDeps,
  name: string,
  actor: Actor,
  ttlSeconds?: number,
): Promise<IssuedCertificate> {
  const account = await requireServiceAccount(deps, name);
  const maxSeconds = Math.floor(deps.settings.certMaxTtlMs / 1000);
  const ttl = ttlSeconds ?? Math.floor(deps.settings.certDefaultTtlMs / 1000);
  if (!Number.isSafeInteger(ttl) || ttl < MIN_CERT_TTL_SECONDS || ttl > maxSeconds)
    throw certTtlInvalid(maxSeconds);
  const ca = await loadCa(deps);
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  const now = deps.clock.now();
  const notBefore = now - 60_000;
  const notAfter = now + ttl * 1000;
  const serial = randomSerial();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial,
    subject: `CN=${account.name}, O=Rampart service`,
    issuer: ca.certificate.subject,
    notBefore: new Date(notBefore),
    notAfter: new Date(notAfter),
    signingAlgorithm: EC_P256,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth], false),
      new x509.SubjectAlternativeNameExtension(
        [{ type: "url", value: `${SPIFFE_PREFIX}${account.name}` }],
        false,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey),
    ],
  });
  const fingerprint = await fingerprintOf(cert);
  const record: CertificateRecord = {
    serial: cert.serialNumber.toLowerCase(),
    serviceId: account.id,
    fingerprint,
    notBefore,
    notAfter,
    issuedAt: now,
    revokedAt: null,
    revokedReason: null,
  };
  await deps.store.insertCertificate(record);
  await deps.audit.record({
    event_type: "authentication",
    action: "service.certificate_issued",
    outcome: "success",
    user_id: account.id,
    ip_address: actor.ip ?? null,
    details: {
      service: account.name,
      serial: record.serial,
      not_after: notAfter,
      fingerprint_sha256: fingerprint,
      via: actor.via,
    },
  });
  return {
    serial: record.serial,
    service: account.name,
    certPem: cert.toString("pem"),
    keyPem: pemBlock("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
    caPem: ca.certPem,
    notBefore,
    notAfter,
    fingerprint,
  };
}

export async function revokeServiceCertificate(
  deps: PkiDeps,
  serial: string,
  actor: Actor,
  reason = "revoked",
): Promise<CertificateRecord> {
  const s = serial.toLowerCase().replace(/:/g, "");
  const record = /^[0-9a-f]{1,64}$/.test(s) ? await deps.store.findCertificate(s) : null;
  if (!record) throw certificateNotFound();
  const now = deps.clock.now();
  if (await deps.store.revokeCertificate(s, reason, now))
    await deps.audit.record({
      event_type: "authentication",
      action: "service.certificate_revoked",
      outcome: "success",
      user_id: record.serviceId,
      ip_address: actor.ip ?? null,
      details: { serial: s, reason, via: actor.via },
    });
  return { ...record, revokedAt: record.revokedAt ?? now, revokedReason: record.revokedReason ?? reason };
}

// Rampart's internal CA: ECDSA P-256, self-signed, CA:true with pathLen 0 (it signs only end-entity
// client certificates), key usage keyCertSign + cRLSign. The private key is stored wrapped by the
// KeyRing (purpose "ca"); `rampart init` calls ensureCa, which creates it once and never replaces it.

import { caMissing } from "./errors.js";
import type { PkiDeps } from "./settings.js";
import { EC_P256, pemBlock, randomSerial, type WebCryptoKey, webcrypto, x509 } from "./x509.js";

export const CA_NAME = "root";
const WHERE = { table: "pki_ca", id: CA_NAME, field: "key" };

export interface LoadedCa {
  certificate: x509.X509Certificate;
  certPem: string;
  signingKey: WebCryptoKey;
}

async function createCa(deps: PkiDeps): Promise<{ certPem: string; keyEnc: string }> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  const now = deps.clock.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: "CN=Rampart internal CA, O=Rampart",
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + deps.settings.caTtlMs),
    signingAlgorithm: EC_P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const pkcs8 = new Uint8Array(await webcrypto.subtle.exportKey("pkcs8", keys.privateKey));
  const keyEnc = deps.keys.encrypt("ca", pkcs8, WHERE);
  pkcs8.fill(0);
  return { certPem: cert.toString("pem"), keyEnc };
}

/** Creates the CA if there is none; answers its certificate (PEM) and whether it was created now. */
export async function ensureCa(deps: PkiDeps): Promise<{ certPem: string; created: boolean }> {
  const existing = await deps.store.getCa(CA_NAME);
  if (existing) return { certPem: existing.certPem, created: false };
  const { certPem, keyEnc } = await createCa(deps);
  const created = await deps.store.insertCa({ name: CA_NAME, certPem, keyEnc, createdAt: deps.clock.now() });
  if (!created) {
    const winner = await deps.store.getCa(CA_NAME);
    if (!winner) throw caMissing();
    return { certPem: winner.certPem, created: false };
  }
  await deps.audit.record({
    event_type: "keys",
    action: "pki.ca_created",
    outcome: "success",
    details: {
      subject: "CN=Rampart internal CA, O=Rampart",
      algorithm: "ECDSA P-256",
      fingerprint_sha256: await fingerprintOf(new x509.X509Certificate(certPem)),
    },
  });
  return { certPem, created: true };
}

/** The CA certificate in PEM, for the gateway's TLS `ca` option and for clients' CA files. */
export async function caCertificatePem(deps: Pick<PkiDeps, "store">): Promise<string> {
  const ca = await deps.store.getCa(CA_NAME);
  if (!ca) throw caMissing();
  return ca.certPem;
}

export async function loadCa(deps: PkiDeps): Promise<LoadedCa> {
  const ca = await deps.store.getCa(CA_NAME);
  if (!ca) throw caMissing();
  const der = deps.keys.decrypt(ca.keyEnc, WHERE);
  try {
    const signingKey = await webcrypto.subtle.importKey("pkcs8", der, EC_P256, false, ["sign"]);
    return { certificate: new x509.X509Certificate(ca.certPem), certPem: ca.certPem, signingKey };
  } finally {
    der.fill(0);
  }
}

export async function fingerprintOf(cert: x509.X509Certificate): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest("SHA-256", cert.rawData)).toString("hex");
}

export { pemBlock };

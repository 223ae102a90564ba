// mTLS authentication, per request: the gateway requests (does not require) a client certificate
// and passes what the TLS socket presented. A certificate authenticates its service account only
// if Rampart's CA signed it, it is within its validity, it carries exactly one SPIFFE ID
// (spiffe://rampart/service/<name>), Rampart issued it (serial and fingerprint on record), it is
// not revoked (read on every request: the record is the revocation list) and the account is
// active. Anything else presented is one 401 ERR_AUTH_INVALID_CERTIFICATE with a security event.
import { sha256Hex } from "../crypto/index.js";
import type { RequestContext } from "../identity/index.js";
import type { LoadedCa } from "./ca.js";
import { type CertificateRejection, InvalidCertificateError } from "./errors.js";
import { isValidServiceName } from "./service-accounts.js";
import type { PkiDeps } from "./settings.js";
import { SPIFFE_PREFIX, x509 } from "./x509.js";

/** What `socket.getPeerCertificate(true)` answers (only `raw` is read), or the DER / PEM itself. */
export type PeerCertificateInput = { raw?: Uint8Array | undefined } | Uint8Array | string | null | undefined;

export interface ServicePrincipal {
  kind: "service";
  id: string;
  name: string;
  roles: readonly string[];
  via: "certificate";
  certificateSerial: string;
  expiresAt: number;
}

interface ChainFacts {
  serial: string;
  name: string;
  notBefore: number;
  notAfter: number;
}

const CACHE_MAX = 1024;

function rawOf(peer: PeerCertificateInput): Uint8Array | string | null {
  if (peer === null || peer === undefined) return null;
  if (typeof peer === "string") return peer.length > 0 ? peer : null;
  if (peer instanceof Uint8Array) return peer.length > 0 ? peer : null;
  return peer.raw && peer.raw.length > 0 ? peer.raw : null;
}

function derOfPem(pem: string): Uint8Array {
  try {
    return new Uint8Array(new x509.X509Certificate(pem).rawData);
  } catch {
    throw new InvalidCertificateError("unparseable");
  }
}

export class CertificateAuthenticator {
  readonly #chains = new Map<string, ChainFacts>();

  constructor(
    private readonly deps: PkiDeps,
    private readonly ca: () => Promise<LoadedCa>,
  ) {}

  /** Null when no certificate was presented; a principal; or throws 401 after recording the reason. */
  async authenticate(peer: PeerCertificateInput, ctx: RequestContext = {}): Promise<ServicePrincipal | null> {
    const presented = rawOf(peer);
    if (presented === null) return null;
    let facts: { serial?: string; fingerprint?: string } = {};
    try {
      const raw = typeof presented === "string" ? derOfPem(presented) : presented;
      const fingerprint = sha256Hex(raw);
      facts = { fingerprint };
      const chain = await this.#chain(raw, fingerprint);
      facts = { ...facts, serial: chain.serial };
      return await this.#principal(chain, fingerprint);
    } catch (e) {
      if (!(e instanceof InvalidCertificateError)) throw e;
      await this.deps.audit.record({
        event_type: "authentication",
        action: "auth.certificate",
        outcome: "failure",
        ip_address: ctx.ip ?? null,
        request_id: ctx.requestId ?? null,
        details: { reason: e.reason, ...facts },
        risk_score: e.reason === "expired" ? 20 : 60,
      });
      throw e;
    }
  }

  async #chain(raw: Uint8Array, fingerprint: string): Promise<ChainFacts> {
    const cached = this.#chains.get(fingerprint);
    if (cached) return cached;
    const reject = (r: CertificateRejection): never => {
      throw new InvalidCertificateError(r);
    };
    let cert: x509.X509Certificate;
    try {
      cert = new x509.X509Certificate(Buffer.from(raw));
    } catch {
      return reject("unparseable");
    }
    const ca = await this.ca();
    if (cert.issuer !== ca.certificate.subject) reject("not_issued_by_rampart_ca");
    let ok = false;
    try {
      ok = await cert.verify({ publicKey: ca.certificate.publicKey, signatureOnly: true });
    } catch {
      ok = false;
    }
    if (!ok) reject("bad_signature");
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    const ids = (san?.names.items ?? []).filter((n) => n.type === "url" && n.value.startsWith(SPIFFE_PREFIX));
    const name = ids.length === 1 ? (ids[0]?.value ?? "").slice(SPIFFE_PREFIX.length) : "";
    if (!isValidServiceName(name)) reject("no_spiffe_id");
    const facts: ChainFacts = {
      serial: cert.serialNumber.toLowerCase(),
      name,
      notBefore: cert.notBefore.getTime(),
      notAfter: cert.notAfter.getTime(),
    };
    if (this.#chains.size >= CACHE_MAX) this.#chains.clear();
    this.#chains.set(fingerprint, facts);
    return facts;
  }

  async #principal(chain: ChainFacts, fingerprint: string): Promise<ServicePrincipal> {
    const reject = (r: CertificateRejection): never => {
      throw new InvalidCertificateError(r);
    };
    const now = this.deps.clock.now();
    if (now < chain.notBefore) reject("not_yet_valid");
    if (now > chain.notAfter) reject("expired");
    const record = await this.deps.store.findCertificate(chain.serial);
    if (!record || record.fingerprint !== fingerprint) return reject("unknown_certificate");
    if (record.revokedAt !== null) reject("revoked");
    const account = await this.deps.store.findServiceAccountById(record.serviceId);
    if (!account || account.name !== chain.name) return reject("unknown_service");
    if (account.status !== "active") reject("service_disabled");
    return {
      kind: "service",
      id: account.id,
      name: account.name,
      roles: account.roles,
      via: "certificate",
      certificateSerial: record.serial,
      expiresAt: chain.notAfter,
    };
  }
}

// The PKI as the gateway and the CLI see it: the CA, service accounts, their certificates and the
// per-request certificate check. The CA is loaded lazily and kept (its private key as a
// non-extractable CryptoKey).
import type { Actor, RequestContext } from "../identity/index.js";
import {
  CertificateAuthenticator,
  type PeerCertificateInput,
  type ServicePrincipal,
} from "./authenticate-certificate.js";
import { caCertificatePem, ensureCa, type LoadedCa, loadCa } from "./ca.js";
import {
  type IssuedCertificate,
  issueServiceCertificate,
  revokeServiceCertificate,
} from "./issue-certificate.js";
import type { CertificateRecord, ServiceAccount } from "./ports.js";
import { addServiceAccount, requireServiceAccount, setServiceAccountStatus } from "./service-accounts.js";
import type { PkiDeps } from "./settings.js";

export interface ServiceAccountView extends ServiceAccount {
  certificates: Array<CertificateRecord & { status: "active" | "expired" | "revoked" }>;
}

export interface PkiService {
  /** Creates Rampart's CA when missing (`rampart init`). */
  ensureCa(): Promise<{ certPem: string; created: boolean }>;
  /** The CA certificate (PEM): the gateway's TLS `ca`, and the CA file clients trust for mTLS. */
  caCertificatePem(): Promise<string>;
  addServiceAccount(name: string, roles: readonly string[], actor: Actor): Promise<ServiceAccount>;
  disableServiceAccount(name: string, actor: Actor): Promise<ServiceAccount>;
  enableServiceAccount(name: string, actor: Actor): Promise<ServiceAccount>;
  listServiceAccounts(): Promise<ServiceAccountView[]>;
  issueCertificate(name: string, actor: Actor, ttlSeconds?: number): Promise<IssuedCertificate>;
  revokeCertificate(serial: string, actor: Actor, reason?: string): Promise<CertificateRecord>;
  /**
   * Per request: null when no client certificate was presented; the service principal; or throws
   * 401 ERR_AUTH_INVALID_CERTIFICATE after recording a security event with the reason.
   */
  authenticateCertificate(peer: PeerCertificateInput, ctx?: RequestContext): Promise<ServicePrincipal | null>;
}

export function createPkiService(deps: PkiDeps): PkiService {
  let ca: Promise<LoadedCa> | null = null;
  const loadedCa = () => {
    ca ??= loadCa(deps).catch((e: unknown) => {
      ca = null;
      throw e;
    });
    return ca;
  };
  const authenticator = new CertificateAuthenticator(deps, loadedCa);
  return {
    ensureCa: () => ensureCa(deps),
    caCertificatePem: () => caCertificatePem(deps),
    addServiceAccount: (name, roles, actor) => addServiceAccount(deps, name, roles, actor),
    disableServiceAccount: (name, actor) => setServiceAccountStatus(deps, name, "disabled", actor),
    enableServiceAccount: (name, actor) => setServiceAccountStatus(deps, name, "active", actor),
    async listServiceAccounts() {
      const now = deps.clock.now();
      const [accounts, certs] = await Promise.all([
        deps.store.listServiceAccounts(),
        deps.store.listCertificates(),
      ]);
      return accounts
        .sort((a, b) => a.name.localeCompare(b.name))
        .map((a) => ({
          ...a,
          certificates: certs
            .filter((c) => c.serviceId === a.id)
            .map((c) => ({
              ...c,
              status:
                c.revokedAt !== null
                  ? ("revoked" as const)
                  : c.notAfter < now
                    ? ("expired" as const)
                    : ("active" as const),
            })),
        }));
    },
    issueCertificate: (name, actor, ttl) => issueServiceCertificate(deps, name, actor, ttl),
    revokeCertificate: (serial, actor, reason) => revokeServiceCertificate(deps, serial, actor, reason),
    authenticateCertificate: (peer, ctx) => authenticator.authenticate(peer, ctx),
  };
}

export { requireServiceAccount };

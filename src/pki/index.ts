// Rampart's PKI: the development TLS certificate, the internal CA (ECDSA P-256, key wrapped by the
// KeyRing), service accounts with short-lived client certificates, and per-request mTLS checks.

export type { PeerCertificateInput, ServicePrincipal } from "./authenticate-certificate.js";
export { CA_NAME, caCertificatePem, ensureCa } from "./ca.js";
export type { PemCertificate } from "./dev-certificate.js";
export { createDevCertificate } from "./dev-certificate.js";
export type { CertificateRejection } from "./errors.js";
export { InvalidCertificateError } from "./errors.js";
export type { IssuedCertificate } from "./issue-certificate.js";
export type { CertificateRecord, PkiStore, ServiceAccount, ServiceAccountStatus, StoredCa } from "./ports.js";
export type { PkiService, ServiceAccountView } from "./service.js";
export { createPkiService } from "./service.js";
export { isValidServiceName } from "./service-accounts.js";
export type { PkiDeps, PkiSettings } from "./settings.js";
export { pkiSettingsFromConfig } from "./settings.js";

// Rampart's PKI: the development TLS certificate now; the internal CA for service accounts later.

export type { PemCertificate } from "./dev-certificate.js";
export { createDevCertificate } from "./dev-certificate.js";

// PKI errors. Every refused client certificate is the same 401 ERR_AUTH_INVALID_CERTIFICATE; the
// precise reason goes to the security event only.
import { RampartError } from "../kernel/index.js";

export type CertificateRejection =
  | "unparseable"
  | "not_issued_by_rampart_ca"
  | "bad_signature"
  | "not_yet_valid"
  | "expired"
  | "no_spiffe_id"
  | "unknown_certificate"
  | "revoked"
  | "unknown_service"
  | "service_disabled";

export class InvalidCertificateError extends RampartError {
  readonly reason: CertificateRejection;
  constructor(reason: CertificateRejection) {
    super("ERR_AUTH_INVALID_CERTIFICATE", "invalid client certificate", { status: 401, detail: reason });
    this.name = "InvalidCertificateError";
    this.reason = reason;
  }
}

export const caMissing = (): RampartError =>
  new RampartError("ERR_PKI_CA_MISSING", "Rampart's CA does not exist yet: run `rampart init`", {
    status: 500,
  });

export const serviceNameInvalid = (): RampartError =>
  new RampartError(
    "ERR_PKI_SERVICE_NAME",
    "a service name is 1-63 characters: lower-case letters, digits, '-' and '_', starting with a letter",
    { status: 400 },
  );

export const serviceExists = (): RampartError =>
  new RampartError("ERR_PKI_SERVICE_EXISTS", "a service account of that name exists", { status: 409 });

export const serviceNotFound = (): RampartError =>
  new RampartError("ERR_PKI_SERVICE_NOT_FOUND", "no such service account", { status: 404 });

export const serviceRoleUnknown = (role: string): RampartError =>
  new RampartError("ERR_PKI_ROLE_UNKNOWN", `unknown role: ${role}`, { status: 400, expose: { role } });

export const certTtlInvalid = (maxSeconds: number): RampartError =>
  new RampartError("ERR_PKI_CERT_TTL", `certificate lifetime must be between 5 minutes and ${maxSeconds} s`, {
    status: 400,
  });

export const certificateNotFound = (): RampartError =>
  new RampartError("ERR_PKI_CERT_NOT_FOUND", "no certificate with that serial", { status: 404 });

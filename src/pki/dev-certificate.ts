// The self-signed development TLS certificate `rampart init` writes: ECDSA P-256, SAN localhost
// and 127.0.0.1 (and ::1), one year. Built with @peculiar/x509 over WebCrypto; for production,
// point server.tls at a certificate from a real CA.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

export interface PemCertificate {
  certPem: string;
  keyPem: string;
}

const webcrypto = globalThis.crypto;
x509.cryptoProvider.set(webcrypto);

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der)
    .toString("base64")
    .replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${b64.trimEnd()}\n-----END ${label}-----\n`;
}

export async function createDevCertificate(
  opts: { now?: Date; days?: number; hostnames?: string[] } = {},
): Promise<PemCertificate> {
  const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  const keys = await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const notBefore = opts.now ?? new Date();
  const notAfter = new Date(notBefore.getTime() + (opts.days ?? 365) * 86_400_000);
  const names = opts.hostnames ?? ["localhost"];
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = (serial[0] as number) & 0x7f;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString("hex"),
    name: "CN=Rampart development certificate, O=Rampart",
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
      new x509.SubjectAlternativeNameExtension([
        ...names.map((n) => ({ type: "dns" as const, value: n })),
        { type: "ip", value: "127.0.0.1" },
        { type: "ip", value: "::1" },
      ]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certPem: cert.toString("pem"),
    keyPem: pem("PRIVATE KEY", await webcrypto.subtle.exportKey("pkcs8", keys.privateKey)),
  };
}

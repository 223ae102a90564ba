// Rampart's CA and service-account certificates: issued certificates authenticate (also through a
// real TLS handshake with requestCert and rejectUnauthorized: false, as the gateway runs it);
// expired, revoked, self-signed and look-alike certificates with the same SPIFFE ID are 401.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { connect, createServer, type TLSSocket } from "node:tls";
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import type { AuditEventInput } from "../audit/index.js";
import { loadConfig } from "../config/index.js";
import { randomBytes } from "../crypto/index.js";
import { ManualClock } from "../kernel/index.js";
import { KeyRing, MasterKey } from "../keys/index.js";
import { databaseTargets, openTestStore, PkiRepository, type TestStore } from "../store/index.js";
import { createDevCertificate, createPkiService, type PkiService, pkiSettingsFromConfig } from "./index.js";

const cli = { via: "cli" };
const code = (e: unknown) => (e as { code?: string }).code;
const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

async function forge(opts: {
  issuerName: string;
  subject: string;
  san: string;
  selfSigned?: boolean;
}): Promise<string> {
  const wc = globalThis.crypto;
  const issuerKeys = await wc.subtle.generateKey(alg, true, ["sign", "verify"]);
  const leafKeys = opts.selfSigned ? issuerKeys : await wc.subtle.generateKey(alg, true, ["sign", "verify"]);
  const now = Date.UTC(2026, 0, 5, 12, 0, 0);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: "01",
    subject: opts.selfSigned ? opts.issuerName : opts.subject,
    issuer: opts.issuerName,
    notBefore: new Date(now - 3600_000),
    notAfter: new Date(now + 86400_000),
    signingAlgorithm: alg,
    publicKey: leafKeys.publicKey,
    signingKey: issuerKeys.privateKey,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "url", value: opts.san }])],
  });
  return cert.toString("pem");
}

for (const target of databaseTargets(process.env)) {
  describe(`pki on ${target.dialect}`, { skip: target.skip }, () => {
    let ts: TestStore;
    let pki: PkiService;
    const clock = new ManualClock();
    const events: AuditEventInput[] = [];
    const reasons = () =>
      events.filter((e) => e.action === "auth.certificate").map((e) => e.details?.["reason"]);
    const refused = async (peer: Parameters<PkiService["authenticateCertificate"]>[0], reason: string) => {
      await assert.rejects(pki.authenticateCertificate(peer, { ip: "192.0.2.3" }), (e: unknown) => {
        assert.equal(code(e), "ERR_AUTH_INVALID_CERTIFICATE");
        assert.equal((e as { status: number }).status, 401);
        return true;
      });
      assert.equal(reasons().at(-1), reason);
    };

    before(async () => {
      ts = await openTestStore(target);
      const config = loadConfig({ fileName: "rampart.yaml", text: undefined, env: {} });
      pki = createPkiService({
        store: new PkiRepository(ts.store),
        keys: new KeyRing(new MasterKey(randomBytes(32))),
        audit: {
          record: async (e) => {
            events.push(structuredClone(e));
            return { event_id: String(events.length), index: events.length };
          },
        },
        clock,
        settings: pkiSettingsFromConfig(config),
      });
    });
    after(() => ts.dispose());

    test("ensureCa creates one CA (ECDSA P-256, CA:true pathLen 0) and keeps it", async () => {
      const first = await pki.ensureCa();
      assert.equal(first.created, true);
      const again = await pki.ensureCa();
      assert.deepEqual(again, { certPem: first.certPem, created: false });
      assert.equal(await pki.caCertificatePem(), first.certPem);
      const ca = new x509.X509Certificate(first.certPem);
      assert.equal(ca.subject, "CN=Rampart internal CA, O=Rampart");
      assert.equal((ca.publicKey.algorithm as { namedCurve?: string }).namedCurve, "P-256");
      const bc = ca.getExtension(x509.BasicConstraintsExtension);
      assert.equal(bc?.ca, true);
      assert.equal(bc?.pathLength, 0);
      assert.ok(events.some((e) => e.action === "pki.ca_created"));
    });

    test("service accounts: names and roles are checked; list shows certificates", async () => {
      await assert.rejects(
        pki.addServiceAccount("Bad Name", ["trader"], cli),
        (e) => code(e) === "ERR_PKI_SERVICE_NAME",
      );
      await assert.rejects(
        pki.addServiceAccount("stack", ["wizard"], cli),
        (e) => code(e) === "ERR_PKI_ROLE_UNKNOWN",
      );
      const a = await pki.addServiceAccount("stack_handler", ["trader"], cli);
      assert.deepEqual(a.roles, ["trader"]);
      await assert.rejects(
        pki.addServiceAccount("stack_handler", ["trader"], cli),
        (e) => code(e) === "ERR_PKI_SERVICE_EXISTS",
      );
      await assert.rejects(
        pki.issueCertificate("nobody", cli),
        (e) => code(e) === "ERR_PKI_SERVICE_NOT_FOUND",
      );
      await assert.rejects(
        pki.issueCertificate("stack_handler", cli, 10),
        (e) => code(e) === "ERR_PKI_CERT_TTL",
      );
      await assert.rejects(
        pki.issueCertificate("stack_handler", cli, 365 * 86400),
        (e) => code(e) === "ERR_PKI_CERT_TTL",
      );
      const list = await pki.listServiceAccounts();
      assert.deepEqual(
        list.map((x) => x.name),
        ["stack_handler"],
      );
    });

    test("an issued certificate authenticates; openssl verifies it against the CA independently", async () => {
      const c = await pki.issueCertificate("stack_handler", cli);
      const cert = new x509.X509Certificate(c.certPem);
      const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
      assert.deepEqual(
        san?.names.items.map((n) => [n.type, n.value]),
        [["url", "spiffe://rampart/service/stack_handler"]],
      );
      assert.equal(c.notAfter - clock.now(), 7 * 86400_000, "short default lifetime (pki.cert_default_ttl)");
      assert.match(c.keyPem, /^-----BEGIN PRIVATE KEY-----/);
      const p = await pki.authenticateCertificate({ raw: Buffer.from(cert.rawData) });
      assert.deepEqual(
        p && { kind: p.kind, name: p.name, roles: p.roles, via: p.via, serial: p.certificateSerial },
        { kind: "service", name: "stack_handler", roles: ["trader"], via: "certificate", serial: c.serial },
      );
      assert.equal((await pki.authenticateCertificate(c.certPem))?.name, "stack_handler");
      assert.equal(
        await pki.authenticateCertificate({}),
        null,
        "no certificate presented: not an mTLS caller",
      );
      const dir = mkdtempSync(join(tmpdir(), "rampart-pki-"));
      try {
        writeFileSync(join(dir, "ca.pem"), c.caPem);
        writeFileSync(join(dir, "cert.pem"), c.certPem);
        const r = spawnSync(
          "openssl",
          [
            "verify",
            "-attime",
            String(Math.floor(clock.now() / 1000)),
            "-purpose",
            "sslclient",
            "-CAfile",
            "ca.pem",
            "cert.pem",
          ],
          { cwd: dir, encoding: "utf8" },
        );
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /cert\.pem: OK/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test("expired and revoked certificates are 401", async () => {
      const c = await pki.issueCertificate("stack_handler", cli, 3600);
      clock.advance(3600_000 + 1000);
      await refused(c.certPem, "expired");
      clock.advance(-(3600_000 + 1000));
      const r = await pki.issueCertificate("stack_handler", cli);
      assert.ok(await pki.authenticateCertificate(r.certPem));
      await pki.revokeCertificate(r.serial, cli);
      await refused(r.certPem, "revoked");
      await assert.rejects(pki.revokeCertificate("ff", cli), (e) => code(e) === "ERR_PKI_CERT_NOT_FOUND");
    });

    test("self-signed and look-alike certificates with the same SPIFFE ID are 401", async () => {
      const san = "spiffe://rampart/service/stack_handler";
      const caName = "CN=Rampart internal CA, O=Rampart";
      await refused(
        await forge({ issuerName: "CN=stack_handler", subject: "", san, selfSigned: true }),
        "not_issued_by_rampart_ca",
      );
      await refused(await forge({ issuerName: caName, subject: "", san, selfSigned: true }), "bad_signature");
      await refused(
        await forge({ issuerName: caName, subject: "CN=stack_handler, O=Rampart service", san }),
        "bad_signature",
      );
      await refused((await createDevCertificate()).certPem, "not_issued_by_rampart_ca");
      await refused("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "unparseable");
      const serialized = JSON.stringify(events.filter((e) => e.action === "auth.certificate"));
      assert.ok(!serialized.includes("PRIVATE KEY"));
    });

    test("a disabled service account's certificate is 401", async () => {
      await pki.addServiceAccount("reports", ["read_only_analyst"], cli);
      const c = await pki.issueCertificate("reports", cli);
      assert.ok(await pki.authenticateCertificate(c.certPem));
      await pki.disableServiceAccount("reports", cli);
      await refused(c.certPem, "service_disabled");
    });

    test("through a real TLS 1.3 handshake (requestCert, rejectUnauthorized: false), as the gateway runs it", async () => {
      const c = await pki.issueCertificate("stack_handler", cli);
      const server = await createDevCertificate();
      const results: string[] = [];
      const srv = createServer(
        {
          cert: server.certPem,
          key: server.keyPem,
          ca: await pki.caCertificatePem(),
          requestCert: true,
          rejectUnauthorized: false,
          minVersion: "TLSv1.3",
        },
        (socket: TLSSocket) => {
          pki
            .authenticateCertificate(socket.getPeerCertificate(true))
            .then((p) => results.push(p ? `ok:${p.name}` : "none"))
            .catch((e: unknown) => results.push(`err:${code(e)}`))
            .finally(() => socket.end());
        },
      );
      await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
      const port = (srv.address() as { port: number }).port;
      const dial = (opts: { cert?: string; key?: string }) =>
        new Promise<void>((resolve, reject) => {
          const s = connect(
            { host: "127.0.0.1", port, ca: server.certPem, servername: "localhost", ...opts },
            () => {
              s.on("end", () => resolve());
              s.resume();
            },
          );
          s.on("error", reject);
        });
      try {
        await dial({ cert: c.certPem, key: c.keyPem });
        await dial({});
        const look = await createDevCertificate();
        await dial({ cert: look.certPem, key: look.keyPem });
        await new Promise((r) => setTimeout(r, 50));
        assert.deepEqual(results, ["ok:stack_handler", "none", "err:ERR_AUTH_INVALID_CERTIFICATE"]);
      } finally {
        await new Promise((r) => srv.close(r));
      }
    });
  });
}

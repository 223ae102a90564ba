// E-mail alerts against a real SMTP server (smtp-server, on loopback): five wrong passwords raise an
// authentication_attack incident whose playbook alerts the security team, and the message arrives
// over STARTTLS, authenticated, to the configured recipients. A server that offers no STARTTLS, a
// certificate the CA file does not vouch for, or a wrong password get nothing delivered, and the
// send fails (the runner retries and escalates); the password never appears in the error.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { alertsFromConfig, securityFor, startSecurity, stopSecurity } from "../../src/app-security.js";
import { until } from "../../src/kernel/testing.js";
import { createDevCertificate } from "../../src/pki/index.js";
import type { AlertSender } from "../../src/response/index.js";
import { failLogins, type Rampart, startRampart } from "./harness.js";

const PASSWORD = "smtp-Pass-7f3a91";

interface Received {
  from: string;
  to: string[];
  secure: boolean;
  user: string | undefined;
  raw: string;
}

/** A real SMTP server on loopback that keeps what it is given. */
async function smtpServer(
  tls: { key: string; cert: string },
  opts: Partial<SMTPServerOptions> = {},
): Promise<{ port: number; received: Received[]; authAttempts: () => number; close: () => Promise<void> }> {
  const received: Received[] = [];
  let authAttempts = 0;
  const server = new SMTPServer({
    secure: false,
    key: tls.key,
    cert: tls.cert,
    logger: false,
    authMethods: ["PLAIN", "LOGIN"],
    onAuth(auth, _session, cb) {
      authAttempts++;
      if (auth.username === "rampart" && auth.password === PASSWORD) cb(null, { user: auth.username });
      else cb(new Error("Invalid username or password"));
    },
    onData(stream, session, cb) {
      let raw = "";
      stream.on("data", (c: Buffer) => {
        raw += c.toString();
      });
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          secure: session.secure,
          user: session.user as string | undefined,
          raw,
        });
        cb();
      });
    },
    ...opts,
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    authAttempts: () => authAttempts,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function smtpYaml(port: number, caFile: string): string {
  return [
    "response:",
    "  notify:",
    '    security_team: { url: "", secret_env: RAMPART_ALERT_WEBHOOK_SECRET, email: [soc@desk.example, risk@desk.example] }',
    `  smtp: { host: localhost, port: ${port}, tls: starttls, ca_file: "${caFile}", from: rampart@desk.example, username: rampart, password_env: RAMPART_SMTP_PASSWORD, timeout_s: 5 }`,
  ].join("\n");
}

/** A message's header section, unfolded (RFC 5322 §2.2.3). */
function headerOf(raw: string): string {
  return (raw.split("\r\n\r\n")[0] ?? "").replace(/\r\n[ \t]+/g, " ");
}

function subjectOf(raw: string): string {
  return /^Subject: (.*)$/m.exec(headerOf(raw))?.[1] ?? "";
}

const ALERT = {
  incident: "inc-test-1",
  type: "authentication_attack",
  subject: "ip:203.0.113.9",
  severity: "high",
  status: "open",
  escalated: false,
  events: 5,
  evidence: [3, 4, 5, 6, 7],
  context: { ips: ["203.0.113.9"], users: [] },
};

describe("e-mail alerts over SMTP", () => {
  let dir: string;
  let caFile: string;
  let tls: { key: string; cert: string };
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "rampart-smtp-"));
    const c = await createDevCertificate({ hostnames: ["localhost"] });
    tls = { key: c.keyPem, cert: c.certPem };
    caFile = join(dir, "smtp-ca.pem");
    await writeFile(caFile, c.certPem);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("five wrong passwords: the security team's alert arrives over STARTTLS, authenticated", async () => {
    const smtp = await smtpServer(tls);
    const r: Rampart = await startRampart({
      yaml: smtpYaml(smtp.port, caFile),
      security: { env: { RAMPART_SMTP_PASSWORD: PASSWORD } },
    }).catch(async (e: unknown) => {
      await smtp.close();
      throw e;
    });
    try {
      await r.app
        .identity()
        .createUser(
          { username: "vera", roles: ["trader"], password: "Quartz-Lantern-Meadow-2026" },
          { via: "cli" },
        );
      await startSecurity(r.app);
      await failLogins(r, "vera");
      await until(() => smtp.received.length > 0);
      const [mail] = smtp.received;
      assert.ok(mail);
      assert.equal(mail.secure, true, "delivered over TLS (STARTTLS)");
      assert.equal(mail.user, "rampart", "authenticated");
      assert.equal(mail.from, "rampart@desk.example");
      assert.deepEqual(mail.to.sort(), ["risk@desk.example", "soc@desk.example"]);
      const [incident] = await securityFor(r.app).responder.list({ open: true, limit: 10 });
      assert.ok(incident);
      assert.match(subjectOf(mail.raw), /^\[Rampart\] HIGH authentication_attack: user:\S+ \(inc-/);
      assert.ok(mail.raw.includes(incident.id), "the message names the incident");
      assert.match(mail.raw, /Evidence \(ledger indices\): \d+/);
      assert.ok(!mail.raw.includes(PASSWORD));
      assert.ok(!mail.raw.includes("wrong-password"), "no submitted password in the alert");
      await securityFor(r.app).responder.idle();
      assert.equal(smtp.received.length, 1, "one incident, one message");
    } finally {
      await stopSecurity(r.app);
      await r.close().finally(() => smtp.close());
    }
  });

  type Smtp = Awaited<ReturnType<typeof smtpServer>>;

  /**
   * An SMTP server and the alerts Rampart configures for it (response.notify + response.smtp),
   * without detection running. `yaml` edits the configuration; both are closed afterwards.
   */
  async function withSender(
    o: {
      server?: Partial<SMTPServerOptions>;
      tls?: { key: string; cert: string };
      password?: string;
      yaml?: (text: string) => string;
    },
    fn: (alerts: AlertSender, smtp: Smtp) => Promise<void>,
  ): Promise<void> {
    const smtp = await smtpServer(o.tls ?? tls, o.server);
    try {
      const r = await startRampart({ yaml: (o.yaml ?? ((t) => t))(smtpYaml(smtp.port, caFile)) });
      try {
        await fn(alertsFromConfig(r.app, { RAMPART_SMTP_PASSWORD: o.password ?? PASSWORD }).sender, smtp);
      } finally {
        await r.close();
      }
    } finally {
      await smtp.close();
    }
  }

  test("a wrong password: nothing delivered, the send fails, and the error does not hold the password", async () => {
    await withSender({ password: "not-the-password-42" }, async (alerts, smtp) => {
      assert.ok(alerts.configured("security_team"));
      assert.ok(!alerts.configured("risk_manager"), "a channel without recipients is not configured");
      const e = await alerts.send("security_team", ALERT).then(
        () => assert.fail("sent with a wrong password"),
        (x: unknown) => x as { code: string; detail: string; message: string },
      );
      assert.equal(e.code, "ERR_RESPONSE_ACTION_FAILED");
      assert.ok(!`${e.message} ${e.detail}`.includes("not-the-password-42"));
      assert.equal(smtp.authAttempts(), 1);
      assert.equal(smtp.received.length, 0);
    });
  });

  test("a server that offers no STARTTLS gets no credentials and no message", async () => {
    const server = { disabledCommands: ["STARTTLS"], allowInsecureAuth: true };
    await withSender({ server }, async (alerts, smtp) => {
      await assert.rejects(alerts.send("security_team", ALERT), { code: "ERR_RESPONSE_ACTION_FAILED" });
      assert.equal(smtp.authAttempts(), 0, "credentials were sent in clear");
      assert.equal(smtp.received.length, 0);
    });
  });

  test("a certificate the CA file does not vouch for is refused", async () => {
    const other = await createDevCertificate({ hostnames: ["localhost"] });
    await withSender({ tls: { key: other.keyPem, cert: other.certPem } }, async (alerts, smtp) => {
      await assert.rejects(alerts.send("security_team", ALERT), { code: "ERR_RESPONSE_ACTION_FAILED" });
      assert.equal(smtp.authAttempts(), 0);
      assert.equal(smtp.received.length, 0);
    });
  });

  test("a webhook and e-mail on one channel: a failing webhook fails the send, the e-mail still goes", async () => {
    // The channel's webhook points at a closed port: its failure must not stop the e-mail, and must
    // still fail the action (the runner retries it).
    const yaml = (t: string) => t.replace('url: ""', 'url: "https://127.0.0.1:1/hook"');
    await withSender({ yaml }, async (alerts, smtp) => {
      await assert.rejects(alerts.send("security_team", { ...ALERT, escalation: true }), {
        code: "ERR_RESPONSE_ACTION_FAILED",
        detail: /webhook unreachable/,
      });
      assert.equal(smtp.received.length, 1, "the e-mail went out although the webhook failed");
      assert.match(
        subjectOf(smtp.received[0]?.raw ?? ""),
        /^\[Rampart\] HIGH ESCALATED authentication_attack: /,
      );
    });
  });

  test("a line break in an incident's fields cannot add a header or a recipient", async () => {
    await withSender({}, async (alerts, smtp) => {
      await alerts.send("security_team", {
        ...ALERT,
        subject: "ip:203.0.113.9\r\nBcc: thief@attacker.example",
      });
      assert.equal(smtp.received.length, 1);
      const [mail] = smtp.received;
      assert.deepEqual(mail?.to.sort(), ["risk@desk.example", "soc@desk.example"]);
      assert.doesNotMatch(headerOf(mail?.raw ?? ""), /^Bcc:/im);
      assert.match(subjectOf(mail?.raw ?? ""), /ip:203\.0\.113\.9 Bcc: thief@attacker\.example/);
    });
  });

  test("a CA file that cannot be read stops detection and response from starting, naming it", async () => {
    const r = await startRampart({ yaml: smtpYaml(2525, join(dir, "missing-ca.pem")) });
    try {
      await assert.rejects(startSecurity(r.app), {
        code: "ERR_CONFIG_INVALID",
        message: /response\.smtp\.ca_file: cannot read .*missing-ca\.pem \(ENOENT\)/,
      });
    } finally {
      await stopSecurity(r.app);
      await r.close();
    }
  });
});

// The syslog sink against a real rsyslog (Debian's rsyslogd, started here with its own config on a
// loopback port, writing to a temp file): RFC 5424 messages with octet counting (RFC 6587) over TCP
// are parsed by rsyslog field by field; while rsyslog is down the sink retries, and once it is back
// every missed record arrives. TLS (RFC 5425) is tested against a local TLS receiver, and against
// rsyslog when its TLS driver (rsyslog-openssl / rsyslog-gnutls) is installed.
import assert from "node:assert/strict";
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer as createNetServer, connect as netConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { createServer as createTlsServer, type TLSSocket } from "node:tls";
import { ManualClock, silentLogger } from "../../kernel/index.js";
import { exitOf, until } from "../../kernel/testing.js";
import { createDevCertificate } from "../../pki/index.js";
import {
  createLedgerRepository,
  createSinkCursorRepository,
  createSinkSource,
  openTestStore,
  type TestStore,
} from "../../store/index.js";
import { AuditLedger } from "../ledger.js";
import { sampleEvent, testSigner } from "../testing.js";
import { SinkRunner } from "./runner.js";
import { createSyslogSink, frameOctetCounted } from "./syslog.js";
import type { Sink } from "./types.js";

/** rsyslog may take a while to start and relay on a busy machine. */
const WAIT_MS = 15_000;

function rsyslogd(): string | undefined {
  for (const p of ["/usr/sbin/rsyslogd", "/sbin/rsyslogd"]) if (existsSync(p)) return p;
  try {
    return execFileSync("sh", ["-c", "command -v rsyslogd"], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}
const RSYSLOGD = rsyslogd();
const SKIP = RSYSLOGD ? false : "rsyslogd is not installed (apt-get install -y rsyslog)";

/**
 * A port for rsyslogd to listen on. It is chosen below the kernel's ephemeral range, so that
 * between our probe closing it and rsyslogd binding it (or while rsyslogd is stopped) no outgoing
 * connection can be given it as its local port; a random one, checked to be free, so concurrent
 * test files do not pick the same.
 */
async function freePort(): Promise<number> {
  let low = 32768;
  try {
    const range = (await readFile("/proc/sys/net/ipv4/ip_local_port_range", "utf8")).trim().split(/\s+/);
    const first = Number(range[0]);
    if (Number.isInteger(first) && first > 0) low = first;
  } catch {
    // Not Linux: assume the usual range.
  }
  const floor = Math.min(20_000, Math.max(1024, low - 1000));
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = floor + Math.floor(Math.random() * (low - floor));
    const s = createNetServer();
    const bound = await new Promise<boolean>((resolve) => {
      s.once("error", () => resolve(false));
      s.listen(port, "127.0.0.1", () => resolve(true));
    });
    if (!bound) continue;
    await new Promise<void>((r) => s.close(() => r()));
    return port;
  }
  throw new Error(`no free port found in ${floor}..${low - 1}`);
}

interface Line {
  facility: number;
  severity: number;
  app: string;
  msgid: string;
  sd: string;
  json: { kind: string; index?: number; tree_size?: number };
}

class Rsyslog {
  #child: ChildProcess | undefined;
  constructor(
    readonly dir: string,
    readonly port: number,
    /** RFC 5425: rsyslog's GnuTLS driver with this certificate and key (PEM files). */
    readonly tls?: { certFile: string; keyFile: string },
  ) {}
  get out(): string {
    return join(this.dir, "out.log");
  }
  async start(): Promise<void> {
    const conf = join(this.dir, "rsyslog.conf");
    await writeFile(
      conf,
      [
        this.tls
          ? `global(workDirectory="${this.dir}" maxMessageSize="64k" DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="${this.tls.certFile}" DefaultNetstreamDriverCertFile="${this.tls.certFile}" DefaultNetstreamDriverKeyFile="${this.tls.keyFile}")`
          : `global(workDirectory="${this.dir}" maxMessageSize="64k")`,
        this.tls
          ? 'module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.Authmode="anon")'
          : 'module(load="imtcp")',
        `input(type="imtcp" address="127.0.0.1" port="${this.port}" ruleset="rampart")`,
        'template(name="fields" type="string" string="%syslogfacility%|%syslogseverity%|%app-name%|%msgid%|%structured-data%|%msg%\\n")',
        `ruleset(name="rampart") { action(type="omfile" file="${this.out}" template="fields") }`,
        "",
      ].join("\n"),
    );
    this.#child = spawn(RSYSLOGD as string, ["-n", "-f", conf, "-i", join(this.dir, "rsyslogd.pid")], {
      stdio: "ignore",
    });
    // Ready when the port accepts connections. (Probing by binding the port ourselves would race
    // rsyslogd for it; rsyslogd that loses keeps running without a listener.)
    try {
      await until(
        () =>
          new Promise<boolean>((resolve) => {
            const s = netConnect(this.port, "127.0.0.1");
            s.once("connect", () => {
              s.destroy();
              resolve(true);
            });
            s.once("error", () => resolve(false));
          }),
        WAIT_MS,
      );
    } catch (e) {
      await this.stop();
      throw new Error(`rsyslogd did not listen on ${this.port}: ${(e as Error).message}`);
    }
  }
  async stop(): Promise<void> {
    const c = this.#child;
    this.#child = undefined;
    if (!c) return;
    c.kill("SIGTERM");
    await exitOf(c, WAIT_MS, "rsyslogd after SIGTERM");
  }
  async lines(): Promise<Line[]> {
    if (!existsSync(this.out)) return [];
    return (await readFile(this.out, "utf8"))
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const [facility, severity, app, msgid, ...rest] = l.split("|");
        const tail = rest.join("|");
        const m = /^(-|\[.*?[^\\]\])\|(.*)$/s.exec(tail);
        const sd = m?.[1] ?? "";
        const msg = (m?.[2] ?? "").replace(/^\uFEFF/, "");
        return {
          facility: Number(facility),
          severity: Number(severity),
          app: app as string,
          msgid: msgid as string,
          sd,
          json: JSON.parse(msg) as Line["json"],
        };
      });
  }
}

describe("syslog sink against a real rsyslogd", { skip: SKIP }, () => {
  let ts: TestStore;
  let ledger: AuditLedger;
  let dir: string;
  let rs: Rsyslog;
  const clock = new ManualClock();

  before(async () => {
    ts = await openTestStore({ url: undefined });
    ledger = new AuditLedger({
      store: createLedgerRepository(ts.store),
      clock,
      origin: "rampart.test/audit",
      signer: testSigner(),
      checkpointEvery: 1_000_000,
      checkpointIntervalMs: 3_600_000,
    });
    dir = await mkdtemp(join(tmpdir(), "rampart-rsyslog-"));
    rs = new Rsyslog(dir, await freePort());
    await rs.start();
  });
  const running: SinkRunner[] = [];
  after(async () => {
    for (const r of running) await r.stop().catch(() => {});
    await rs?.stop();
    await ledger?.close();
    await ts?.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  const runner = (sink: Sink) => {
    const r = new SinkRunner({
      sink,
      source: createSinkSource(ts.store),
      cursors: createSinkCursorRepository(ts.store),
      logger: silentLogger,
      pollMs: 20,
      retryMaxMs: 100,
      batchSize: 50,
    });
    running.push(r);
    return r;
  };
  const tcpSink = () =>
    createSyslogSink({
      name: "rsyslog",
      host: "127.0.0.1",
      port: rs.port,
      transport: "tcp",
      hostname: "rampart-test",
    });

  test("RFC 5424 over TCP with octet counting: rsyslog parses facility, severity, app, msgid, SD and the JSON", async () => {
    await ledger.record(sampleEvent(1)); // success
    await ledger.record(sampleEvent(3)); // failure
    await ledger.record({
      event_type: "system",
      action: "x.y",
      outcome: "error",
      details: { note: 'a "quoted" ] value\nline2' },
    });
    await ledger.checkpoint();
    const run = runner(tcpSink());
    run.start();
    await until(async () => (await rs.lines()).length >= 4, WAIT_MS);
    await run.stop();
    const lines = await rs.lines();
    const events = lines.filter((l) => l.json.kind === "audit_event");
    assert.deepEqual(
      events.map((l) => l.json.index),
      [0, 1, 2],
    );
    assert.deepEqual(
      events.map((l) => l.severity),
      [6, 5, 3],
      "success info, failure notice, error err",
    );
    for (const l of lines) {
      assert.equal(l.facility, 13);
      assert.equal(l.app, "rampart");
    }
    assert.equal(events[0]?.msgid, "authentication");
    assert.match(events[0]?.sd ?? "", /^\[rampart@32473 index="0" action="auth\.login" outcome="success"\]$/);
    const cp = lines.find((l) => l.json.kind === "audit_checkpoint");
    assert.equal(cp?.msgid, "checkpoint");
    assert.equal(cp?.json.tree_size, 3);
  });

  test("rsyslog down: the sink retries; a sink stopped for a minute and restarted; everything arrives", async () => {
    const before = (await rs.lines()).filter((l) => l.json.kind === "audit_event").length;
    const start = await ledger.size();
    const run = runner(tcpSink());
    run.start();
    await until(() => run.status().nextIndex === start, WAIT_MS);
    // Receiver outage.
    await rs.stop();
    for (let i = 0; i < 25; i++) await ledger.record(sampleEvent(100 + i));
    await until(() => run.status().failures >= 3, WAIT_MS);
    assert.equal(run.status().nextIndex, start, "nothing counted as delivered while rsyslog is down");
    // Sink outage: stopped for a minute while the ledger grows.
    await run.stop();
    clock.advance(60_000);
    for (let i = 0; i < 25; i++) await ledger.record(sampleEvent(200 + i));
    await rs.start();
    const run2 = runner(tcpSink());
    run2.start();
    const total = await ledger.size();
    await until(() => run2.status().nextIndex === total, WAIT_MS);
    await run2.stop();
    await until(
      async () => (await rs.lines()).filter((l) => l.json.kind === "audit_event").length >= total - before,
      WAIT_MS,
    );
    const got = new Set((await rs.lines()).map((l) => l.json.index).filter((i) => i !== undefined));
    for (let i = 0; i < total; i++) assert.ok(got.has(i), `index ${i} reached rsyslog`);
  });
  // The config below names the GnuTLS driver (gtls), so that is the one that must be there.
  const tlsDriver = [
    "/usr/lib/x86_64-linux-gnu/rsyslog",
    "/usr/lib/aarch64-linux-gnu/rsyslog",
    "/usr/lib/rsyslog",
  ].some((d) => existsSync(join(d, "lmnsd_gtls.so")));
  test("RFC 5425 over TLS: rsyslog (GnuTLS driver) receives every entry; a sink that does not trust its certificate sends nothing", {
    skip: tlsDriver ? false : "rsyslog's TLS driver (rsyslog-gnutls) is not installed",
  }, async () => {
    const tlsDir = await mkdtemp(join(tmpdir(), "rampart-rsyslog-tls-"));
    const pem = await createDevCertificate();
    const certFile = join(tlsDir, "cert.pem");
    const keyFile = join(tlsDir, "key.pem");
    await writeFile(certFile, pem.certPem);
    await writeFile(keyFile, pem.keyPem, { mode: 0o600 });
    const secure = new Rsyslog(tlsDir, await freePort(), { certFile, keyFile });
    try {
      await secure.start();
      const tlsSink = (ca: string) =>
        createSyslogSink({
          name: `rsyslog-tls-${ca.length}`,
          host: "127.0.0.1",
          port: secure.port,
          transport: "tls",
          serverName: "localhost",
          ca,
          hostname: "rampart-test",
        });
      const other = await createDevCertificate();
      const untrusting = runner(tlsSink(other.certPem));
      untrusting.start();
      // It has tried and failed (not merely not tried yet), and the failure is the certificate.
      await until(() => untrusting.status().failures >= 1, WAIT_MS);
      await untrusting.stop();
      assert.match(untrusting.status().lastError ?? "", /certificate/i);
      assert.equal((await secure.lines()).length, 0, "nothing is sent to a server that fails verification");

      const size = await ledger.size();
      const run = runner(tlsSink(pem.certPem));
      run.start();
      await until(
        async () => (await secure.lines()).filter((l) => l.json.kind === "audit_event").length >= size,
        WAIT_MS,
      );
      await run.stop();
      const indexes = (await secure.lines())
        .filter((l) => l.json.kind === "audit_event")
        .map((l) => l.json.index);
      assert.deepEqual(
        [...new Set(indexes)].sort((a, b) => (a ?? 0) - (b ?? 0)),
        Array.from({ length: size }, (_, i) => i),
      );
    } finally {
      await secure.stop();
      await rm(tlsDir, { recursive: true, force: true });
    }
  });
});

describe("syslog sink over TLS (RFC 5425)", () => {
  test("octet-counted frames over a verified TLS connection; an unverifiable server gets nothing", async () => {
    const cert = await createDevCertificate({ hostnames: ["localhost"] });
    const frames: string[] = [];
    const accepted = new Set<TLSSocket>();
    const server = createTlsServer(
      { cert: cert.certPem, key: cert.keyPem, minVersion: "TLSv1.2" },
      (sock) => {
        accepted.add(sock);
        let buf = Buffer.alloc(0);
        sock.on("data", (d: Buffer) => {
          buf = Buffer.concat([buf, d]);
          for (;;) {
            const sp = buf.indexOf(0x20);
            if (sp < 0) break;
            const len = Number(buf.subarray(0, sp).toString("ascii"));
            if (buf.length < sp + 1 + len) break;
            frames.push(buf.subarray(sp + 1, sp + 1 + len).toString("utf8"));
            buf = buf.subarray(sp + 1 + len);
          }
        });
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const sink = createSyslogSink({
        name: "tls",
        host: "127.0.0.1",
        serverName: "localhost",
        port,
        transport: "tls",
        ca: cert.certPem,
        hostname: "h",
      });
      const rec = {
        kind: "audit_event" as const,
        index: 7,
        leaf_hash: "00",
        event: {
          timestamp: "2026-01-05T12:00:00.000Z",
          event_type: "keys",
          action: "k.r",
          outcome: "success",
          note: "é",
        },
      };
      await sink.deliver([rec, { ...rec, index: 8 }]);
      await until(() => frames.length === 2, WAIT_MS);
      await sink.close();
      assert.match(
        frames[0] ?? "",
        /^<110>1 2026-01-05T12:00:00\.000Z h rampart \d+ keys \[rampart@32473 index="7"/,
      );
      assert.ok(frames[0]?.includes("\uFEFF{"), "MSG is UTF-8 with a BOM");
      assert.equal(JSON.parse((frames[1] ?? "").split("\uFEFF")[1] ?? "").index, 8);
      assert.equal(frameOctetCounted("é").toString(), "2 é", "length counts octets");

      const untrusted = createSyslogSink({
        name: "tls2",
        host: "127.0.0.1",
        serverName: "localhost",
        port,
        transport: "tls",
      });
      await assert.rejects(untrusted.deliver([rec]));
      await untrusted.close();
      assert.equal(frames.length, 2);
    } finally {
      // A failed step may have left a connection open, which server.close() would wait on.
      for (const sock of accepted) sock.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe("syslog sink against a receiver that stops reading", () => {
  // Without the deadline this test would wait for ever: its own timeout names it instead.
  test("a batch the receiver never takes fails after the write deadline; the next goes on a new connection", {
    timeout: 20_000,
  }, async () => {
    const sockets: Socket[] = [];
    const server = createNetServer((sock) => {
      sockets.push(sock);
      sock.pause(); // accepts the connection, reads nothing: the TCP window fills
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    const sink = createSyslogSink({
      name: "stuck",
      host: "127.0.0.1",
      port,
      transport: "tcp",
      writeTimeoutMs: 300,
    });
    try {
      const rec = (index: number) => ({
        kind: "audit_event" as const,
        index,
        leaf_hash: "00",
        event: {
          timestamp: "2026-01-05T12:00:00.000Z",
          event_type: "system",
          action: "x.y",
          outcome: "success",
          pad: "z".repeat(60_000),
        },
      });
      // About 12 MB: far more than the socket buffers on both ends hold.
      const big = Array.from({ length: 200 }, (_, i) => rec(i));
      const t0 = Date.now();
      await assert.rejects(sink.deliver(big), /took no batch within 300 ms/);
      assert.ok(Date.now() - t0 < 5000, "it gave up at its deadline, not when the receiver did");
      // The stuck connection was dropped: a small batch (it fits the buffers) goes on a new one.
      await sink.deliver([rec(200)]);
      await until(() => sockets.length === 2, WAIT_MS);
    } finally {
      await sink.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

// The broker kill switch against a TCP server that speaks IBC's command-server protocol as its
// sources define it (CommandChannel: optional `INFO IBC Command Server` greeting and prompt, one
// command per line, `OK …` / `ERROR …` answers; StopTask: `OK Shutting down`, then close).
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, describe, it } from "node:test";
import { IbcAdapter, sendIbcCommand } from "../index.js";

interface FakeIbc {
  port: number;
  commands: string[];
  close(): Promise<void>;
}

async function startFakeIbc(
  opts: { info?: boolean; prompt?: string; stopInProgress?: boolean } = {},
): Promise<FakeIbc> {
  const commands: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.setEncoding("utf8");
    if (opts.info) s.write("INFO IBC Command Server\n");
    if (opts.prompt) s.write(opts.prompt);
    let buf = "";
    s.on("data", (c: string) => {
      buf += c;
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        const cmd = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (!cmd) continue;
        commands.push(cmd);
        if (cmd.toUpperCase() === "STOP") {
          if (opts.stopInProgress) s.end("ERROR STOP already in progress\n");
          else {
            if (opts.info) s.write("INFO Closing IBC\n");
            s.end("OK Shutting down\n");
          }
        } else if (cmd.toUpperCase() === "EXIT") s.end("OK Goodbye\n");
        else s.write(`ERROR Command invalid\n${opts.prompt ?? ""}`);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return {
    port,
    commands,
    close: () =>
      new Promise((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

describe("IBC broker kill switch", () => {
  const servers: FakeIbc[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });

  it("sends STOP to a listening command server and reports OK as confirmed", async () => {
    const ibc = await startFakeIbc();
    servers.push(ibc);
    const a = new IbcAdapter({ host: "127.0.0.1", port: ibc.port, timeoutMs: 2000 });
    const r = await a.execute("broker_stop", "global");
    assert.equal(r.ok, true);
    assert.deepEqual(ibc.commands, ["STOP"]);
    assert.equal((await a.confirm("broker_stop", "global", r)).confirmed, true);
  });

  it("understands the INFO greeting and a command prompt", async () => {
    const ibc = await startFakeIbc({ info: true, prompt: "IBC> " });
    servers.push(ibc);
    const r = await sendIbcCommand({ host: "127.0.0.1", port: ibc.port, timeoutMs: 2000 }, "STOP");
    assert.deepEqual({ ok: r.ok, message: r.message }, { ok: true, message: "Shutting down" });
  });

  it("reports ERROR (STOP already in progress) as failed", async () => {
    const ibc = await startFakeIbc({ stopInProgress: true });
    servers.push(ibc);
    const a = new IbcAdapter({ host: "127.0.0.1", port: ibc.port, timeoutMs: 2000 });
    const r = await a.execute("broker_stop", "global");
    assert.equal(r.ok, false);
    assert.match(r.error ?? "", /already in progress/);
    assert.equal((await a.confirm("broker_stop", "global", r)).confirmed, false);
  });

  it("reports an unreachable command server as a failed action, not a success", async () => {
    const ibc = await startFakeIbc();
    const port = ibc.port;
    await ibc.close();
    const a = new IbcAdapter({ host: "127.0.0.1", port, timeoutMs: 1000 });
    const r = await a.execute("broker_stop", "global");
    assert.equal(r.ok, false);
    assert.match(r.error ?? "", /cannot reach the IBC command server: ECONNREFUSED/);
    assert.equal((await a.confirm("broker_stop", "global", r)).confirmed, false);
  });

  it("a server that accepts but never answers times out as failed", async () => {
    const held = new Set<Socket>();
    const silent = createServer((s) => {
      held.add(s);
    });
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const port = (silent.address() as { port: number }).port;
      const r = await sendIbcCommand({ host: "127.0.0.1", port, timeoutMs: 200 }, "STOP");
      assert.equal(r.ok, false);
      assert.match(r.message, /no answer within 200 ms/);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

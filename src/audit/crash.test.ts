// Durability: a process appending from 16 writers is killed with SIGKILL; after reopening, every
// entry it acknowledged is present (same event id at the same index) and the ledger verifies.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { after, describe, test } from "node:test";
import { exitOf } from "../kernel/testing.js";
import {
  databaseTargets,
  migrateToLatest,
  openStore,
  openTestStore,
  type TestStore,
} from "../store/index.js";
import { createLedgerRepository } from "../store/repos/ledger.js";
import { parseStoredEvent } from "./event.js";
import { testSigner } from "./testing.js";
import { verifyLedger } from "./verify-ledger.js";

const runs = databaseTargets(process.env).flatMap((target) => [
  { target, thread: false },
  // SQLite as `rampart serve` runs it: commits on the ledger writer thread.
  ...(target.dialect === "sqlite" ? [{ target, thread: true }] : []),
]);

for (const { target, thread } of runs) {
  describe(`SIGKILL while appending (${target.dialect}${thread ? ", writer thread" : ""})`, {
    skip: target.skip,
  }, () => {
    const opened: TestStore[] = [];
    after(async () => {
      for (const ts of opened) await ts.dispose();
    });

    test("every acknowledged entry survives and the ledger verifies", async () => {
      const ts = await openTestStore(target);
      opened.push(ts);
      await migrateToLatest(ts.store);
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          new URL("./fixtures/crash-writer.ts", import.meta.url).pathname,
          ts.dataDir,
          target.url ?? "",
          ts.store.schema ?? "",
          thread ? "thread" : "",
        ],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      const acked = new Map<number, string>();
      let buf = "";
      let started = false;
      const ready = new Promise<void>((resolve) => {
        child.stdout.on("data", (d: Buffer) => {
          buf += d.toString();
          const lines = buf.split("\n");
          buf = lines.pop() ?? "";
          for (const l of lines) {
            if (l === "ready") started = true;
            const [i, id] = l.split(" ");
            if (id) acked.set(Number(i), id);
          }
          if (started && acked.size >= 2000) resolve();
        });
      });
      // A writer that dies before it is ready fails the test rather than leaving it waiting.
      const died = exitOf(child, 60_000, "the crash writer").then(({ code, signal }) => {
        throw new Error(`the writer exited (${signal ?? code}) after ${acked.size} acknowledgements`);
      });
      try {
        await Promise.race([ready, died]);
      } finally {
        child.kill("SIGKILL");
      }
      await died.catch(() => {});
      assert.ok(acked.size >= 2000);
      // Reopen, as a restarted server would.
      const store = await openStore({ dataDir: ts.dataDir, url: target.url, schema: ts.store.schema });
      try {
        const repo = createLedgerRepository(store);
        const size = await repo.size();
        assert.ok(size >= acked.size);
        for (const [index, id] of acked) {
          const row = await repo.readEntry(index);
          assert.equal(parseStoredEvent(row?.canonical ?? "")?.event.event_id, id, `entry ${index}`);
        }
        const report = await verifyLedger(repo, { publicKey: testSigner() });
        assert.equal(report.ok, true, JSON.stringify(report.problem));
        assert.equal(report.size, size);
      } finally {
        await store.close();
      }
    });
  });
}

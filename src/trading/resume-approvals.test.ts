// Four-eyes resume requests over the real repository, on SQLite and (with
// RAMPART_TEST_DATABASE_URL) PostgreSQL: the approving UPDATE is conditional on the request not
// having expired, so the database refuses a late approval whatever the caller read before.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { isRampartError, ManualClock } from "../kernel/index.js";
import { databaseTargets, openTestStore, type TestStore, TradingRepository } from "../store/index.js";
import type { TradingStore } from "./ports.js";
import { LocalResumeApprovals } from "./resume-approvals.js";
import type { TradingActor } from "./types.js";

const TTL = 60_000;
const alice: TradingActor = { id: "u-alice", name: "alice", via: "api" };
const bob: TradingActor = { id: "u-bob", name: "bob", via: "api" };
let n = 0;
const newId = () => `rr-${++n}`;

for (const db of databaseTargets(process.env)) {
  describe(`resume approvals in the database (${db.dialect})`, { skip: db.skip }, () => {
    let ts: TestStore;
    let repo: TradingRepository;
    const clock = new ManualClock();
    before(async () => {
      ts = await openTestStore(db);
      repo = new TradingRepository(ts.store);
    });
    after(async () => ts.dispose());

    it("the store approves only while unexpired (up to and including the expiry instant)", async () => {
      const approvals = new LocalResumeApprovals({ store: repo, clock, ttlMs: TTL, newId });
      const r = await approvals.propose({ scope: "global", reason: "ok", actor: alice, drill: false });
      const approve = (at: number) =>
        repo.transitionResumeRequest(
          r.id,
          "pending",
          "approved",
          { approvedBy: bob.id, approvedAt: at },
          { notExpiredAt: at },
        );
      assert.equal(await approve(r.expiresAt + 1), false, "one millisecond past the expiry");
      assert.equal((await repo.getResumeRequest(r.id))?.status, "pending");
      assert.equal(await approve(r.expiresAt), true, "at the expiry instant");
      assert.equal((await repo.getResumeRequest(r.id))?.status, "approved");
    });

    it("a request whose expiry passes between the read and the UPDATE is not approved, and is marked expired", async () => {
      // The read is held (a slow database, a paused process) while the clock passes the expiry.
      let hold = false;
      const store = new Proxy(repo, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver) as unknown;
          if (prop !== "getResumeRequest" || typeof v !== "function") return v;
          return async (id: string) => {
            const read = await (v as TradingStore["getResumeRequest"]).call(target, id);
            if (hold) {
              hold = false;
              await new Promise((resolve) => setTimeout(resolve, 5));
              clock.advance(TTL + 1);
            }
            return read;
          };
        },
      });
      const approvals = new LocalResumeApprovals({ store, clock, ttlMs: TTL, newId });
      const r = await approvals.propose({ scope: "global", reason: "ok", actor: alice, drill: false });
      hold = true;
      const err = await approvals.approve(r.id, bob).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(isRampartError(err), String(err));
      assert.equal(err.code, "ERR_TRADING_APPROVAL_NOT_USABLE");
      assert.match(err.message, /expired/);
      const after = await repo.getResumeRequest(r.id);
      assert.equal(after?.status, "expired");
      assert.equal(after?.approvedBy, null);
    });
  });
}

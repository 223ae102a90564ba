// The signing-key set's loads overlap (a rotation message from another instance, an unknown kid,
// this instance's own rotation). With one load held back by the test, an older load finishing last
// never replaces what a newer one read.
import assert from "node:assert/strict";
import { test } from "node:test";
import { TokenRepository } from "../store/index.js";
import { SigningKeySet } from "./key-set.js";
import type { TokenStore } from "./ports.js";
import { openTokenHarness } from "./testing.js";

test("a load begun before a rotation and finished after a newer load does not bring the old set back", async () => {
  const h = await openTokenHarness();
  try {
    const first = await h.tokens.rotateSigningKey({ via: "cli" });
    let hold: Promise<void> | undefined;
    const repo = new TokenRepository(h.store);
    const store = new Proxy(repo, {
      get(target, prop, receiver) {
        if (prop !== "listSigningKeys") return Reflect.get(target, prop, receiver);
        return async () => {
          const held = hold; // a load is held if it began while the test held loads
          const rows = await target.listSigningKeys();
          await held;
          return rows;
        };
      },
    }) as TokenStore;
    const keys = new SigningKeySet(store, h.keyring);
    await keys.load();
    assert.equal(keys.current()?.kid, first.kid);

    let release: () => void = () => {};
    hold = new Promise<void>((r) => {
      release = r;
    });
    const older = keys.load(); // reads the set as it is now, then waits
    hold = undefined;
    const second = await h.tokens.rotateSigningKey({ via: "cli" });
    await keys.load(); // the newer load: the rotated set
    assert.equal(keys.current()?.kid, second.kid);
    release();
    await older;
    assert.equal(keys.current()?.kid, second.kid, "the older read did not win");
    assert.equal(keys.get(first.kid)?.status, "previous");
  } finally {
    await h.dispose();
  }
});

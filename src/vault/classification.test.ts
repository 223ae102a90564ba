// Classification: the seed's levels and rules from config; exact examples win; the catch-all.
import assert from "node:assert/strict";
import { test } from "node:test";
import { loadConfig } from "../config/index.js";
import { Classifier, parseRetention } from "./index.js";

const classifier = Classifier.fromConfig(loadConfig({ fileName: "rampart.yaml", text: undefined }));

test("the issue's examples classify as the seed says", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["api_key", "restricted", /^rule 1 contains "key"$/],
    ["trading_positions", "confidential", /^example/],
    ["historical_prices", "internal", /^example/],
    ["market_holidays", "public", /^example/],
    ["weather_notes", "internal", /^default$/],
    ["IB_PASSWORD", "restricted", /^rule 1/],
    ["oauth_state", "restricted", /^rule 2 contains "auth"$/],
    ["order_book", "confidential", /^rule 3/],
    ["account_balance", "confidential", /^rule 4/],
    ["vol_forecast", "internal", /^rule 5/],
  ];
  for (const [name, level, rule] of cases) {
    const c = classifier.classify(name);
    assert.equal(c.level, level, name);
    assert.match(c.rule, rule, name);
  }
});

test("restricted and confidential are encrypted at rest; restricted values are redacted; retention comes from the level", () => {
  assert.equal(classifier.classify("api_key").encryptAtRest, true);
  assert.equal(classifier.classify("pnl_data").encryptAtRest, true);
  assert.equal(classifier.classify("historical_prices").encryptAtRest, false);
  assert.deepEqual(
    classifier.redact({ user: "bob", password: "hunter2", nested: [{ api_key: "k", price: 3 }] }),
    {
      user: "bob",
      password: "[redacted]",
      nested: [{ api_key: "[redacted]", price: 3 }],
    },
  );
  assert.deepEqual(classifier.classify("api_key").retention, { days: 3650, secureDeletion: true });
  assert.deepEqual(classifier.classify("weather").retention, { days: 7 * 365, secureDeletion: false });
  assert.deepEqual(parseRetention("indefinite"), { days: null, secureDeletion: false });
});

test("matching is linear: a long adversarial name classifies quickly", () => {
  const name = `${"a".repeat(200_000)}!`;
  const t = performance.now();
  assert.equal(classifier.classify(name).level, "internal");
  // Linear is about a millisecond; backtracking over 200,000 characters would not finish at all. The
  // bound only tells the two apart, with room for a loaded machine.
  assert.ok(performance.now() - t < 2000);
});

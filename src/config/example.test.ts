import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { renderExampleConfig } from "./example.js";
import { defaultConfig, loadConfig } from "./index.js";

test("rampart.example.yaml is current (regenerate: node --import tsx scripts/gen-example-config.ts)", () => {
  assert.equal(readFileSync("rampart.example.yaml", "utf8"), renderExampleConfig());
});

test("rampart.example.yaml loads, and its values are exactly the defaults", () => {
  const fromExample = loadConfig({
    fileName: "rampart.example.yaml",
    text: readFileSync("rampart.example.yaml", "utf8"),
  });
  assert.deepEqual(JSON.parse(JSON.stringify(fromExample)), defaultConfig());
});

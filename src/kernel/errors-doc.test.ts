// docs/errors.md lists every error code the code base can produce, and nothing else.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) sourceFiles(p, out);
    else if (name.endsWith(".ts") && !name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

test("every ERR_ code in src/ is documented in docs/errors.md, and every documented code exists", () => {
  const inCode = new Set<string>();
  for (const f of sourceFiles("src")) {
    for (const m of readFileSync(f, "utf8").matchAll(/["'`](ERR_[A-Z0-9_]+)["'`]/g))
      inCode.add(m[1] as string);
  }
  const inDocs = new Set<string>();
  for (const m of readFileSync("docs/errors.md", "utf8").matchAll(/^\| `(ERR_[A-Z0-9_]+)`/gm))
    inDocs.add(m[1] as string);
  const undocumented = [...inCode].filter((c) => !inDocs.has(c)).sort();
  const stale = [...inDocs].filter((c) => !inCode.has(c)).sort();
  assert.deepEqual(
    undocumented,
    [],
    `codes used in src/ but missing from docs/errors.md: ${undocumented.join(", ")}`,
  );
  assert.deepEqual(stale, [], `codes in docs/errors.md that src/ no longer uses: ${stale.join(", ")}`);
  assert.ok(inCode.size > 0);
});

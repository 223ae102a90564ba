// Known answers: the Certificate Transparency reference 8-leaf tree (RFC 6962/9162 hashing), as
// published in google/certificate-transparency-go merkletree/merkle_verifier_test.go and
// transparency-dev/merkle testonly/constants.go: leaf inputs, every root, every perfect subtree,
// and the inclusion and consistency proofs of those suites.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  CompactRange,
  decomposeRange,
  EMPTY_ROOT,
  type Hash,
  hashLeaf,
  hashLeafText,
  type NodeKey,
  type StoredNode,
  verifyConsistency,
  verifyInclusion,
} from "./merkle.js";
import { consistencyProof, inclusionProof, rootAt } from "./proofs.js";

const hx = (s: string): Buffer => Buffer.from(s, "hex");
const LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
];
const ROOTS = [
  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];
const NODES = [
  [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
    "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
    "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
    "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
    "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
  ],
  [
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
  ],
  [
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
  ],
  ["5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"],
];
// [leaf index (0-based), tree size, proof]
const INCLUSION: Array<[number, number, string[]]> = [
  [0, 1, []],
  [
    0,
    8,
    [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  ],
  [
    5,
    8,
    [
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
  [2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]],
  [
    1,
    5,
    [
      "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  ],
];
// [first size, second size, proof]
const CONSISTENCY: Array<[number, number, string[]]> = [
  [1, 1, []],
  [
    1,
    8,
    [
      "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ],
  ],
  [
    6,
    8,
    [
      "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ],
  ],
  [
    2,
    5,
    [
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ],
  ],
];

/** The reference tree held as a node store, built the way the ledger builds it: by appending. */
function buildStore(): {
  reader: { readNodes(keys: readonly NodeKey[]): Promise<Hash[]> };
  stored: StoredNode[];
} {
  const range = new CompactRange();
  const stored: StoredNode[] = [];
  const map = new Map<string, Hash>();
  LEAVES.forEach((l, i) => {
    const leaf = hashLeaf(hx(l));
    map.set(`0:${i}`, leaf);
    const completed: StoredNode[] = [];
    range.append(leaf, completed);
    for (const n of completed) map.set(`${n.level}:${n.index}`, n.hash);
    stored.push(...completed);
  });
  const reader = {
    readNodes: async (keys: readonly NodeKey[]) =>
      keys.map((k) => {
        const h = map.get(`${k.level}:${k.index}`);
        if (!h) throw new Error(`missing node ${k.level}:${k.index}`);
        return h;
      }),
  };
  return { reader, stored };
}

test("leaf hashes and every root of the reference tree match, appending one leaf at a time", () => {
  assert.equal(Buffer.from(EMPTY_ROOT).toString("hex"), ROOTS[0]);
  const range = new CompactRange();
  LEAVES.forEach((l, i) => {
    assert.equal(hashLeaf(hx(l)).toString("hex"), NODES[0]?.[i]);
    range.append(hashLeaf(hx(l)));
    assert.equal(Buffer.from(range.root()).toString("hex"), ROOTS[i + 1], `root of size ${i + 1}`);
  });
});

test("leaf hashes of text (0x00 prefixed to the UTF-8 text, no copy) match the reference leaves", () => {
  // Every reference leaf is ASCII, so its bytes are also its UTF-8 text.
  LEAVES.forEach((l, i) => {
    assert.equal(hashLeafText(hx(l).toString("latin1")).toString("hex"), NODES[0]?.[i]);
  });
  for (const text of ["é", "日本語", "😀", "\u2028", "\ud800 lone", "x".repeat(70_000)])
    assert.deepEqual(
      hashLeafText(text),
      hashLeaf(Buffer.from(text, "utf8")),
      JSON.stringify(text.slice(0, 9)),
    );
});

test("appending perfect subtrees gives the reference roots, however the tree is cut", () => {
  for (let size = 1; size <= 8; size++) {
    for (let start = 0; start < size; start++) {
      // [0, start) one leaf at a time, then [start, size) as its perfect subtrees.
      const range = new CompactRange();
      for (let i = 0; i < start; i++) range.append(hx(NODES[0]?.[i] as string));
      for (const k of decomposeRange(start, size))
        range.appendSubtree(k.level, hx(NODES[k.level]?.[k.index] as string));
      assert.equal(
        Buffer.from(range.root()).toString("hex"),
        ROOTS[size],
        `[0, ${start}) + [${start}, ${size})`,
      );
    }
  }
  assert.throws(
    () => new CompactRange(1, [hx(NODES[0]?.[0] as string)]).appendSubtree(1, Buffer.alloc(32)),
    RangeError,
  );
});

test("the interior nodes stored while appending are exactly the reference tree's perfect subtrees", () => {
  const { stored } = buildStore();
  for (const n of stored) assert.equal(Buffer.from(n.hash).toString("hex"), NODES[n.level]?.[n.index]);
  assert.equal(stored.length, 4 + 2 + 1);
});

test("roots at every size computed from stored nodes match", async () => {
  const { reader } = buildStore();
  for (let size = 0; size <= 8; size++)
    assert.equal(Buffer.from(await rootAt(reader, size)).toString("hex"), ROOTS[size]);
});

test("inclusion proofs from stored nodes equal the published ones and verify (RFC 9162 §2.1.3)", async () => {
  const { reader } = buildStore();
  for (const [index, size, expected] of INCLUSION) {
    const proof = await inclusionProof(reader, index, size);
    assert.deepEqual(
      proof.map((h) => Buffer.from(h).toString("hex")),
      expected,
      `proof for ${index} in ${size}`,
    );
    const leaf = hashLeaf(hx(LEAVES[index] as string));
    const root = hx(ROOTS[size] as string);
    assert.ok(verifyInclusion(index, size, leaf, proof, root));
    assert.ok(!verifyInclusion(index + 1, size, leaf, proof, root), "wrong index");
    assert.ok(!verifyInclusion(index, size * 2, leaf, proof, root), "wrong size");
    assert.ok(!verifyInclusion(index, size, hashLeaf(Buffer.from("WrongLeaf")), proof, root), "wrong leaf");
    assert.ok(!verifyInclusion(index, size, leaf, [...proof, root], root), "trailing garbage");
    if (proof.length > 0)
      assert.ok(!verifyInclusion(index, size, leaf, proof.slice(0, -1), root), "truncated");
  }
});

test("every inclusion proof in trees of size 1..8 verifies", async () => {
  const { reader } = buildStore();
  for (let size = 1; size <= 8; size++)
    for (let i = 0; i < size; i++) {
      const proof = await inclusionProof(reader, i, size);
      assert.ok(
        verifyInclusion(i, size, hashLeaf(hx(LEAVES[i] as string)), proof, hx(ROOTS[size] as string)),
      );
    }
});

test("consistency proofs from stored nodes equal the published ones and verify (RFC 9162 §2.1.4)", async () => {
  const { reader } = buildStore();
  for (const [first, second, expected] of CONSISTENCY) {
    const proof = await consistencyProof(reader, first, second);
    assert.deepEqual(
      proof.map((h) => Buffer.from(h).toString("hex")),
      expected,
      `proof ${first}→${second}`,
    );
    const r1 = hx(ROOTS[first] as string);
    const r2 = hx(ROOTS[second] as string);
    assert.ok(verifyConsistency(first, second, r1, r2, proof));
    if (proof.length > 0) {
      assert.ok(!verifyConsistency(first, second, r2, r1, proof), "swapped roots");
      assert.ok(!verifyConsistency(first, second, r1, r2, proof.slice(0, -1)), "truncated");
      assert.ok(!verifyConsistency(first - 1, second, r1, r2, proof), "wrong first size");
    }
  }
});

test("every consistency proof between sizes 1..8 verifies", async () => {
  const { reader } = buildStore();
  for (let a = 1; a <= 8; a++)
    for (let b = a; b <= 8; b++) {
      const proof = await consistencyProof(reader, a, b);
      assert.ok(verifyConsistency(a, b, hx(ROOTS[a] as string), hx(ROOTS[b] as string), proof), `${a}→${b}`);
    }
});

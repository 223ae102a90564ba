// Proofs from stored interior nodes (RFC 9162 §2.1.3.1 PATH, §2.1.4.1 PROOF): each proof element
// is the hash of a leaf range, which is a fold of O(log n) stored perfect subtrees, all fetched in
// one read. Nothing is rehashed beyond the fold of the ragged right edge.
import { noSuchEntry } from "./errors.js";
import {
  consistencyRanges,
  decomposeRange,
  foldRange,
  type Hash,
  inclusionRanges,
  type LeafRange,
  type NodeKey,
} from "./merkle.js";
import type { NodeReader } from "./ports.js";

async function hashRanges(reader: NodeReader, ranges: readonly LeafRange[]): Promise<Hash[]> {
  const parts = ranges.map((r) => decomposeRange(r.start, r.end));
  const unique = new Map<string, NodeKey>();
  for (const keys of parts) for (const k of keys) unique.set(`${k.level}:${k.index}`, k);
  const keys = [...unique.values()];
  const hashes = await reader.readNodes(keys);
  const byKey = new Map<string, Hash>();
  keys.forEach((k, i) => {
    byKey.set(`${k.level}:${k.index}`, hashes[i] as Hash);
  });
  return parts.map((ks) => foldRange(ks.map((k) => byKey.get(`${k.level}:${k.index}`) as Hash)));
}

/** MTH of the first `size` leaves. */
export async function rootAt(reader: NodeReader, size: number): Promise<Hash> {
  const [root] = await hashRanges(reader, [{ start: 0, end: size }]);
  return root as Hash;
}

/** The audit path for leaf `index` in the tree of `size` leaves, leaf to root. */
export async function inclusionProof(reader: NodeReader, index: number, size: number): Promise<Hash[]> {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    throw noSuchEntry(`index ${index} is not in a tree of size ${size}`);
  return hashRanges(reader, inclusionRanges(index, size));
}

/** The consistency proof from the tree of `first` leaves to the tree of `second` leaves. */
export async function consistencyProof(reader: NodeReader, first: number, second: number): Promise<Hash[]> {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    throw noSuchEntry(`no consistency proof from size ${first} to ${second}`);
  return hashRanges(reader, consistencyRanges(first, second));
}

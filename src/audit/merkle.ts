// The Merkle tree of RFC 9162 §2.1 (Certificate Transparency v2, same tree as RFC 6962): hashing,
// the compact right edge used while appending, proof shapes as leaf ranges, and the verification
// algorithms of §2.1.3.2 (inclusion) and §2.1.4.2 (consistency). Pure: no storage, no I/O.
import { sha256, sha256PrefixedPair, sha256PrefixedText } from "../crypto/index.js";

export type Hash = Uint8Array;

/** A perfect subtree: leaves [index·2^level, (index+1)·2^level). Level 0 is a leaf hash. */
export interface NodeKey {
  readonly level: number;
  readonly index: number;
}

export interface StoredNode extends NodeKey {
  readonly hash: Hash;
}

const LEAF_PREFIX = 0x00;
const NODE_PREFIX = 0x01;
const NO_BYTES = new Uint8Array(0);
export const HASH_BYTES = 32;

/** MTH({}) = SHA-256() — the root of the empty tree. */
export const EMPTY_ROOT: Hash = sha256();

/** MTH({d}) = SHA-256(0x00 ‖ d). */
export function hashLeaf(data: Uint8Array): Buffer {
  return sha256PrefixedPair(LEAF_PREFIX, data, NO_BYTES);
}

/** MTH({d}) for d = UTF-8(text): the same hash as hashLeaf(Buffer.from(text)), without the copy. */
export function hashLeafText(text: string): Buffer {
  return sha256PrefixedText(LEAF_PREFIX, text);
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Hash, right: Hash): Buffer {
  return sha256PrefixedPair(NODE_PREFIX, left, right);
}

/** The largest power of two strictly smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** A half-open range of leaves [start, end) whose subtree hash is one proof element. */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** The perfect subtrees that make up [start, end), left to right (greedy, aligned). */
export function decomposeRange(start: number, end: number): NodeKey[] {
  const out: NodeKey[] = [];
  let at = start;
  while (at < end) {
    let size = 1;
    let level = 0;
    while (at % (size * 2) === 0 && at + size * 2 <= end) {
      size *= 2;
      level++;
    }
    out.push({ level, index: at / size });
    at += size;
  }
  return out;
}

/** The hash of a range from its perfect parts (left to right): a right fold, as the tree nests. */
export function foldRange(parts: readonly Hash[]): Hash {
  if (parts.length === 0) return EMPTY_ROOT;
  let h = parts[parts.length - 1] as Hash;
  for (let i = parts.length - 2; i >= 0; i--) h = hashChildren(parts[i] as Hash, h);
  return h;
}

/** The perfect subtrees of a tree of `size` leaves (its compact right edge), left to right. */
export function frontierKeys(size: number): NodeKey[] {
  return decomposeRange(0, size);
}

/** PATH(m, D[n]) of RFC 9162 §2.1.3.1 as leaf ranges, leaf to root. */
export function inclusionRanges(index: number, size: number): LeafRange[] {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size)
    throw new RangeError(`no leaf ${index} in a tree of size ${size}`);
  const out: LeafRange[] = [];
  let lo = 0;
  let hi = size;
  let m = index;
  const stack: LeafRange[] = [];
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (m < k) {
      stack.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      stack.push({ start: lo, end: lo + k });
      lo = lo + k;
      m -= k;
    }
  }
  while (stack.length > 0) out.push(stack.pop() as LeafRange);
  return out;
}

/** PROOF(m, D[n]) = SUBPROOF(m, D[n], true) of RFC 9162 §2.1.4.1 as leaf ranges. */
export function consistencyRanges(first: number, second: number): LeafRange[] {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    throw new RangeError(`no consistency proof from size ${first} to ${second}`);
  if (first === 0 || first === second) return [];
  const stack: LeafRange[] = [];
  let lo = 0;
  let hi = second;
  let m = first;
  let whole = true;
  for (;;) {
    const n = hi - lo;
    if (m === n) {
      if (!whole) stack.push({ start: lo, end: hi });
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      stack.push({ start: lo + k, end: hi });
      hi = lo + k;
    } else {
      stack.push({ start: lo, end: lo + k });
      lo = lo + k;
      m -= k;
      whole = false;
    }
  }
  return stack.reverse();
}

/**
 * The right edge of a growing tree: the hashes of its perfect subtrees, left to right. Appending a
 * leaf returns the interior nodes it completes, which the ledger stores so that any proof later
 * needs O(log n) reads and no rehashing.
 */
export class CompactRange {
  #size: number;
  readonly #hashes: Hash[];

  constructor(size = 0, hashes: readonly Hash[] = []) {
    if (frontierKeys(size).length !== hashes.length)
      throw new RangeError(`a tree of size ${size} has ${frontierKeys(size).length} edge hashes`);
    this.#size = size;
    this.#hashes = [...hashes];
  }

  get size(): number {
    return this.#size;
  }

  hashes(): readonly Hash[] {
    return this.#hashes;
  }

  /** Appends a leaf hash; returns the interior nodes (level ≥ 1) completed by it, lowest first. */
  append(leafHash: Hash, completed?: StoredNode[]): void {
    let h = leafHash;
    let n = this.#size;
    let level = 0;
    let index = this.#size;
    while (n % 2 === 1) {
      h = hashChildren(this.#hashes.pop() as Hash, h);
      level++;
      index = Math.floor(index / 2);
      n = Math.floor(n / 2);
      completed?.push({ level, index, hash: h });
    }
    this.#hashes.push(h);
    this.#size++;
  }

  /**
   * Appends the hash of a perfect subtree of 2^level leaves (e.g. a chunk verified elsewhere).
   * The tree's size must be a multiple of 2^level, so the subtree is aligned as in the full tree.
   */
  appendSubtree(level: number, hash: Hash): void {
    const width = 2 ** level;
    if (!Number.isInteger(level) || level < 0 || this.#size % width !== 0)
      throw new RangeError(`a subtree of 2^${level} leaves cannot follow ${this.#size} leaves`);
    let h = hash;
    let n = this.#size / width;
    while (n % 2 === 1) {
      h = hashChildren(this.#hashes.pop() as Hash, h);
      n = Math.floor(n / 2);
    }
    this.#hashes.push(h);
    this.#size += width;
  }

  root(): Hash {
    return foldRange(this.#hashes);
  }

  clone(): CompactRange {
    return new CompactRange(this.#size, this.#hashes);
  }
}

/** Root of a list of leaf hashes (for tests and small trees). */
export function rootOfLeaves(leafHashes: readonly Hash[]): Hash {
  const r = new CompactRange();
  for (const h of leafHashes) r.append(h);
  return r.root();
}

/** Are two hashes the same bytes (no copies: Buffer views over them)? */
export function sameHash(a: Hash, b: Hash): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/** RFC 9162 §2.1.3.2: does `proof` show `leafHash` at `index` in the tree of `size` with `root`? */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Hash,
  proof: readonly Hash[],
  root: Hash,
): boolean {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (p.length !== HASH_BYTES) return false;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = hashChildren(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(r, root);
}

/** RFC 9162 §2.1.4.2: is the tree (second, secondRoot) an extension of (first, firstRoot)? */
export function verifyConsistency(
  first: number,
  second: number,
  firstRoot: Hash,
  secondRoot: Hash,
  proof: readonly Hash[],
): boolean {
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(second) || first < 0 || first > second)
    return false;
  if (first === second) return proof.length === 0 && sameHash(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0;
  if (proof.length === 0 || proof.some((p) => p.length !== HASH_BYTES)) return false;
  const path = isPowerOfTwo(first) ? [firstRoot, ...proof] : [...proof];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Hash;
  let sr = path[0] as Hash;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Hash;
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && sameHash(fr, firstRoot) && sameHash(sr, secondRoot);
}

function isPowerOfTwo(n: number): boolean {
  let k = 1;
  while (k < n) k *= 2;
  return k === n;
}

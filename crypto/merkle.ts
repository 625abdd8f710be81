// SHA-256 Merkle trees with the shape and hashing of RFC 9162 (Certificate Transparency 2.0):
// leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right), and a tree of n leaves
// splits at the largest power of two below n, so odd levels are handled explicitly and the same
// tree can be grown leaf by leaf from a compact frontier. Distinct leaf and node prefixes mean
// an inner node can never pose as a leaf.
import { equalBytes } from './bytes.ts';
import { sha256 } from './hash.ts';

const LEAF = new Uint8Array([0]);
const NODE = new Uint8Array([1]);
export const EMPTY_ROOT = sha256();

export function leafHash(data: Uint8Array): Uint8Array {
  return sha256(LEAF, data);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256(NODE, left, right);
}

function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** Root over already-hashed leaves. */
export function merkleRootOfLeaves(leaves: Uint8Array[]): Uint8Array {
  if (leaves.length === 0) return EMPTY_ROOT;
  if (leaves.length === 1) return leaves[0]!;
  const k = largestPowerOfTwoBelow(leaves.length);
  return nodeHash(merkleRootOfLeaves(leaves.slice(0, k)), merkleRootOfLeaves(leaves.slice(k)));
}

export function merkleRoot(items: Uint8Array[]): Uint8Array {
  return merkleRootOfLeaves(items.map(leafHash));
}

/** Audit path for leaf `index` (RFC 9162 §2.1.3.1), siblings from the leaf up. */
export function inclusionProof(items: Uint8Array[], index: number): Uint8Array[] {
  if (!Number.isInteger(index) || index < 0 || index >= items.length) throw new RangeError('leaf index outside the tree');
  const path = (leaves: Uint8Array[], m: number): Uint8Array[] => {
    if (leaves.length <= 1) return [];
    const k = largestPowerOfTwoBelow(leaves.length);
    return m < k
      ? [...path(leaves.slice(0, k), m), merkleRootOfLeaves(leaves.slice(k))]
      : [...path(leaves.slice(k), m - k), merkleRootOfLeaves(leaves.slice(0, k))];
  };
  return path(items.map(leafHash), index);
}

/** Verifies an audit path (RFC 9162 §2.1.3.2). False for any malformed input. */
export function verifyInclusion(item: Uint8Array, index: number, size: number, path: Uint8Array[], root: Uint8Array): boolean {
  if (!Number.isInteger(index) || !Number.isInteger(size) || index < 0 || index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(item);
  for (const p of path) {
    if (p.length !== 32 || sn === 0) return false;
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1) === 0) {
        while ((fn & 1) === 0 && fn !== 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && equalBytes(r, root);
}

/**
 * The right edge of a growing tree: the roots of its perfect subtrees, largest first. It holds
 * log2(n) hashes, so a precinct can keep its Merkle root current (and checkpoint it) in
 * constant space while ballots stream in.
 */
export interface MerkleFrontier {
  size: number;
  /** Perfect-subtree roots, one per set bit of size, from the largest subtree to the smallest. */
  peaks: Uint8Array[];
}

export function emptyFrontier(): MerkleFrontier {
  return { size: 0, peaks: [] };
}

export function frontierAppend(frontier: MerkleFrontier, item: Uint8Array): MerkleFrontier {
  const peaks = [...frontier.peaks];
  let carry = leafHash(item);
  let size = frontier.size;
  // Merge equal-sized subtrees, as binary addition of 1 to size.
  while (size & 1) {
    carry = nodeHash(peaks.pop()!, carry);
    size >>= 1;
  }
  peaks.push(carry);
  return { size: frontier.size + 1, peaks };
}

export function frontierRoot(frontier: MerkleFrontier): Uint8Array {
  if (frontier.size === 0) return EMPTY_ROOT;
  let acc = frontier.peaks[frontier.peaks.length - 1]!;
  for (let i = frontier.peaks.length - 2; i >= 0; i--) acc = nodeHash(frontier.peaks[i]!, acc);
  return acc;
}

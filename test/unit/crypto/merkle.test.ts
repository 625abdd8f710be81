import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concatBytes, toHex } from '../../../crypto/bytes.ts';
import {
  EMPTY_ROOT,
  emptyFrontier,
  frontierAppend,
  frontierRoot,
  inclusionProof,
  leafHash,
  merkleRoot,
  merkleRootOfLeaves,
  nodeHash,
  verifyInclusion,
  type MerkleFrontier,
} from '../../../crypto/merkle.ts';

// A naive RFC 9162 (§2.1.1, §2.1.3.1) implementation, written from the RFC text.
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};

function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k; // the largest power of two smaller than n
}

function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(new Uint8Array([0x00]), d[0]!);
  const k = splitPoint(d.length);
  return sha(new Uint8Array([0x01]), mth(d.slice(0, k)), mth(d.slice(k)));
}

/** PATH(m, D[n]), and alongside it the side of each sibling ('L' = sibling on the left). */
function rfcPath(m: number, d: Uint8Array[]): { path: Uint8Array[]; sides: string } {
  if (d.length <= 1) return { path: [], sides: '' };
  const k = splitPoint(d.length);
  if (m < k) {
    const sub = rfcPath(m, d.slice(0, k));
    return { path: [...sub.path, mth(d.slice(k))], sides: sub.sides + 'R' };
  }
  const sub = rfcPath(m - k, d.slice(k));
  return { path: [...sub.path, mth(d.slice(0, k))], sides: sub.sides + 'L' };
}

/** The sides of PATH(m, D[n]) alone: a function of m and n only. */
function pathSides(m: number, n: number): string {
  if (n <= 1) return '';
  const k = splitPoint(n);
  return m < k ? pathSides(m, k) + 'R' : pathSides(m - k, n - k) + 'L';
}

function items(count: number, tag = 'item'): Uint8Array[] {
  return Array.from({ length: count }, (_, i) => new TextEncoder().encode(`${tag}-${i}`));
}

const hex = (list: Uint8Array[]): string[] => list.map(toHex);

describe('Merkle roots (RFC 9162)', () => {
  it('the empty tree is SHA-256 of the empty string', () => {
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(merkleRoot([])).toEqual(EMPTY_ROOT);
  });

  it('roots of 0..33 leaves equal the naive recursive definition', () => {
    for (let n = 0; n <= 33; n++) {
      const d = items(n);
      expect(toHex(merkleRoot(d)), `${n} leaves`).toBe(toHex(mth(d)));
      expect(toHex(merkleRootOfLeaves(d.map(leafHash)))).toBe(toHex(mth(d)));
    }
  });

  it('leaf and node hashes use the 0x00 and 0x01 prefixes', () => {
    const a = new Uint8Array([1, 2, 3]);
    expect(leafHash(a)).toEqual(sha(new Uint8Array([0]), a));
    const l = leafHash(a);
    const r = leafHash(new Uint8Array([4]));
    expect(nodeHash(l, r)).toEqual(sha(new Uint8Array([1]), l, r));
  });

  it('different leaf sets and orders give different roots', () => {
    const d = items(5);
    const roots = new Set([toHex(merkleRoot(d)), toHex(merkleRoot([...d].reverse())), toHex(merkleRoot(d.slice(0, 4))), toHex(merkleRoot([...d, d[0]!]))]);
    expect(roots.size).toBe(4);
  });
});

describe('inclusion proofs', () => {
  it('equal RFC 9162 PATH and verify for every index of trees of 1..33 leaves', () => {
    for (let n = 1; n <= 33; n++) {
      const d = items(n);
      const root = merkleRoot(d);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(d, i);
        expect(hex(proof), `${i} of ${n}`).toEqual(hex(rfcPath(i, d).path));
        expect(verifyInclusion(d[i]!, i, n, proof, root), `${i} of ${n}`).toBe(true);
      }
    }
  });

  it('fail for the wrong index', () => {
    let checked = 0;
    for (let n = 2; n <= 33; n++) {
      const d = items(n);
      const root = merkleRoot(d);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(d, i);
        for (const j of [i - 1, i + 1, n - 1 - i]) {
          if (j < 0 || j >= n || j === i) continue;
          expect(verifyInclusion(d[i]!, j, n, proof, root), `leaf ${i} claimed at ${j} of ${n}`).toBe(false);
          // nor does another leaf verify with this leaf's proof
          expect(verifyInclusion(d[j]!, i, n, proof, root)).toBe(false);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('fail for a wrong size that changes the shape of the audit path', () => {
    // RFC 9162 proofs carry the size only through the path's shape (the signed tally carries the
    // size with the root); every size that gives another shape must be refused.
    let checked = 0;
    for (let n = 1; n <= 33; n++) {
      const d = items(n);
      const root = merkleRoot(d);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(d, i);
        const shape = rfcPath(i, d).sides;
        expect(pathSides(i, n)).toBe(shape);
        for (let size = Math.max(i + 1, n - 8); size <= n + 8; size++) {
          if (size === n || pathSides(i, size) === shape) continue;
          expect(verifyInclusion(d[i]!, i, size, proof, root), `${i} of ${n} claimed in ${size}`).toBe(false);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(3_000);
  });

  it('fail for an impossible size or index', () => {
    const d = items(6);
    const root = merkleRoot(d);
    const proof = inclusionProof(d, 2);
    expect(verifyInclusion(d[2]!, 2, 2, proof, root)).toBe(false); // index >= size
    expect(verifyInclusion(d[2]!, 2, 0, proof, root)).toBe(false);
    expect(verifyInclusion(d[2]!, -1, 6, proof, root)).toBe(false);
    expect(verifyInclusion(d[2]!, 2.5, 6, proof, root)).toBe(false);
    expect(verifyInclusion(d[2]!, 2, 6.5, proof, root)).toBe(false);
    expect(verifyInclusion(d[2]!, 2, Number.NaN, proof, root)).toBe(false);
    expect(() => inclusionProof(d, 6)).toThrow(RangeError);
    expect(() => inclusionProof(d, -1)).toThrow(RangeError);
    expect(() => inclusionProof([], 0)).toThrow(RangeError);
  });

  it('fail for a tampered sibling', () => {
    for (const n of [2, 3, 7, 8, 13, 33]) {
      const d = items(n);
      const root = merkleRoot(d);
      for (let i = 0; i < n; i++) {
        const proof = inclusionProof(d, i);
        proof.forEach((_, s) => {
          const tampered = proof.map((p) => new Uint8Array(p));
          tampered[s]![31] = tampered[s]![31]! ^ 1;
          expect(verifyInclusion(d[i]!, i, n, tampered, root)).toBe(false);
        });
      }
    }
  });

  it('fail for a missing, extra, reordered or wrongly sized sibling', () => {
    const d = items(13);
    const root = merkleRoot(d);
    const proof = inclusionProof(d, 5);
    expect(proof.length).toBeGreaterThan(2);
    expect(verifyInclusion(d[5]!, 5, 13, proof.slice(0, -1), root)).toBe(false);
    expect(verifyInclusion(d[5]!, 5, 13, [...proof, proof[0]!], root)).toBe(false);
    expect(verifyInclusion(d[5]!, 5, 13, [...proof].reverse(), root)).toBe(false);
    expect(verifyInclusion(d[5]!, 5, 13, [proof[0]!.subarray(0, 31), ...proof.slice(1)], root)).toBe(false);
    expect(verifyInclusion(d[5]!, 5, 13, [], root)).toBe(false);
  });

  it('fail for a wrong root and for a tampered item', () => {
    const d = items(9);
    const root = merkleRoot(d);
    const other = merkleRoot(items(9, 'other'));
    for (let i = 0; i < 9; i++) {
      const proof = inclusionProof(d, i);
      expect(verifyInclusion(d[i]!, i, 9, proof, other)).toBe(false);
      expect(verifyInclusion(d[i]!, i, 9, proof, merkleRoot(d.slice(0, 8)))).toBe(false);
      expect(verifyInclusion(concatBytes(d[i]!, new Uint8Array([0])), i, 9, proof, root)).toBe(false);
    }
  });
});

describe('second preimages: a node cannot pose as a leaf', () => {
  const [a, b, c, e] = items(4) as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];

  it('the root of a 2-leaf tree is not the leaf hash of the concatenation', () => {
    const root = merkleRoot([a, b]);
    expect(root).not.toEqual(leafHash(concatBytes(leafHash(a), leafHash(b))));
    expect(root).not.toEqual(leafHash(concatBytes(a, b)));
    expect(merkleRoot([concatBytes(leafHash(a), leafHash(b))])).not.toEqual(root);
    expect(root).toEqual(nodeHash(leafHash(a), leafHash(b)));
  });

  it('an inner node hash presented as an item fails', () => {
    const root = merkleRoot([a, b, c, e]);
    const left = nodeHash(leafHash(a), leafHash(b));
    const right = nodeHash(leafHash(c), leafHash(e));
    expect(nodeHash(left, right)).toEqual(root);
    // The inner node as a leaf of a "2-leaf" tree with the same root:
    expect(verifyInclusion(left, 0, 2, [right], root)).toBe(false);
    expect(verifyInclusion(right, 1, 2, [left], root)).toBe(false);
    // Its two children concatenated (the classic second preimage):
    expect(verifyInclusion(concatBytes(leafHash(a), leafHash(b)), 0, 2, [right], root)).toBe(false);
    // And the honest proof of the real leaf still verifies.
    expect(verifyInclusion(a, 0, 4, inclusionProof([a, b, c, e], 0), root)).toBe(true);
  });
});

describe('Merkle frontier', () => {
  it('its root equals the full root at every size from 0 to 70', () => {
    const d = items(70);
    let f: MerkleFrontier = emptyFrontier();
    expect(frontierRoot(f)).toEqual(EMPTY_ROOT);
    for (let n = 1; n <= 70; n++) {
      f = frontierAppend(f, d[n - 1]!);
      expect(f.size).toBe(n);
      expect(toHex(frontierRoot(f)), `size ${n}`).toBe(toHex(mth(d.slice(0, n))));
    }
  });

  it('keeps one peak per set bit of the size, largest subtree first', () => {
    const d = items(45);
    let f = emptyFrontier();
    for (let n = 1; n <= 45; n++) {
      f = frontierAppend(f, d[n - 1]!);
      const bits = [...n.toString(2)].filter((x) => x === '1').length;
      expect(f.peaks).toHaveLength(bits);
    }
    // 45 = 32 + 8 + 4 + 1
    expect(hex(f.peaks)).toEqual(hex([mth(d.slice(0, 32)), mth(d.slice(32, 40)), mth(d.slice(40, 44)), mth(d.slice(44, 45))]));
  });

  it('appending does not modify the frontier it was given', () => {
    const d = items(3);
    const f2 = frontierAppend(frontierAppend(emptyFrontier(), d[0]!), d[1]!);
    const before = hex(f2.peaks);
    const f3 = frontierAppend(f2, d[2]!);
    expect(hex(f2.peaks)).toEqual(before);
    expect(f2.size).toBe(2);
    expect(frontierRoot(f2)).toEqual(mth(d.slice(0, 2)));
    expect(frontierRoot(f3)).toEqual(mth(d));
  });
});

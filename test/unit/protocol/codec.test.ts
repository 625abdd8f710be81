import { beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, toHex, utf8 } from '../../../crypto/bytes.ts';
import { Ballot, BallotContestSchema } from '../../../protocol/ballot.ts';
import { bigUint, bool, decode, encode, fixedBytes, list, oneOf, struct, text, uint } from '../../../protocol/codec.ts';
import type { ProtocolErrorCode } from '../../../protocol/errors.ts';
import { ContestSchema, decodeManifest, encodeManifest, manifestFromJSON, manifestToJSON, type Manifest } from '../../../protocol/manifest.ts';
import { Receipt } from '../../../protocol/receipt.ts';
import { AggregateTally, PrecinctTally } from '../../../protocol/tally.ts';
import { expectProtocolError, protocolError, smallRun } from '../../support/fixtures.ts';

const u16 = (x: number): Uint8Array => new Uint8Array([x >> 8, x & 0xff]);
const u32 = (x: number): Uint8Array => new Uint8Array([(x >>> 24) & 0xff, (x >> 16) & 0xff, (x >> 8) & 0xff, x & 0xff]);
const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);

/** Deep copy of a JSON-able value, as a peer would send it. */
const viaJSON = (x: unknown): Record<string, any> => JSON.parse(JSON.stringify(x)) as Record<string, any>;

describe('schema primitives: canonical encoding', () => {
  it('encodes fixed-width integers big-endian and round trips them', () => {
    expect(encode(uint(1), 200)).toEqual(bytes(200));
    expect(encode(uint(2), 0x1234)).toEqual(bytes(0x12, 0x34));
    expect(encode(uint(4), 0x01020304)).toEqual(bytes(1, 2, 3, 4));
    expect(encode(uint(8), 2 ** 53 - 1)).toEqual(bytes(0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    expect(decode(uint(8), encode(uint(8), 2 ** 53 - 1))).toBe(2 ** 53 - 1);
  });

  it('encodes big integers minimally with a 2-byte length; 0 is the empty string', () => {
    expect(encode(bigUint(64), 0n)).toEqual(bytes(0, 0));
    expect(encode(bigUint(64), 1n)).toEqual(bytes(0, 1, 1));
    expect(encode(bigUint(64), 0x0100n)).toEqual(bytes(0, 2, 1, 0));
    expect(decode(bigUint(64), bytes(0, 0))).toBe(0n);
    expect(bigUint(64).toJSON(255n)).toBe('ff');
    expect(bigUint(64).fromJSON('0', 'x')).toBe(0n);
  });

  it('encodes strings as UTF-8 with a 2-byte length and lists with a 4-byte count', () => {
    expect(encode(text(10), 'é')).toEqual(bytes(0, 2, 0xc3, 0xa9));
    expect(encode(list(uint(1), 5), [7, 8])).toEqual(bytes(0, 0, 0, 2, 7, 8));
    expect(encode(oneOf(['a', 'b', 'c'] as const), 'c')).toEqual(bytes(2));
    expect(encode(bool(), true)).toEqual(bytes(1));
  });

  it('encodes struct fields in schema order, whatever the object key order', () => {
    const s = struct({ b: uint(1), a: uint(1) });
    expect(encode(s, { a: 1, b: 2 })).toEqual(bytes(2, 1));
    expect(encode(s, { b: 2, a: 1 })).toEqual(bytes(2, 1));
  });
});

describe('schema primitives: strict validation with named codes and paths', () => {
  const S = struct({
    n: uint(1),
    flag: bool(),
    name: text(8, /^[a-z]+$/),
    hash: fixedBytes(4),
    big: bigUint(16),
    kind: oneOf(['x', 'y'] as const),
    items: list(struct({ v: uint(2) }), 3),
  });
  const good = { n: 1, flag: true, name: 'abc', hash: bytes(1, 2, 3, 4), big: 0x1234n, kind: 'y' as const, items: [{ v: 1 }, { v: 2 }] };
  const goodBytes = (): Uint8Array => encode(S, good, 's');
  const check = (value: unknown, code: ProtocolErrorCode, path: string): void => {
    expectProtocolError(() => S.check(value, 's'), code, path);
  };

  it('round trips the good value in binary and JSON', () => {
    expect(decode(S, goodBytes(), 's')).toEqual(good);
    expect(encode(S, S.fromJSON(viaJSON(S.toJSON(good)), 's'))).toEqual(goodBytes());
  });

  it('wrong type', () => {
    check({ ...good, n: '1' }, 'wrong-type', 's.n');
    check({ ...good, n: 1.5 }, 'wrong-type', 's.n');
    check({ ...good, flag: 1 }, 'wrong-type', 's.flag');
    check({ ...good, name: 5 }, 'wrong-type', 's.name');
    check({ ...good, hash: [1, 2, 3, 4] }, 'wrong-type', 's.hash');
    check({ ...good, big: 5 }, 'wrong-type', 's.big');
    check({ ...good, items: {} }, 'wrong-type', 's.items');
    check({ ...good, items: [{ v: 1 }, 'x'] }, 'wrong-type', 's.items[1]');
    check(null, 'wrong-type', 's');
    check([good], 'wrong-type', 's');
    check(bytes(1), 'wrong-type', 's');
    expectProtocolError(() => S.fromJSON({ ...viaJSON(S.toJSON(good)), big: 'XYZ' }, 's'), 'wrong-type', 's.big');
    expectProtocolError(() => S.fromJSON({ ...viaJSON(S.toJSON(good)), hash: '0102030G' }, 's'), 'wrong-type', 's.hash');
    expectProtocolError(() => S.fromJSON({ ...viaJSON(S.toJSON(good)), hash: '0A0B0C0D' }, 's'), 'wrong-type', 's.hash');
    expectProtocolError(() => decode(S, [1, 2] as unknown as Uint8Array, 's'), 'wrong-type', 's');
  });

  it('wrong type: a string that is not valid UTF-8', () => {
    expectProtocolError(() => decode(text(8), bytes(0, 2, 0xc3, 0x28), 't'), 'wrong-type', 't');
  });

  it('unknown field', () => {
    check({ ...good, extra: 1 }, 'unknown-field', 's.extra');
    check({ ...good, items: [{ v: 1, w: 2 }] }, 'unknown-field', 's.items[0].w');
    expectProtocolError(() => S.fromJSON({ ...viaJSON(S.toJSON(good)), extra: null }, 's'), 'unknown-field', 's.extra');
  });

  it('unknown field named like an Object.prototype member (constructor, toString, __proto__)', () => {
    const json = viaJSON(S.toJSON(good));
    for (const name of ['constructor', 'toString', 'hasOwnProperty', '__proto__']) {
      const hostile = JSON.parse(JSON.stringify(json).replace(/^\{/, `{"${name}":1,`)) as unknown;
      expect(Object.keys(hostile as object)).toContain(name);
      expectProtocolError(() => S.fromJSON(hostile, 's'), 'unknown-field', `s.${name}`);
    }
  });

  it('missing field', () => {
    const { name: _name, ...withoutName } = good;
    check(withoutName, 'missing-field', 's.name');
    check({ ...good, flag: undefined }, 'missing-field', 's.flag');
    check({ ...good, items: [{}] }, 'missing-field', 's.items[0].v');
    const json = viaJSON(S.toJSON(good));
    delete json.kind;
    expectProtocolError(() => S.fromJSON(json, 's'), 'missing-field', 's.kind');
  });

  it('oversize: list too long (check, JSON and binary)', () => {
    const four = [{ v: 1 }, { v: 2 }, { v: 3 }, { v: 4 }];
    check({ ...good, items: four }, 'oversize', 's.items');
    expectProtocolError(() => S.fromJSON({ ...viaJSON(S.toJSON(good)), items: four }, 's'), 'oversize', 's.items');
    // A count of 4 billion is refused before anything is allocated or read.
    expectProtocolError(() => decode(list(uint(1), 3), concatBytes(u32(0xffffffff), bytes(1)), 'l'), 'oversize', 'l');
    expectProtocolError(() => decode(list(uint(1), 3), concatBytes(u32(4), bytes(1, 2, 3, 4)), 'l'), 'oversize', 'l');
  });

  it('oversize: string too long (in bytes of UTF-8, check and binary)', () => {
    check({ ...good, name: 'abcdefghi' }, 'oversize', 's.name');
    expectProtocolError(() => text(4).check('ééé', 't'), 'oversize', 't'); // 3 characters, 6 bytes
    expectProtocolError(() => decode(text(4), concatBytes(u16(5), utf8('abcde')), 't'), 'oversize', 't');
  });

  it('oversize: integer with too many bits (check, JSON and binary)', () => {
    check({ ...good, big: 1n << 16n }, 'oversize', 's.big');
    expectProtocolError(() => S.fromJSON({ ...viaJSON(S.toJSON(good)), big: '10000' }, 's'), 'oversize', 's.big');
    expectProtocolError(() => decode(bigUint(16), bytes(0, 3, 1, 0, 0), 'b'), 'oversize', 'b'); // 3 bytes
    expectProtocolError(() => decode(bigUint(12), bytes(0, 2, 0x10, 0x00), 'b'), 'oversize', 'b'); // 2^12 in 2 bytes
    expect(decode(bigUint(12), bytes(0, 2, 0x0f, 0xff), 'b')).toBe(4095n);
  });

  it('out of range', () => {
    check({ ...good, n: 256 }, 'out-of-range', 's.n');
    check({ ...good, n: -1 }, 'out-of-range', 's.n');
    check({ ...good, name: 'ABC' }, 'out-of-range', 's.name'); // pattern
    check({ ...good, hash: bytes(1, 2, 3) }, 'out-of-range', 's.hash');
    check({ ...good, big: -1n }, 'out-of-range', 's.big');
    check({ ...good, kind: 'z' }, 'out-of-range', 's.kind');
    expectProtocolError(() => decode(oneOf(['x', 'y'] as const), bytes(2), 'k'), 'out-of-range', 'k');
    expectProtocolError(() => uint(1, 10).check(11, 'u'), 'out-of-range', 'u');
    // A u64 above 2^53 cannot be represented exactly and is refused.
    expectProtocolError(() => decode(uint(8), bytes(0, 0x20, 0, 0, 0, 0, 0, 0), 'u'), 'out-of-range', 'u');
  });

  it('non-canonical: integer with a leading zero byte (binary) or digit (JSON)', () => {
    expectProtocolError(() => decode(bigUint(64), bytes(0, 2, 0, 5), 'b'), 'non-canonical', 'b');
    expectProtocolError(() => decode(bigUint(64), bytes(0, 1, 0), 'b'), 'non-canonical', 'b'); // 0 is the empty string
    expectProtocolError(() => bigUint(64).fromJSON('05', 'b'), 'non-canonical', 'b');
    expectProtocolError(() => bigUint(64).fromJSON('00', 'b'), 'non-canonical', 'b');
  });

  it('non-canonical: boolean byte 2', () => {
    expectProtocolError(() => decode(bool(), bytes(2), 'f'), 'non-canonical', 'f');
    expectProtocolError(() => decode(bool(), bytes(0xff), 'f'), 'non-canonical', 'f');
    const b = goodBytes();
    b[1] = 2; // the flag follows n
    expectProtocolError(() => decode(S, b, 's'), 'non-canonical', 's.flag');
  });

  it('non-canonical: a string with a UTF-8 byte-order mark does not decode to another string', () => {
    // EF BB BF 'a' must not decode to "a" (whose only encoding is 00 01 61): one value, one encoding.
    const withBom = bytes(0, 4, 0xef, 0xbb, 0xbf, 0x61);
    let decoded: string | undefined;
    try {
      decoded = decode(text(8), withBom, 't');
    } catch {
      decoded = undefined;
    }
    if (decoded !== undefined) expect(toHex(encode(text(8), decoded))).toBe(toHex(withBom));
  });

  it('truncated input, at every cut', () => {
    const b = goodBytes();
    for (let cut = 0; cut < b.length; cut++) {
      const err = protocolError(() => decode(S, b.subarray(0, cut), 's'));
      expect(err.code, `cut at ${cut}`).toBe('truncated');
    }
  });

  it('trailing bytes', () => {
    expectProtocolError(() => decode(S, concatBytes(goodBytes(), bytes(0)), 's'), 'trailing-bytes', 's');
    expectProtocolError(() => decode(uint(1), bytes(1, 2), 'u'), 'trailing-bytes', 'u');
  });

  it('encode refuses malformed values instead of writing them', () => {
    expectProtocolError(() => encode(S, { ...good, n: 300 }, 's'), 'out-of-range', 's.n');
    expectProtocolError(() => encode(S, { ...good, extra: 1 } as typeof good, 's'), 'unknown-field', 's.extra');
  });
});

describe('artifact bytes: strict decoding of real artifacts', () => {
  let ballot: Ballot;
  let receipt: Receipt;
  let precinctTally: PrecinctTally;
  let national: AggregateTally;
  let manifest: Manifest;

  beforeAll(() => {
    const run = smallRun();
    const first = [...run.cast.values()][0]![0]!;
    ballot = first.ballot;
    receipt = first.receipt;
    precinctTally = run.record.precinctTallies[0]!;
    national = run.record.aggregateTallies.at(-1)!;
    manifest = run.ctx.manifest;
  });

  it('truncated: every proper prefix of a receipt and of a precinct tally', () => {
    for (const [codec, value] of [
      [Receipt, receipt],
      [PrecinctTally, precinctTally],
    ] as const) {
      const b = (codec.encode as (v: unknown) => Uint8Array)(value);
      for (let cut = 0; cut < b.length; cut++) {
        const err = protocolError(() => codec.decode(b.subarray(0, cut)));
        expect(err.code, `${codec.type} cut at ${cut}`).toBe('truncated');
      }
    }
  });

  it('truncated: prefixes of a ballot and of the manifest', () => {
    const b = Ballot.encode(ballot);
    for (let cut = 0; cut < b.length; cut += 13) expect(protocolError(() => Ballot.decode(b.subarray(0, cut))).code).toBe('truncated');
    const m = encodeManifest(manifest);
    for (let cut = 0; cut < m.length; cut += 97) expect(protocolError(() => decodeManifest(m.subarray(0, cut))).code).toBe('truncated');
    expectProtocolError(() => decodeManifest(m.subarray(0, m.length - 1)), 'truncated');
  });

  it('trailing bytes after any artifact or the manifest', () => {
    expectProtocolError(() => Ballot.decode(concatBytes(Ballot.encode(ballot), bytes(0))), 'trailing-bytes', 'ballot');
    expectProtocolError(() => Receipt.decode(concatBytes(Receipt.encode(receipt), bytes(1, 2))), 'trailing-bytes', 'receipt');
    expectProtocolError(() => AggregateTally.decode(concatBytes(AggregateTally.encode(national), bytes(0))), 'trailing-bytes', 'aggregate-tally');
    expectProtocolError(() => decodeManifest(concatBytes(encodeManifest(manifest), bytes(0))), 'trailing-bytes', 'manifest');
  });

  it('non-canonical: a ciphertext with a leading zero byte', () => {
    const contest0 = ballot.contests[0]!;
    const canonical = encode(BallotContestSchema, contest0);
    const at = Buffer.from(Ballot.encode(ballot)).indexOf(Buffer.from(canonical));
    expect(at).toBeGreaterThan(0);
    // contestId (2-byte length + text), then the ciphertext's 2-byte length and bytes.
    const ctAt = at + 2 + utf8(contest0.contestId).length;
    const full = Ballot.encode(ballot);
    const len = (full[ctAt]! << 8) | full[ctAt + 1]!;
    const padded = concatBytes(full.subarray(0, ctAt), u16(len + 1), bytes(0), full.subarray(ctAt + 2));
    expectProtocolError(() => Ballot.decode(padded), 'non-canonical', 'ballot.contests[0].ciphertext');
  });

  it('non-canonical: boolean byte 2 in the manifest (a contest\'s allowAbstain)', () => {
    const m = encodeManifest(manifest);
    const c0 = encode(ContestSchema, manifest.contests[0]!);
    const at = Buffer.from(m).indexOf(Buffer.from(c0));
    expect(at).toBeGreaterThan(0);
    const bad = new Uint8Array(m);
    const flagAt = at + c0.length - 2; // allowAbstain is the contest's last field but one (writeIn is the last)
    expect(bad[flagAt]).toBe(1);
    bad[flagAt] = 2;
    expectProtocolError(() => decodeManifest(bad), 'non-canonical', 'manifest.contests[0].allowAbstain');
  });

  it('oversize: a ballot with more contests than the list allows (1025 > 1024)', () => {
    const many = { ...ballot, contests: Array.from({ length: 1025 }, () => ballot.contests[0]!) };
    expectProtocolError(() => Ballot.encode(many), 'oversize', 'ballot.contests');
    expectProtocolError(() => Ballot.fromJSON({ ...viaJSON(Ballot.toJSON(ballot)), contests: Array(1025).fill(viaJSON(Ballot.toJSON(ballot)).contests[0]) }), 'oversize', 'ballot.contests');
  });

  it('oversize: an id longer than 64 bytes, in binary and in JSON', () => {
    const b = Receipt.encode(receipt);
    // version (1) + electionHash (32), then precinctId's 2-byte length.
    const long = 'p'.repeat(65);
    const forged = concatBytes(b.subarray(0, 33), u16(65), utf8(long), b.subarray(35 + utf8(receipt.precinctId).length));
    expectProtocolError(() => Receipt.decode(forged), 'oversize', 'receipt.precinctId');
    expectProtocolError(() => Receipt.fromJSON({ ...viaJSON(Receipt.toJSON(receipt)), precinctId: long }), 'oversize', 'receipt.precinctId');
  });

  it('oversize: a ciphertext of more than 2 * 3072 bits', () => {
    const json = viaJSON(Ballot.toJSON(ballot));
    json.contests[0].ciphertext = (1n << 6144n).toString(16);
    expectProtocolError(() => Ballot.fromJSON(json), 'oversize', 'ballot.contests[0].ciphertext');
  });

  it('out of range: an unknown aggregate level, a bad id, a short hash', () => {
    expectProtocolError(() => AggregateTally.fromJSON({ ...viaJSON(AggregateTally.toJSON(national)), level: 'city' }), 'out-of-range', 'aggregate-tally.level');
    const b = AggregateTally.encode(national);
    // version (1) + electionHash (32) + nodeId (2 + length), then the level byte.
    const levelAt = 33 + 2 + utf8(national.nodeId).length;
    expect(b[levelAt]).toBe(2); // 'national'
    const bad = new Uint8Array(b);
    bad[levelAt] = 3;
    expectProtocolError(() => AggregateTally.decode(bad), 'out-of-range', 'aggregate-tally.level');
    expectProtocolError(() => Receipt.fromJSON({ ...viaJSON(Receipt.toJSON(receipt)), precinctId: 'no spaces allowed' }), 'out-of-range', 'receipt.precinctId');
    expectProtocolError(() => Receipt.fromJSON({ ...viaJSON(Receipt.toJSON(receipt)), ballotHash: 'abcd' }), 'out-of-range', 'receipt.ballotHash');
    expectProtocolError(() => Receipt.fromJSON({ ...viaJSON(Receipt.toJSON(receipt)), version: 256 }), 'out-of-range', 'receipt.version');
  });

  it('wrong type in artifact JSON', () => {
    const json = viaJSON(Ballot.toJSON(ballot));
    expectProtocolError(() => Ballot.fromJSON({ ...json, version: '1' }), 'wrong-type', 'ballot.version');
    expectProtocolError(() => Ballot.fromJSON({ ...json, contests: {} }), 'wrong-type', 'ballot.contests');
    const c = viaJSON(json);
    c.contests[0].ciphertext = 12345;
    expectProtocolError(() => Ballot.fromJSON(c), 'wrong-type', 'ballot.contests[0].ciphertext');
    expectProtocolError(() => Receipt.fromJSON({ ...viaJSON(Receipt.toJSON(receipt)), signature: 'zz'.repeat(64) }), 'wrong-type', 'receipt.signature');
    expectProtocolError(() => Ballot.fromJSON('ballot'), 'wrong-type', 'ballot');
  });

  it('unknown and missing fields in artifact JSON, with nested paths', () => {
    const json = viaJSON(Ballot.toJSON(ballot));
    expectProtocolError(() => Ballot.fromJSON({ ...json, extra: 1 }), 'unknown-field', 'ballot.extra');
    const nested = viaJSON(json);
    nested.contests[1].proof.extra = [];
    expectProtocolError(() => Ballot.fromJSON(nested), 'unknown-field', 'ballot.contests[1].proof.extra');
    const missing = viaJSON(json);
    delete missing.contests[0].proof.responses;
    expectProtocolError(() => Ballot.fromJSON(missing), 'missing-field', 'ballot.contests[0].proof.responses');
    const { signature: _s, ...unsigned } = viaJSON(Receipt.toJSON(receipt));
    expectProtocolError(() => Receipt.fromJSON(unsigned), 'missing-field', 'receipt.signature');
  });

  it('unknown field in the manifest JSON, missing field, wrong type', () => {
    const json = viaJSON(manifestToJSON(manifest));
    expectProtocolError(() => manifestFromJSON({ ...json, admin: 'me' }), 'unknown-field', 'manifest.admin');
    const { keyBits: _k, ...noKeyBits } = json;
    expectProtocolError(() => manifestFromJSON(noKeyBits), 'missing-field', 'manifest.keyBits');
    expectProtocolError(() => manifestFromJSON({ ...json, keyBits: '1024' }), 'wrong-type', 'manifest.keyBits');
    expectProtocolError(() => manifestFromJSON({ ...json, title: 't'.repeat(257) }), 'oversize', 'manifest.title');
  });
});

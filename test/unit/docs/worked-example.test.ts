// The worked example of docs/examples/ (scripts/worked-example.ts): its record passes every check
// of the verifier, its receipt passes R1-R3 with the record and from proof.json alone, its README
// is the rendering of intermediate.json, and every value of intermediate.json is recomputed here
// from the example's files by an implementation written from docs/protocol.md alone: SHA-256 from
// node:crypto with framing of its own, BigInt arithmetic, a canonical reader and writer, an
// RFC 9162 tree, Ed25519 through node:crypto. Nothing of the project's hashing, codec, Merkle or
// big-number code is used for it, so a value that agrees proves the documented definition exact.
import { createHash, createPublicKey, verify } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readReceiptFile } from '../../../cli/commands/verify-command.ts';
import { checkReceipt, type ReceiptFile } from '../../../dashboard/client/receipt-check.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { ManifestSchema } from '../../../protocol/manifest.ts';
import { decode } from '../../../protocol/codec.ts';
import { PartialDecryption } from '../../../protocol/partial-decryption.ts';
import { Receipt } from '../../../protocol/receipt.ts';
import { Result } from '../../../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../../../protocol/tally.ts';
import { checkReceiptProof } from '../../../protocol/verify/receipt-proof.ts';
import { verifyRecordDir } from '../../../record/verify-record-dir.ts';
import { renderReadme, type Field, type HashToIntSteps, type MerkleNode, type ProofFile, type SignatureSteps, type WorkedExample } from '../../../scripts/worked-example.ts';
import { REPO_ROOT } from '../../support/paths.ts';

const EXAMPLE = path.join(REPO_ROOT, 'docs', 'examples');
const RECORD = path.join(EXAMPLE, 'record');
const readJSON = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(EXAMPLE, name), 'utf8')) as T;

// ---- an implementation of its own, from docs/protocol.md -------------------------------------------

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const hexInt = (x: bigint): string => x.toString(16);
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const concat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
const u32 = (n: number): Uint8Array => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const toInt = (b: Uint8Array): bigint => b.reduce((acc, x) => (acc << 8n) | BigInt(x), 0n);
/** Minimal big-endian bytes: 0 is the empty string. */
function intBytes(x: bigint): Uint8Array {
  const out: number[] = [];
  for (let v = x; v > 0n; v >>= 8n) out.unshift(Number(v & 255n));
  return new Uint8Array(out);
}
const fixed = (x: bigint, size: number): Uint8Array => concat(new Uint8Array(size - intBytes(x).length), intBytes(x));
const bits = (x: bigint): number => x.toString(2).length;

type Part = Uint8Array | string | bigint;
const partBytes = (p: Part): Uint8Array => (typeof p === 'string' ? text(p) : typeof p === 'bigint' ? intBytes(p) : p);
const preimage = (domain: string, ...parts: Part[]): Uint8Array => concat(...[domain, ...parts].map(partBytes).flatMap((b) => [u32(b.length), b]));
const H = (domain: string, ...parts: Part[]): Uint8Array => sha(preimage(domain, ...parts));

function hashToInt(nbits: number, domain: string, ...parts: Part[]): HashToIntSteps & { concatenated: string } {
  const seed = H(domain, ...parts);
  const blocks = Array.from({ length: Math.ceil(nbits / 256) }, (_, i) => ({ i, preimage: hex(preimage('tallymesh/expand', seed, BigInt(i))), hash: hex(H('tallymesh/expand', seed, BigInt(i))) }));
  const concatenated = blocks.map((b) => b.hash).join('');
  const dropBits = blocks.length * 256 - nbits;
  return { domain, bits: nbits, seed: hex(seed), blocks, dropBits, value: hexInt(BigInt('0x' + concatenated) >> BigInt(dropBits)), concatenated };
}
function challenge(nbits: number, domain: string, ...parts: Part[]): HashToIntSteps {
  const { concatenated: _c, ...steps } = hashToInt(nbits, domain, ...parts);
  return steps;
}

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
function pow(base: bigint, e: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let k = e; k > 0n; k >>= 1n) {
    if (k & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}
function inverse(a: bigint, m: bigint): bigint {
  let [r0, r1, s0, s1] = [mod(a, m), m, 1n, 0n];
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1, s0, s1] = [r1, r0 - q * r1, s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new Error('not invertible');
  return mod(s0, m);
}

/** RFC 9162: leaf = SHA-256(00 ‖ d), node = SHA-256(01 ‖ l ‖ r), split at the largest power of two below k. */
const leaf = (d: Uint8Array): Uint8Array => sha(new Uint8Array([0]), d);
const node = (l: Uint8Array, r: Uint8Array): Uint8Array => sha(new Uint8Array([1]), l, r);
function split(k: number): number {
  let p = 1;
  while (p * 2 < k) p *= 2;
  return p;
}
function tree(leaves: Uint8Array[], first = 0, nodes: MerkleNode[] = []): { root: Uint8Array; nodes: MerkleNode[] } {
  if (leaves.length === 0) return { root: sha(), nodes };
  if (leaves.length === 1) return { root: leaves[0]!, nodes };
  const k = split(leaves.length);
  const l = tree(leaves.slice(0, k), first, nodes).root;
  const r = tree(leaves.slice(k), first + k, nodes).root;
  const root = node(l, r);
  nodes.push({ leaves: [first, first + leaves.length - 1], left: hex(l), right: hex(r), hash: hex(root) });
  return { root, nodes };
}
/** RFC 9162 §2.1.3.1: the audit path of leaf m, siblings from the leaf up. */
function auditPath(leaves: Uint8Array[], m: number): Uint8Array[] {
  if (leaves.length <= 1) return [];
  const k = split(leaves.length);
  return m < k ? [...auditPath(leaves.slice(0, k), m), tree(leaves.slice(k)).root] : [...auditPath(leaves.slice(k), m - k), tree(leaves.slice(0, k)).root];
}

function ed25519(message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') }, format: 'jwk' });
  return verify(null, message, key, signature);
}

/** A strict reader of the canonical encoding that notes where each field lies. */
class Reader {
  readonly fields: Field[] = [];
  private at = 0;
  constructor(private readonly bytes: Uint8Array) {}
  private take(n: number, field: string, value?: string): Uint8Array {
    if (this.at + n > this.bytes.length) throw new Error(`${field}: the bytes end early`);
    const b = this.bytes.subarray(this.at, this.at + n);
    this.fields.push({ offset: this.at, length: n, field, hex: hex(b), ...(value === undefined ? {} : { value }) });
    this.at += n;
    return b;
  }
  private peek(n: number): Uint8Array {
    return this.bytes.subarray(this.at, this.at + n);
  }
  private uint(n: number, field: string): number {
    const v = Number(toInt(this.peek(n)));
    this.take(n, field, String(v));
    return v;
  }
  u8 = (field: string): number => this.uint(1, field);
  u16 = (field: string): number => this.uint(2, field);
  u32 = (field: string): number => this.uint(4, field);
  u64 = (field: string): number => this.uint(8, field);
  bool = (field: string): boolean => {
    const v = this.u8(field);
    if (v > 1) throw new Error(`${field}: not a boolean`);
    return v === 1;
  };
  oneOf = <T extends string>(field: string, values: readonly T[]): T => values[this.u8(field)]!;
  raw = (n: number, field: string): Uint8Array => new Uint8Array(this.take(n, field));
  text = (field: string): string => {
    const n = this.uint(2, `${field}:len`);
    const s = new TextDecoder('utf-8', { fatal: true }).decode(this.peek(n));
    this.take(n, field, s);
    return s;
  };
  big = (field: string): bigint => {
    const b = this.take(this.uint(2, `${field}:len`), field);
    if (b[0] === 0) throw new Error(`${field}: leading zero byte`);
    return toInt(b);
  };
  list = <T>(field: string, item: (at: string) => T): T[] => Array.from({ length: this.uint(4, `${field}:count`) }, (_, i) => item(`${field}[${i}]`));
  end(): void {
    if (this.at !== this.bytes.length) throw new Error(`${this.bytes.length - this.at} trailing bytes`);
  }
}
function read<T>(bytes: Uint8Array, fn: (r: Reader) => T): T & { fields: Field[] } {
  const r = new Reader(bytes);
  const value = fn(r);
  r.end();
  return { ...value, fields: r.fields };
}

const readManifest = (b: Uint8Array) =>
  read(b, (r) => ({
    version: r.u8('version'),
    electionId: r.text('electionId'),
    title: r.text('title'),
    keyBits: r.u16('keyBits'),
    n: r.big('n'),
    slotBits: r.u8('slotBits'),
    contests: r.list('contests', (at) => ({
      id: r.text(`${at}.id`),
      title: r.text(`${at}.title`),
      districtId: r.text(`${at}.districtId`),
      partyId: r.text(`${at}.partyId`),
      kind: r.oneOf(`${at}.kind`, ['plurality', 'approval'] as const),
      options: r.list(`${at}.options`, (o) => r.text(o)),
      selectionLimit: r.u8(`${at}.selectionLimit`),
      allowAbstain: r.bool(`${at}.allowAbstain`),
      writeIn: r.bool(`${at}.writeIn`),
    })),
    districts: r.list('districts', (at) => ({ id: r.text(`${at}.id`), name: r.text(`${at}.name`) })),
    parties: r.list('parties', (at) => ({ id: r.text(`${at}.id`), name: r.text(`${at}.name`), abbrev: r.text(`${at}.abbrev`) })),
    ballotStyles: r.list('ballotStyles', (at) => ({ id: r.text(`${at}.id`), districtIds: r.list(`${at}.districtIds`, (d) => r.text(d)), partyId: r.text(`${at}.partyId`) })),
    roster: r.list('roster', (at) => ({
      id: r.text(`${at}.id`),
      role: r.oneOf(`${at}.role`, ['precinct', 'county', 'state', 'national', 'trustee'] as const),
      parent: r.text(`${at}.parent`),
      name: r.text(`${at}.name`),
      fips: r.text(`${at}.fips`),
      publicKey: r.raw(32, `${at}.publicKey`),
      peerId: r.text(`${at}.peerId`),
      trusteeIndex: r.u8(`${at}.trusteeIndex`),
      ballotStyles: r.list(`${at}.ballotStyles`, (b) => r.text(b)),
    })),
    combinerId: r.text('combinerId'),
    threshold: { threshold: r.u8('threshold.threshold'), trustees: r.u8('threshold.trustees'), v: r.big('threshold.v'), verificationKeys: r.list('threshold.verificationKeys', (at) => r.big(at)) },
    checkpointInterval: r.u32('checkpointInterval'),
    opensAt: r.u64('opensAt'),
    closesAt: r.u64('closesAt'),
  }));
const readBallot = (b: Uint8Array) =>
  read(b, (r) => ({
    version: r.u8('version'),
    electionHash: r.raw(32, 'electionHash'),
    precinctId: r.text('precinctId'),
    ballotId: r.text('ballotId'),
    ballotStyleId: r.text('ballotStyleId'),
    contests: r.list('contests', (at) => ({
      contestId: r.text(`${at}.contestId`),
      ciphertext: r.big(`${at}.ciphertext`),
      challenges: r.list(`${at}.proof.challenges`, (p) => r.big(p)),
      responses: r.list(`${at}.proof.responses`, (p) => r.big(p)),
    })),
  }));
const readPrecinctTally = (b: Uint8Array) =>
  read(b, (r) => ({
    version: r.u8('version'),
    electionHash: r.raw(32, 'electionHash'),
    precinctId: r.text('precinctId'),
    groups: r.list('groups', (at) => ({ scopeId: r.text(`${at}.scopeId`), words: r.list(`${at}.words`, (x) => r.big(x)) })),
    ballotCount: r.u32('ballotCount'),
    ballotsRoot: r.raw(32, 'ballotsRoot'),
    logHead: r.raw(32, 'logHead'),
    signature: r.raw(64, 'signature'),
  }));
const readAggregateTally = (b: Uint8Array) =>
  read(b, (r) => ({
    version: r.u8('version'),
    electionHash: r.raw(32, 'electionHash'),
    nodeId: r.text('nodeId'),
    level: r.oneOf('level', ['county', 'state', 'national'] as const),
    groups: r.list('groups', (at) => ({ scopeId: r.text(`${at}.scopeId`), words: r.list(`${at}.words`, (x) => r.big(x)) })),
    ballotCount: r.u64('ballotCount'),
    children: r.list('children', (at) => ({ id: r.text(`${at}.id`), tallyHash: r.raw(32, `${at}.tallyHash`) })),
    signature: r.raw(64, 'signature'),
  }));
const readPartial = (b: Uint8Array) =>
  read(b, (r) => ({
    version: r.u8('version'),
    electionHash: r.raw(32, 'electionHash'),
    trusteeId: r.text('trusteeId'),
    trusteeIndex: r.u8('trusteeIndex'),
    tallyHash: r.raw(32, 'tallyHash'),
    groups: r.list('groups', (g) => ({
      scopeId: r.text(`${g}.scopeId`),
      tallyHash: r.raw(32, `${g}.tallyHash`),
      shares: r.list(`${g}.shares`, (at) => ({ ciphertext: r.big(`${at}.ciphertext`), value: r.big(`${at}.value`) })),
    })),
    batches: r.list('batches', (at) => ({ batchId: r.text(`${at}.batchId`), challenge: r.big(`${at}.challenge`), response: r.big(`${at}.response`) })),
    signature: r.raw(64, 'signature'),
  }));
const readResult = (b: Uint8Array) =>
  read(b, (r) => ({
    version: r.u8('version'),
    electionHash: r.raw(32, 'electionHash'),
    combinerId: r.text('combinerId'),
    tallyHash: r.raw(32, 'tallyHash'),
    ballotCount: r.u64('ballotCount'),
    partials: r.list('partials', (at) => r.raw(32, at)),
    scopes: r.list('scopes', (sc) => ({
      scopeId: r.text(`${sc}.scopeId`),
      tallyHash: r.raw(32, `${sc}.tallyHash`),
      ballotCount: r.u64(`${sc}.ballotCount`),
      words: r.list(`${sc}.words`, (at) => r.big(at)),
      contests: r.list(`${sc}.contests`, (at) => ({ contestId: r.text(`${at}.contestId`), counts: r.list(`${at}.counts`, (c) => r.u64(c)) })),
    })),
    signature: r.raw(64, 'signature'),
  }));

interface ReceiptJSON {
  version: number;
  electionHash: string;
  precinctId: string;
  ballotHash: string;
  logPosition: number;
  chainHead: string;
  signature: string;
}
/** The receipt's canonical bytes, written from its JSON view. */
function receiptBytes(j: ReceiptJSON): Uint8Array {
  const id = text(j.precinctId);
  return concat(new Uint8Array([j.version]), unhex(j.electionHash), fixed(BigInt(id.length), 2), id, unhex(j.ballotHash), fixed(BigInt(j.logPosition), 8), unhex(j.chainHead), unhex(j.signature));
}

/** The ballots file: u32 big-endian length, then that many bytes, to the end. */
function frames(b: Uint8Array): { offset: number; prefix: string; length: number; bytes: Uint8Array }[] {
  const out: { offset: number; prefix: string; length: number; bytes: Uint8Array }[] = [];
  for (let at = 0; at < b.length; ) {
    const length = Number(toInt(b.subarray(at, at + 4)));
    if (at + 4 + length > b.length) throw new Error('a ballot is cut short');
    out.push({ offset: at, prefix: hex(b.subarray(at, at + 4)), length, bytes: b.subarray(at + 4, at + 4 + length) });
    at += 4 + length;
  }
  return out;
}

/** Every set of 1..k of the options, smaller sets first, each size lexicographically; the empty set first if allowed. */
function selections(options: number, k: number, abstain: boolean): number[][] {
  const out: number[][] = abstain ? [[]] : [];
  const grow = (prefix: number[], from: number, size: number): void => {
    if (prefix.length === size) out.push(prefix);
    else for (let o = from; o < options; o++) grow([...prefix, o], o + 1, size);
  };
  for (let size = 1; size <= k; size++) grow([], 0, size);
  return out;
}

// ---- the recomputation -----------------------------------------------------------------------------

/** Everything intermediate.json says, recomputed from record/, receipt.json and proof.json. */
function recompute(): WorkedExample {
  const file = (rel: string): Uint8Array => new Uint8Array(fs.readFileSync(path.join(RECORD, rel)));
  const contentHash = (type: string, b: Uint8Array): Uint8Array => H('tallymesh/artifact/v1', type, b);
  const signed = (type: string, b: Uint8Array, signer: string): SignatureSteps => {
    const prefix = text(`tallymesh/sig/v1/${type}\0`);
    const body = b.subarray(0, b.length - 64);
    const signature = b.subarray(b.length - 64);
    const publicKey = keys.get(signer)!;
    expect(ed25519(concat(prefix, body), signature, publicKey), `${signer}'s ${type} signature`).toBe(true);
    return { signer, publicKey: hex(publicKey), prefix: `tallymesh/sig/v1/${type}\\0`, prefixHex: hex(prefix), bodyLength: body.length, messageLength: prefix.length + body.length, signature: hex(signature) };
  };

  // a. The manifest and the election hash.
  const manifestBytes = file('manifest.bin');
  const m = readManifest(manifestBytes);
  const keys = new Map(m.roster.map((e) => [e.id, e.publicKey]));
  const electionHash = H('tallymesh/manifest/v1', manifestBytes);
  const pre = preimage('tallymesh/manifest/v1', manifestBytes);
  const starts: [string, number][] = [['len(domain)', 4], ['domain', 21], ['len(manifest.bin)', 4], ['manifest.bin, first 32 bytes', 32]];
  let at = 0;
  const preimageStart = starts.map(([field, length]): Field => ({ offset: (at += length) - length, length, field, hex: hex(pre.subarray(at - length, at)) }));

  // b. n, h, hs.
  const n = m.n;
  const n2 = n * n;
  const h2i = hashToInt(bits(n) + 128, 'tallymesh/paillier/h', n);
  const x = BigInt('0x' + h2i.value) % n;
  const h = (x * x) % n;
  const hs = pow(h, n, n2);

  // c'. The scope (protocol.md section 5): the common ancestor of the precincts voting in a
  // contest, lifted from a precinct to its county. The example has one: every contest's.
  const parentOf = new Map(m.roster.map((e) => [e.id, e.parent]));
  const pathOf = (id: string): string[] => (id ? [id, ...pathOf(parentOf.get(id)!)] : []);
  const onStyle = (c: (typeof m.contests)[number], styleId: string): boolean => {
    const st = m.ballotStyles.find((b) => b.id === styleId)!;
    return st.districtIds.includes(c.districtId) && (c.partyId === '' || c.partyId === st.partyId);
  };
  const scopeOf = (c: (typeof m.contests)[number]): string => {
    const voting = m.roster.filter((e) => e.role === 'precinct' && e.ballotStyles.some((st) => onStyle(c, st)));
    let common = pathOf(voting[0]!.id);
    for (const p of voting.slice(1)) common = common.filter((id) => pathOf(p.id).includes(id));
    const lowest = common[0]!;
    return m.roster.find((e) => e.id === lowest)!.role === 'precinct' ? parentOf.get(lowest)! : lowest;
  };
  const scopes = [...new Set(m.contests.map(scopeOf))];
  expect(scopes.length, 'the example has one scope').toBe(1);
  const scopeId = scopes[0]!;
  const groupWords = (groups: { scopeId: string; words: bigint[] }[]): bigint[] => groups.find((g) => g.scopeId === scopeId)?.words ?? [];

  // c. The layout: slots of w bits, ⌊(bits(n) − 1)/w⌋ a word, a contest never across two words.
  const w = m.slotBits;
  const perWord = Math.floor((m.keyBits - 1) / w);
  let word = 0;
  let next = 0;
  const layout = m.contests.map((c) => {
    if (next + c.options.length > perWord) [word, next] = [word + 1, 0];
    const firstSlot = next;
    next += c.options.length;
    const sel = selections(c.options.length, c.kind === 'plurality' ? 1 : c.selectionLimit, c.allowAbstain);
    const allowed = sel.map((s) => s.reduce((acc, o) => acc + (1n << BigInt(w * (firstSlot + o))), 0n));
    return { contest: c, word, firstSlot, sel, allowed };
  });
  const wordCount = word + 1;

  // d. The first ballot.
  const precincts = m.roster.filter((e) => e.role === 'precinct');
  const ballotFile = (id: string): string => `ballots/${id}.bin`;
  const firstBytes = frames(file(ballotFile(precincts[0]!.id)))[0]!.bytes;
  const ballot = readBallot(firstBytes);
  expect(hex(ballot.electionHash)).toBe(hex(electionHash));
  const ballotContests = layout.map((l, i) => {
    const entry = ballot.contests[i]!;
    expect(entry.contestId).toBe(l.contest.id);
    const context = H('tallymesh/ballot-proof-context/v1', electionHash, ballot.precinctId, ballot.ballotId, l.contest.id);
    const c = entry.ciphertext;
    const zBound = 1n << BigInt(Math.ceil(bits(n) / 2) + 257);
    const branches = l.allowed.map((mj, j) => {
      const e = entry.challenges[j]!;
      const z = entry.responses[j]!;
      expect(e < 1n << 128n && z < zBound).toBe(true);
      const u = mod(c * (1n - mj * n), n2);
      return { j, m: hexInt(mj), u: hexInt(u), e: hexInt(e), z: hexInt(z), t: (pow(hs, z, n2) * pow(u, e, n2)) % n2 };
    });
    const fiatShamir = challenge(128, 'tallymesh/validity-proof/v1', context, n, c, BigInt(l.allowed.length), ...l.allowed, ...branches.map((b) => b.t));
    const sum = entry.challenges.reduce((a, e) => a + e, 0n) % (1n << 128n);
    expect(hexInt(sum), `the challenges of ${l.contest.id} add up to E`).toBe(fiatShamir.value);
    return { contestId: l.contest.id, context: hex(context), ciphertext: hexInt(c), branches: branches.map((b) => ({ ...b, t: hexInt(b.t) })), fiatShamir, challengeSum: hexInt(sum) };
  });

  // e. Precincts.
  const tallyHash = new Map<string, Uint8Array>();
  const wordsOf = new Map<string, bigint[]>();
  const countOf = new Map<string, number>();
  const ballotHashesOf = new Map<string, Uint8Array[]>();
  const precinctViews = precincts.map((p) => {
    const raw = file(ballotFile(p.id));
    const items = frames(raw);
    const ballots = items.map((f) => readBallot(f.bytes));
    const hashes = items.map((f) => contentHash('ballot', f.bytes));
    ballotHashesOf.set(p.id, hashes);
    const leaves = hashes.map(leaf);
    const { root, nodes } = tree(leaves);
    const tallyName = `tallies/${p.id}.precinct-tally.bin`;
    const tallyBytes = file(tallyName);
    const t = readPrecinctTally(tallyBytes);
    expect([t.precinctId, t.ballotCount, hex(t.ballotsRoot)]).toEqual([p.id, ballots.length, hex(root)]);
    const words = Array.from({ length: wordCount }, (_, wi) => {
      const factors = ballots.flatMap((b, k) => layout.flatMap((l, i) => (l.word === wi ? [{ position: k + 1, contestId: l.contest.id, c: b.contests[i]!.ciphertext }] : [])));
      const product = factors.reduce((acc, f) => (acc * f.c) % n2, 1n);
      expect(product, `word ${wi} of ${p.id}`).toBe(groupWords(t.groups)[wi]);
      return { word: wi, factors: factors.map((f) => ({ position: f.position, contestId: f.contestId, ciphertext: hexInt(f.c) })), product: hexInt(product) };
    });
    tallyHash.set(p.id, contentHash('precinct-tally', tallyBytes));
    expect(t.groups.map((g) => g.scopeId)).toEqual([scopeId]);
    wordsOf.set(p.id, groupWords(t.groups));
    countOf.set(p.id, t.ballotCount);
    return {
      precinctId: p.id,
      ballotsFile: { file: `record/${ballotFile(p.id)}`, length: raw.length, frames: items.map(({ offset, prefix, length }) => ({ offset, prefix, length })) },
      ballots: ballots.map((b, k) => ({ position: k + 1, ballotId: b.ballotId, hash: hex(hashes[k]!), leaf: hex(leaves[k]!) })),
      merkle: { nodes, root: hex(root) },
      words,
      tally: {
        file: `record/${tallyName}`,
        length: tallyBytes.length,
        ballotCount: t.ballotCount,
        ballotsRoot: hex(t.ballotsRoot),
        logHead: hex(t.logHead),
        signature: signed('precinct-tally', tallyBytes, p.id),
        contentHash: hex(tallyHash.get(p.id)!),
      },
    };
  });

  // f. County, state, national: children in roster order, each listed by its tally's content hash.
  const aggregates = (['county', 'state', 'national'] as const).flatMap((role) => m.roster.filter((e) => e.role === role));
  const aggregateViews = aggregates.map((a) => {
    const name = `tallies/${a.id}.aggregate-tally.bin`;
    const bytes = file(name);
    const t = readAggregateTally(bytes);
    const children = m.roster.filter((e) => e.parent === a.id);
    expect(t.children.map((c) => [c.id, hex(c.tallyHash)])).toEqual(children.map((c) => [c.id, hex(tallyHash.get(c.id)!)]));
    // The scope's group goes up to the scope node and no further.
    expect(t.groups.map((g) => g.scopeId)).toEqual(pathOf(a.id).includes(scopeId) ? [scopeId] : []);
    const words = groupWords(t.groups).map((value, wi) => {
      const product = children.reduce((acc, c) => (acc * wordsOf.get(c.id)![wi]!) % n2, 1n);
      expect(product, `word ${wi} of ${a.id}`).toBe(value);
      return { word: wi, factors: children.map((c) => ({ id: c.id, word: hexInt(wordsOf.get(c.id)![wi]!) })), product: hexInt(product) };
    });
    const parts = children.map((c) => ({ id: c.id, ballotCount: countOf.get(c.id)! }));
    const sum = parts.reduce((acc, p) => acc + p.ballotCount, 0);
    expect(sum).toBe(t.ballotCount);
    tallyHash.set(a.id, contentHash('aggregate-tally', bytes));
    wordsOf.set(a.id, groupWords(t.groups));
    countOf.set(a.id, t.ballotCount);
    return {
      nodeId: a.id,
      level: t.level,
      file: `record/${name}`,
      length: bytes.length,
      children: t.children.map((c) => ({ id: c.id, tallyHash: hex(c.tallyHash) })),
      words,
      ballotCount: { parts, sum },
      signature: signed('aggregate-tally', bytes, a.id),
      contentHash: hex(tallyHash.get(a.id)!),
    };
  });
  const national = m.roster.find((e) => e.role === 'national')!.id;
  const scopeWords = wordsOf.get(scopeId)!;
  const scopeHash = tallyHash.get(scopeId)!;

  // g. Partial decryptions: per batch, weights ρ_j from a seed over every pair; C = Π c_j^ρ_j, C_i = Π c_i,j^ρ_j;
  // a = C^(4z) C_i^(−2e), b = v^z v_i^(−e), e = hashToInt(128; …).
  const { v, verificationKeys } = m.threshold;
  let delta = 1n;
  for (let k = 2n; k <= BigInt(m.threshold.trustees); k++) delta *= k;
  const trustees = m.roster.filter((e) => e.role === 'trustee').sort((p, q) => p.trusteeIndex - q.trusteeIndex);
  const partialByHash = new Map<string, ReturnType<typeof readPartial>>();
  const partialViews = trustees.map((tr) => {
    const name = `partials/${tr.id}.bin`;
    const bytes = file(name);
    const p = readPartial(bytes);
    expect([p.trusteeId, p.trusteeIndex, hex(p.tallyHash)]).toEqual([tr.id, tr.trusteeIndex, hex(tallyHash.get(national)!)]);
    partialByHash.set(hex(contentHash('partial-decryption', bytes)), p);
    const vk = verificationKeys[p.trusteeIndex - 1]!;
    expect(p.groups.map((g) => [g.scopeId, hex(g.tallyHash)])).toEqual([[scopeId, hex(scopeHash)]]);
    // The one batch: the scope's state (docs/protocol.md section 5).
    let batchId = scopeId;
    for (let e = m.roster.find((x) => x.id === scopeId); e; e = m.roster.find((x) => x.id === e!.parent)) {
      batchId = e.id;
      if (e.role === 'state') break;
    }
    expect(p.batches.map((b) => b.batchId)).toEqual([batchId]);
    const shares = p.groups[0]!.shares.map((s, wi) => {
      expect(s.ciphertext, `${tr.id}'s word ${wi}`).toBe(scopeWords[wi]);
      return { word: wi, c: hexInt(s.ciphertext), value: hexInt(s.value) };
    });
    const pairs = p.groups[0]!.shares;
    const context = H('tallymesh/partial-decryption-context/v2', electionHash, tallyHash.get(national)!, text(batchId), text(scopeId), scopeHash);
    const seed = H('tallymesh/partial-batch-seed/v1', context, n, BigInt(p.trusteeIndex), vk, BigInt(pairs.length), ...pairs.flatMap((x) => [x.ciphertext, x.value]));
    const weights = pairs.map((_, j) => BigInt('0x' + hashToInt(128, 'tallymesh/partial-batch-weight/v1', seed, BigInt(j)).value));
    const C = pairs.reduce((acc, x, j) => (acc * pow(x.ciphertext, weights[j]!, n2)) % n2, 1n);
    const Ci = pairs.reduce((acc, x, j) => (acc * pow(x.value, weights[j]!, n2)) % n2, 1n);
    const proofContext = H('tallymesh/partial-batch-proof/v1', context, seed);
    const { challenge: e, response: z } = p.batches[0]!;
    const a = (pow(C, 4n * z, n2) * inverse(pow(Ci, 2n * e, n2), n2)) % n2;
    const b = (pow(v, z, n2) * inverse(pow(vk, e, n2), n2)) % n2;
    const fiatShamir = challenge(128, 'tallymesh/partial-decryption/v1', proofContext, n, C, BigInt(p.trusteeIndex), v, vk, Ci, a, b);
    expect(fiatShamir.value, `${tr.id}'s proof`).toBe(hexInt(e));
    const batch = {
      batchId,
      context: hex(context),
      seed: hex(seed),
      weights: weights.map(hexInt),
      C: hexInt(C),
      Ci: hexInt(Ci),
      proofContext: hex(proofContext),
      challenge: hexInt(e),
      response: hexInt(z),
      a: hexInt(a),
      b: hexInt(b),
      fiatShamir,
    };
    return { trusteeId: p.trusteeId, trusteeIndex: p.trusteeIndex, file: `record/${name}`, tallyHash: hex(p.tallyHash), scopeId, scopeTallyHash: hex(scopeHash), shares, batch, signature: signed('partial-decryption', bytes, tr.id), contentHash: hex(contentHash('partial-decryption', bytes)) };
  });

  // h. The result: λ_i = Δ Π j/(j − i); c′ = Π c_i^(2λ_i); M = L(c′)·(4Δ²)^(−1) mod n.
  const resultBytes = file('result.bin');
  const result = readResult(resultBytes);
  expect([hex(result.tallyHash), result.ballotCount, result.combinerId]).toEqual([hex(tallyHash.get(national)!), countOf.get(national), m.combinerId]);
  const used = result.partials.map((hh) => partialByHash.get(hex(hh))!);
  const S = used.map((p) => p.trusteeIndex);
  expect([...S].sort((p, q) => p - q)).toEqual(S);
  const lambdas = S.map((i) => {
    let [num, den] = [delta, 1n];
    for (const j of S.filter((j) => j !== i)) [num, den] = [num * BigInt(j), den * BigInt(j - i)];
    expect(num % den).toBe(0n);
    return { trusteeIndex: i, lambda: num / den };
  });
  const four = 4n * delta * delta;
  const fourInverse = inverse(four, n);
  expect(result.scopes.map((sc) => [sc.scopeId, hex(sc.tallyHash), sc.ballotCount])).toEqual([[scopeId, hex(scopeHash), countOf.get(scopeId)]]);
  const scoped = result.scopes[0]!;
  const resultWords = scopeWords.map((_, wi) => {
    const combined = used.reduce((acc, p, k) => {
      const l = lambdas[k]!.lambda;
      const power = pow(p.groups[0]!.shares[wi]!.value, 2n * (l < 0n ? -l : l), n2);
      return (acc * (l < 0n ? inverse(power, n2) : power)) % n2;
    }, 1n);
    expect(combined % n).toBe(1n);
    const L = (combined - 1n) / n;
    const plaintext = (L * fourInverse) % n;
    expect(plaintext, `result word ${wi}`).toBe(scoped.words[wi]);
    return { word: wi, combined: hexInt(combined), L: hexInt(L), plaintext: hexInt(plaintext) };
  });
  const counts = layout.map((l, i) => ({
    contestId: l.contest.id,
    options: l.contest.options.map((option, o) => {
      const slot = l.firstSlot + o;
      const count = Number((scoped.words[l.word]! >> BigInt(w * slot)) % (1n << BigInt(w)));
      expect(count).toBe(scoped.contests[i]!.counts[o]);
      return { option, slot, count };
    }),
  }));

  // i. The receipt: R1 its signature, R2 its audit path (RFC 9162 §2.1.3.2), R3 the chain of listed hashes.
  const receiptFile = readJSON<{ receipt: ReceiptJSON; precinct: string }>('receipt.json');
  const proof = readJSON<ProofFile>('proof.json');
  const rj = receiptFile.receipt;
  expect(rj.electionHash).toBe(hex(electionHash));
  const rBytes = receiptBytes(rj);
  const rFields = read(rBytes, (r) => ({
    version: r.u8('version'),
    electionHash: r.raw(32, 'electionHash'),
    precinctId: r.text('precinctId'),
    ballotHash: r.raw(32, 'ballotHash'),
    logPosition: r.u64('logPosition'),
    chainHead: r.raw(32, 'chainHead'),
    signature: r.raw(64, 'signature'),
  })).fields;
  const hashes = ballotHashesOf.get(rj.precinctId)!;
  const index = rj.logPosition - 1;
  expect(hex(hashes[index]!)).toBe(rj.ballotHash);
  const rTally = precinctViews.find((p) => p.precinctId === rj.precinctId)!.tally;
  const served = proof.receipt.body.inclusion!;
  const pathHashes = auditPath(hashes.map(leaf), index);
  expect(served).toEqual({ index, size: rTally.ballotCount, path: pathHashes.map(hex), root: rTally.ballotsRoot });
  let [fn, sn, r] = [index, rTally.ballotCount - 1, leaf(unhex(rj.ballotHash))];
  const steps = pathHashes.map((p) => {
    let side: 'left' | 'right' = 'right';
    if (sn === 0) throw new Error('the path is too long');
    if (fn % 2 === 1 || fn === sn) {
      [r, side] = [node(p, r), 'left'];
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else r = node(r, p);
    [fn, sn] = [fn >> 1, sn >> 1];
    return { sibling: hex(p), side, hash: hex(r) };
  });
  expect([sn, hex(r)]).toEqual([0, rTally.ballotsRoot]);
  const pathTallies = proof.proof.body.path.map(b64);
  const chainIds: string[] = [];
  for (let id = m.roster.find((e) => e.id === rj.precinctId)!.parent; id; id = m.roster.find((e) => e.id === id)!.parent) chainIds.push(id);
  expect(pathTallies.map(hex)).toEqual(chainIds.map((id) => hex(file(`tallies/${id}.aggregate-tally.bin`))));
  const chain: WorkedExample['receipt']['R3']['chain'] = [{ nodeId: rj.precinctId, tallyHash: hex(tallyHash.get(rj.precinctId)!) }];
  for (const bytes of pathTallies) {
    const t = readAggregateTally(bytes);
    const below = chain[chain.length - 1]!;
    const i = t.children.findIndex((c) => c.id === below.nodeId);
    expect(hex(t.children[i]!.tallyHash)).toBe(below.tallyHash);
    chain.push({ nodeId: t.nodeId, tallyHash: hex(contentHash('aggregate-tally', bytes)), lists: { index: i, id: below.nodeId, tallyHash: below.tallyHash } });
  }
  expect(chain[chain.length - 1]!.tallyHash).toBe(hex(result.tallyHash));

  return {
    scopeId,
    election: {
      electionId: m.electionId,
      title: m.title,
      keyBits: m.keyBits,
      slotBits: m.slotBits,
      combinerId: m.combinerId,
      roster: m.roster.map((e) => ({ id: e.id, role: e.role, parent: e.parent, trusteeIndex: e.trusteeIndex, publicKey: hex(e.publicKey) })),
    },
    electionHash: { domain: 'tallymesh/manifest/v1', file: 'record/manifest.bin', manifestLength: manifestBytes.length, preimageLength: pre.length, preimageStart, hash: hex(electionHash) },
    paillier: { n: hexInt(n), nBits: bits(n), seedPreimage: hex(preimage('tallymesh/paillier/h', n)), hashToInt: h2i, x: hexInt(x), h: hexInt(h), hs: hexInt(hs) },
    layout: {
      slotBits: w,
      slotsPerWord: perWord,
      wordCount,
      contests: layout.map((l) => ({
        contestId: l.contest.id,
        kind: l.contest.kind,
        options: l.contest.options,
        selectionLimit: l.contest.selectionLimit,
        allowAbstain: l.contest.allowAbstain,
        word: l.word,
        firstSlot: l.firstSlot,
        allowed: l.allowed.map((a, j) => ({ selection: l.sel[j]!.map((o) => l.contest.options[o]!), value: hexInt(a), bytes: hex(intBytes(a)) })),
      })),
    },
    ballot: { precinctId: precincts[0]!.id, file: `record/${ballotFile(precincts[0]!.id)}`, fileOffset: 4, length: firstBytes.length, fields: ballot.fields, contentHash: hex(contentHash('ballot', firstBytes)), contests: ballotContests },
    precincts: precinctViews,
    aggregates: aggregateViews,
    threshold: { threshold: m.threshold.threshold, trustees: m.threshold.trustees, delta: String(delta), v: hexInt(v), verificationKeys: verificationKeys.map((k, i) => ({ trusteeIndex: i + 1, key: hexInt(k) })) },
    partials: partialViews,
    result: {
      file: 'record/result.bin',
      tallyHash: hex(result.tallyHash),
      ballotCount: result.ballotCount,
      delta: String(delta),
      used: used.map((p, k) => ({ trusteeIndex: p.trusteeIndex, trusteeId: p.trusteeId, partialHash: hex(result.partials[k]!) })),
      lambdas: lambdas.map((l) => ({ trusteeIndex: l.trusteeIndex, lambda: String(l.lambda) })),
      fourDeltaSquared: hexInt(four),
      fourDeltaSquaredInverse: hexInt(fourInverse),
      words: resultWords,
      counts,
      signature: signed('result', resultBytes, m.combinerId),
      contentHash: hex(contentHash('result', resultBytes)),
    },
    receipt: {
      file: 'receipt.json',
      precinct: receiptFile.precinct,
      fields: rFields,
      R1: signed('receipt', rBytes, rj.precinctId),
      R2: { ballotHash: rj.ballotHash, index, size: rTally.ballotCount, leaf: hex(leaf(unhex(rj.ballotHash))), steps, root: rTally.ballotsRoot },
      R3: { chain, resultTallyHash: hex(result.tallyHash), resultPartials: result.partials.map(hex) },
    },
  };
}

// ---- the tests -------------------------------------------------------------------------------------

let written: WorkedExample;
let mine: WorkedExample;

beforeAll(() => {
  written = readJSON<WorkedExample>('intermediate.json');
  mine = recompute();
});

describe('the worked example of docs/examples', () => {
  it('is a record that passes every check of the verifier, and the receipt passes R1-R3 against it', async () => {
    const v = await verifyRecordDir(RECORD, { receipts: [readReceiptFile(path.join(EXAMPLE, 'receipt.json'))] });
    expect(v.checks.map((c) => `${c.number}:${c.status}`)).toEqual(['1:pass', '2:pass', '3:pass', '4:pass', '5:pass', '6:pass', '7:pass', '8:pass', '9:pass']);
    expect(v.receipts.map((c) => `${c.number}:${c.status}`)).toEqual(['R1:pass', 'R2:pass', 'R3:pass']);
    expect([v.verdict, v.electionHash]).toEqual(['pass', written.electionHash.hash]);
  });

  it('has a receipt that passes R1-R3 from proof.json alone, as `tallymesh receipt check` and the dashboard check it', async () => {
    const proof = readJSON<ProofFile>('proof.json');
    const receiptFile = readJSON<{ receipt: unknown; precinct: string }>('receipt.json');
    expect(proof.node).toBe(receiptFile.precinct);
    expect(proof.receipt.body.receipt).toEqual(receiptFile.receipt);
    const ctx = new ElectionContext(decode(ManifestSchema, new Uint8Array(fs.readFileSync(path.join(RECORD, 'manifest.bin'))), 'manifest'));
    const body = proof.proof.body;
    const inclusion = proof.receipt.body.inclusion!;
    const checks = checkReceiptProof(ctx, {
      receipt: Receipt.fromJSON(receiptFile.receipt),
      inclusion: { size: inclusion.size, path: inclusion.path.map(unhex) },
      precinctTally: PrecinctTally.decode(b64(body.precinctTally)),
      path: body.path.map((t) => AggregateTally.decode(b64(t))),
      result: Result.decode(b64(body.result!)),
      partials: body.partials.map((p) => PartialDecryption.decode(b64(p))),
    });
    expect(checks.map((c) => `${c.number}:${c.status}`)).toEqual(['R1:pass', 'R2:pass', 'R3:pass']);
    // The result's partials are served, in the order it lists them.
    expect(body.partials.map((p) => hex(H('tallymesh/artifact/v1', 'partial-decryption', b64(p))))).toEqual(written.result.used.map((u) => u.partialHash));

    const manifest = Buffer.from(fs.readFileSync(path.join(RECORD, 'manifest.bin'))).toString('base64');
    const get = async (route: string): Promise<unknown> =>
      route === '/manifest' ? { manifest } : route === proof.proof.request.slice(4) ? proof.proof.body : route === proof.receipt.request.slice(4) ? proof.receipt.body : undefined;
    const browser = await checkReceipt(receiptFile as ReceiptFile, get);
    expect(browser.map((c) => `${c.number}:${c.status}`)).toEqual(['R1:pass', 'R2:pass', 'R3:pass']);
  });

  it('has a README that is exactly the rendering of intermediate.json', () => {
    expect(fs.readFileSync(path.join(EXAMPLE, 'README.md'), 'utf8')).toBe(renderReadme(written));
  });

  describe('every value of intermediate.json, recomputed from the files by an implementation of its own', () => {
    it('holds the sections it should and nothing else', () => {
      expect(Object.keys(written).sort()).toEqual(Object.keys(mine).sort());
    });
    for (const section of ['election', 'electionHash', 'paillier', 'layout', 'ballot', 'precincts', 'aggregates', 'threshold', 'partials', 'result', 'receipt'] as const) {
      it(section, () => {
        expect(written[section]).toStrictEqual(mine[section]);
      });
    }
  });
});

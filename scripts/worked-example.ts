// The worked example of docs/examples/: a small, complete election record with every intermediate
// value a re-implementer of the verifier needs to check their code step by step.
//
//   node --import tsx scripts/worked-example.ts [OUT_DIR]      (default docs/examples)
//
// It sets up a 1024-bit election (1 state, 1 county, 2 precincts, 3 trustees of whom 2 decrypt,
// a plurality contest with abstention and an approval contest choosing up to 2), runs it in
// process, and writes: record/ (exactly as writeRecord writes a record), receipt.json (one voter's
// receipt file as `tallymesh vote --receipt-out` writes it), proof.json (what GET /proof/:precinctId
// and GET /receipts/:ballotHash serve for it, built by the node's own builders), intermediate.json
// (the values, computed from those files with the product's code and cross-checked against it)
// and README.md (renderReadme of intermediate.json). No value is written by hand: running it again
// gives a new election (new keys, new randomness) and a README that says the same of it.
// test/unit/docs/worked-example.test.ts recomputes every value from the files with its own code.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bigintToBytes, bitLength, concatBytes, equalBytes, fromHex, toHex, u32be, u64be, utf8 } from '../crypto/bytes.ts';
import { hashParts, hashToInt, sha256, type HashPart } from '../crypto/hash.ts';
import { EMPTY_ROOT, leafHash, merkleRoot, nodeHash, verifyInclusion } from '../crypto/merkle.ts';
import { modPowPublic } from '../crypto/modexp.ts';
import { mod, modInverse } from '../crypto/modular.ts';
import { verifySignature } from '../crypto/signature.ts';
import { combineVerifiedPartials, factorial, lagrangeCoefficient } from '../crypto/threshold.ts';
import { verifyValidity } from '../crypto/validity-proof.ts';
import { contentHash, type ArtifactType } from '../protocol/artifact.ts';
import { Ballot, proofContext } from '../protocol/ballot.ts';
import { ElectionContext } from '../protocol/election.ts';
import { encodeManifest, type Contest } from '../protocol/manifest.ts';
import { PartialDecryption, shareAsPartial } from '../protocol/partial-decryption.ts';
import { verifyBatch } from '../crypto/partial-batch.ts';
import { Receipt } from '../protocol/receipt.ts';
import { heldFromRecord, receiptProofView, receiptView, type ReceiptProofView, type ReceiptView } from '../protocol/receipt-proof-view.ts';
import { decodeFramed } from '../protocol/record.ts';
import { Result } from '../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../protocol/tally.ts';
import { recordFile } from '../protocol/verify/record-source.ts';
import { readRecord, writeRecord } from '../record/record-files.ts';
import { generateElection } from '../setup/election-setup.ts';
import { DEFAULT_PORTS } from '../setup/setup-files.ts';
import { runInProcessElection } from '../sim/in-process-election.ts';

/** The election of the example: the smallest that still shows every step. */
export const WORKED_EXAMPLE_SHAPE = { keyBits: 1024, states: 1, countiesPerState: 1, precinctsPerCounty: 2, trustees: 3, threshold: 2 } as const;
export const WORKED_EXAMPLE_BALLOTS_PER_PRECINCT = 3;
export const WORKED_EXAMPLE_CONTESTS: Contest[] = [
  { id: 'mayor', title: 'Mayor', districtId: 'all', partyId: '', kind: 'plurality', options: ['Adams', 'Baker', 'Chen'], selectionLimit: 1, allowAbstain: true, writeIn: false },
  { id: 'council', title: 'City council (one or two)', districtId: 'all', partyId: '', kind: 'approval', options: ['Evans', 'Fischer', 'Garcia', 'Hughes'], selectionLimit: 2, allowAbstain: false, writeIn: false },
];
/** The receipt shown: the second voter of the first precinct (its audit path has a left and a right step). */
const RECEIPT_POSITION = 2;

// ---- the values ----------------------------------------------------------------------------------
// Bytes and big integers are lowercase hex as the JSON views write them: bytes two digits each,
// integers without leading zeros ("0" for zero). The small integers Δ and λ (λ may be negative)
// are decimal strings.

/** A stretch of canonical bytes: where it starts, how long, which field, its bytes, its value when readable. */
export interface Field {
  offset: number;
  length: number;
  field: string;
  hex: string;
  value?: string;
}

/** hashToInt(bits; domain; parts): the framed seed, the expansion blocks, and the integer kept. */
export interface HashToIntSteps {
  domain: string;
  bits: number;
  seed: string;
  blocks: { i: number; preimage: string; hash: string }[];
  /** Bits dropped from the right of the concatenated blocks. */
  dropBits: number;
  value: string;
}

export interface SignatureSteps {
  signer: string;
  publicKey: string;
  /** The domain prefix, with the NUL written as \0. */
  prefix: string;
  prefixHex: string;
  /** The canonical bytes less the trailing 64-byte signature. */
  bodyLength: number;
  messageLength: number;
  signature: string;
}

export interface MerkleNode {
  /** First and last leaf index the node covers. */
  leaves: [number, number];
  left: string;
  right: string;
  hash: string;
}

export interface WorkedExample {
  /** The example's one scope (docs/protocol.md section 5): its county. */
  scopeId: string;
  election: {
    electionId: string;
    title: string;
    keyBits: number;
    slotBits: number;
    combinerId: string;
    roster: { id: string; role: string; parent: string; trusteeIndex: number; publicKey: string }[];
  };
  electionHash: { domain: string; file: string; manifestLength: number; preimageLength: number; preimageStart: Field[]; hash: string };
  paillier: { n: string; nBits: number; seedPreimage: string; hashToInt: HashToIntSteps & { concatenated: string }; x: string; h: string; hs: string };
  layout: {
    slotBits: number;
    slotsPerWord: number;
    wordCount: number;
    contests: {
      contestId: string;
      kind: string;
      options: string[];
      selectionLimit: number;
      allowAbstain: boolean;
      word: number;
      firstSlot: number;
      allowed: { selection: string[]; value: string; bytes: string }[];
    }[];
  };
  ballot: {
    precinctId: string;
    file: string;
    fileOffset: number;
    length: number;
    fields: Field[];
    contentHash: string;
    contests: {
      contestId: string;
      context: string;
      ciphertext: string;
      branches: { j: number; m: string; u: string; e: string; z: string; t: string }[];
      fiatShamir: HashToIntSteps;
      challengeSum: string;
    }[];
  };
  precincts: {
    precinctId: string;
    ballotsFile: { file: string; length: number; frames: { offset: number; prefix: string; length: number }[] };
    ballots: { position: number; ballotId: string; hash: string; leaf: string }[];
    merkle: { nodes: MerkleNode[]; root: string };
    words: { word: number; factors: { position: number; contestId: string; ciphertext: string }[]; product: string }[];
    tally: { file: string; length: number; ballotCount: number; ballotsRoot: string; logHead: string; signature: SignatureSteps; contentHash: string };
  }[];
  aggregates: {
    nodeId: string;
    level: string;
    file: string;
    length: number;
    children: { id: string; tallyHash: string }[];
    words: { word: number; factors: { id: string; word: string }[]; product: string }[];
    ballotCount: { parts: { id: string; ballotCount: number }[]; sum: number };
    signature: SignatureSteps;
    contentHash: string;
  }[];
  threshold: { threshold: number; trustees: number; delta: string; v: string; verificationKeys: { trusteeIndex: number; key: string }[] };
  partials: {
    trusteeId: string;
    trusteeIndex: number;
    file: string;
    tallyHash: string;
    scopeId: string;
    scopeTallyHash: string;
    shares: { word: number; c: string; value: string }[];
    batch: {
      batchId: string;
      context: string;
      seed: string;
      weights: string[];
      C: string;
      Ci: string;
      proofContext: string;
      challenge: string;
      response: string;
      a: string;
      b: string;
      fiatShamir: HashToIntSteps;
    };
    signature: SignatureSteps;
    contentHash: string;
  }[];
  result: {
    file: string;
    tallyHash: string;
    ballotCount: number;
    delta: string;
    used: { trusteeIndex: number; trusteeId: string; partialHash: string }[];
    lambdas: { trusteeIndex: number; lambda: string }[];
    fourDeltaSquared: string;
    fourDeltaSquaredInverse: string;
    words: { word: number; combined: string; L: string; plaintext: string }[];
    counts: { contestId: string; options: { option: string; slot: number; count: number }[] }[];
    signature: SignatureSteps;
    contentHash: string;
  };
  receipt: {
    file: string;
    precinct: string;
    fields: Field[];
    R1: SignatureSteps;
    R2: { ballotHash: string; index: number; size: number; leaf: string; steps: { sibling: string; side: 'left' | 'right'; hash: string }[]; root: string };
    R3: { chain: { nodeId: string; tallyHash: string; lists?: { index: number; id: string; tallyHash: string } }[]; resultTallyHash: string; resultPartials: string[] };
  };
}

/** proof.json: what the precinct serves for the receipt. */
export interface ProofFile {
  node: string;
  proof: { request: string; body: ReceiptProofView };
  receipt: { request: string; body: ReceiptView };
}

// ---- generating ----------------------------------------------------------------------------------

const json = (value: unknown): string => JSON.stringify(value, null, 2) + '\n';

/** Sets up and runs the election, writes record/, receipt.json and proof.json, then the values and the README. */
export function generateWorkedExample(out: string): WorkedExample {
  const election = generateElection({ ...WORKED_EXAMPLE_SHAPE, contests: WORKED_EXAMPLE_CONTESTS, electionId: 'worked-example', title: 'TallyMesh worked example' });
  const outcome = runInProcessElection(election, { ballotsPerPrecinct: WORKED_EXAMPLE_BALLOTS_PER_PRECINCT, seed: 'worked-example' });
  const { ctx, record } = outcome;
  mkdirSync(out, { recursive: true });
  // A record folder is read by name: files of an older run must not linger in it.
  rmSync(join(out, 'record'), { recursive: true, force: true });
  writeRecord(join(out, 'record'), record);

  const precinctIndex = ctx.manifest.roster.findIndex((e) => e.role === 'precinct');
  const precinct = ctx.manifest.roster[precinctIndex]!;
  const cast = outcome.cast.get(precinct.id)!;
  const receipt = cast[RECEIPT_POSITION - 1]!.receipt;
  // The REST address `tallymesh setup` gives roster node i by default.
  const url = `http://${DEFAULT_PORTS.host}:${DEFAULT_PORTS.basePort + 2 * precinctIndex + 1}`;
  writeFileSync(join(out, 'receipt.json'), json({ receipt: Receipt.toJSON(receipt), precinct: url }));

  const proof = receiptProofView(ctx, precinct.id, heldFromRecord(ctx, record));
  if (!proof) throw new Error('the record does not hold the tallies above the precinct');
  const precinctTally = record.precinctTallies.find((t) => t.precinctId === precinct.id)!;
  const body = receiptView(receipt, { tally: precinctTally, ballotHashes: cast.map((c) => Ballot.hash(c.ballot)) });
  const proofFile: ProofFile = {
    node: url,
    proof: { request: `GET /proof/${precinct.id}`, body: proof },
    receipt: { request: `GET /receipts/${toHex(receipt.ballotHash)}`, body },
  };
  writeFileSync(join(out, 'proof.json'), json(proofFile));

  const example = describeExample(out);
  writeFileSync(join(out, 'intermediate.json'), json(example));
  writeFileSync(join(out, 'README.md'), renderReadme(example));
  return example;
}

// ---- describing: every value from the files, cross-checked with the product's code ---------------

function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`worked example: ${what} does not agree with the product's code`);
}

const hexInt = (x: bigint): string => x.toString(16);
const partBytes = (p: HashPart): Uint8Array => (typeof p === 'string' ? utf8(p) : typeof p === 'bigint' ? bigintToBytes(p) : typeof p === 'number' ? bigintToBytes(BigInt(p)) : p);

/** The framed preimage of H(domain; parts): u32 length before the domain and before every part. */
function framed(domain: string, ...parts: HashPart[]): Uint8Array {
  const pieces = [domain, ...parts].map(partBytes);
  const out = concatBytes(...pieces.flatMap((b) => [u32be(b.length), b]));
  check(equalBytes(sha256(out), hashParts(domain, ...parts)), `the framing of ${domain}`);
  return out;
}

function hashToIntSteps(bits: number, domain: string, ...parts: HashPart[]): HashToIntSteps & { concatenated: string } {
  const seed = hashParts(domain, ...parts);
  const count = Math.ceil(bits / 256);
  const blocks = Array.from({ length: count }, (_, i) => ({ i, preimage: toHex(framed('tallymesh/expand', seed, i)), hash: toHex(hashParts('tallymesh/expand', seed, i)) }));
  const concatenated = blocks.map((b) => b.hash).join('');
  const dropBits = count * 256 - bits;
  const value = BigInt('0x' + concatenated) >> BigInt(dropBits);
  check(value === hashToInt(bits, domain, ...parts), `hashToInt(${bits}; ${domain})`);
  return { domain, bits, seed: toHex(seed), blocks, dropBits, value: hexInt(value), concatenated };
}

/** hashToIntSteps without the concatenation (one block: it is the block). */
function challengeSteps(bits: number, domain: string, ...parts: HashPart[]): HashToIntSteps {
  const { concatenated: _unused, ...steps } = hashToIntSteps(bits, domain, ...parts);
  return steps;
}

/** Canonical bytes written field by field, so that each field's offset can be shown. */
class Annotated {
  readonly fields: Field[] = [];
  private readonly chunks: Uint8Array[] = [];
  private offset = 0;
  private put(field: string, bytes: Uint8Array, value?: string): void {
    this.fields.push({ offset: this.offset, length: bytes.length, field, hex: toHex(bytes), ...(value === undefined ? {} : { value }) });
    this.chunks.push(bytes);
    this.offset += bytes.length;
  }
  u8(field: string, v: number): void {
    this.put(field, new Uint8Array([v]), String(v));
  }
  u64(field: string, v: number): void {
    this.put(field, u64be(v), String(v));
  }
  count(field: string, n: number): void {
    this.put(`${field}:count`, u32be(n), String(n));
  }
  bytes(field: string, b: Uint8Array): void {
    this.put(field, b);
  }
  text(field: string, s: string): void {
    const b = utf8(s);
    this.put(`${field}:len`, bigintToBytes(BigInt(b.length), 2), String(b.length));
    this.put(field, b, s);
  }
  big(field: string, x: bigint): void {
    const b = bigintToBytes(x);
    this.put(`${field}:len`, bigintToBytes(BigInt(b.length), 2), String(b.length));
    this.put(field, b);
  }
  finish(): Uint8Array {
    return concatBytes(...this.chunks);
  }
}

function annotateBallot(b: Ballot): Field[] {
  const a = new Annotated();
  a.u8('version', b.version);
  a.bytes('electionHash', b.electionHash);
  a.text('precinctId', b.precinctId);
  a.text('ballotId', b.ballotId);
  a.text('ballotStyleId', b.ballotStyleId);
  a.count('contests', b.contests.length);
  b.contests.forEach((c, i) => {
    const at = `contests[${i}]`;
    a.text(`${at}.contestId`, c.contestId);
    a.big(`${at}.ciphertext`, c.ciphertext);
    a.count(`${at}.proof.challenges`, c.proof.challenges.length);
    c.proof.challenges.forEach((e, j) => a.big(`${at}.proof.challenges[${j}]`, e));
    a.count(`${at}.proof.responses`, c.proof.responses.length);
    c.proof.responses.forEach((z, j) => a.big(`${at}.proof.responses[${j}]`, z));
  });
  check(equalBytes(a.finish(), Ballot.encode(b)), 'the ballot annotation');
  return a.fields;
}

function annotateReceipt(r: Receipt): Field[] {
  const a = new Annotated();
  a.u8('version', r.version);
  a.bytes('electionHash', r.electionHash);
  a.text('precinctId', r.precinctId);
  a.bytes('ballotHash', r.ballotHash);
  a.u64('logPosition', r.logPosition);
  a.bytes('chainHead', r.chainHead);
  a.bytes('signature', r.signature);
  check(equalBytes(a.finish(), Receipt.encode(r)), 'the receipt annotation');
  return a.fields;
}

const SIGNATURE_BYTES = 64;

function signatureSteps(type: ArtifactType, bytes: Uint8Array, signer: { id: string; publicKey: Uint8Array }): SignatureSteps {
  const prefix = utf8(`tallymesh/sig/v1/${type}\0`);
  const body = bytes.subarray(0, bytes.length - SIGNATURE_BYTES);
  const signature = bytes.subarray(bytes.length - SIGNATURE_BYTES);
  check(verifySignature(type, body, signature, signer.publicKey), `the signature of ${signer.id}'s ${type}`);
  return {
    signer: signer.id,
    publicKey: toHex(signer.publicKey),
    prefix: `tallymesh/sig/v1/${type}\\0`,
    prefixHex: toHex(prefix),
    bodyLength: body.length,
    messageLength: prefix.length + body.length,
    signature: toHex(signature),
  };
}

/** The inner nodes of the RFC 9162 tree over the leaf hashes, children before parents; and its root. */
function merkleNodes(leaves: Uint8Array[]): { nodes: MerkleNode[]; root: Uint8Array } {
  const nodes: MerkleNode[] = [];
  const build = (from: number, count: number): Uint8Array => {
    if (count === 1) return leaves[from]!;
    let k = 1;
    while (k * 2 < count) k *= 2;
    const left = build(from, k);
    const right = build(from + k, count - k);
    const hash = nodeHash(left, right);
    nodes.push({ leaves: [from, from + count - 1], left: toHex(left), right: toHex(right), hash: toHex(hash) });
    return hash;
  };
  return { nodes, root: leaves.length === 0 ? EMPTY_ROOT : build(0, leaves.length) };
}

function product(factors: bigint[], n2: bigint): bigint {
  return factors.reduce((acc, c) => (acc * c) % n2, 1n);
}

/** Every value of the example, from the files in `dir` (record/, receipt.json, proof.json). */
export function describeExample(dir: string): WorkedExample {
  const recordDir = join(dir, 'record');
  const file = (rel: string): Uint8Array => new Uint8Array(readFileSync(join(recordDir, rel)));
  const record = readRecord(recordDir);
  const ctx = new ElectionContext(record.manifest);
  const { manifest } = ctx;
  // The example's two contests are on every ballot of its one county: they have one scope, the
  // county (docs/protocol.md section 5), and every tally on the way carries that one group.
  check(ctx.scopes.scopes.length === 1, 'one scope');
  const layout = ctx.scopes.scopes[0]!;
  const scopeId = layout.scopeId;
  const scopeWords = (groups: readonly { scopeId: string; words: bigint[] }[]): bigint[] => groups.find((g) => g.scopeId === scopeId)?.words ?? [];
  const { n, n2 } = ctx.publicKey;
  const roster = manifest.roster;
  const key = (id: string): { id: string; publicKey: Uint8Array } => ({ id, publicKey: ctx.index.node(id).publicKey });
  const rel = (name: string): string => `record/${name}`;

  // a. The election hash.
  const manifestBytes = file(recordFile.manifest);
  check(equalBytes(manifestBytes, encodeManifest(manifest)), 'manifest.bin');
  const domain = 'tallymesh/manifest/v1';
  const preimage = framed(domain, manifestBytes);
  check(equalBytes(hashParts(domain, manifestBytes), ctx.hash), 'the election hash');
  const startPieces: [string, number][] = [['len(domain)', 4], ['domain', utf8(domain).length], ['len(manifest.bin)', 4], ['manifest.bin, first 32 bytes', 32]];
  let at = 0;
  const preimageStart = startPieces.map(([field, length]) => {
    const f: Field = { offset: at, length, field, hex: toHex(preimage.subarray(at, at + length)) };
    at += length;
    return f;
  });

  // b. Paillier's derived constants.
  const bits = bitLength(n);
  const h2i = hashToIntSteps(bits + 128, 'tallymesh/paillier/h', n);
  const x = mod(BigInt('0x' + h2i.value), n);
  const h = (x * x) % n;
  const hs = modPowPublic(h, n, n2);
  check(h === ctx.publicKey.h && hs === ctx.publicKey.hs, 'h and hs');

  // c. The ballot layout.
  const layoutView = layout.contests.map((c, i) => {
    const contest = manifest.contests[i]!;
    return {
      contestId: c.contestId,
      kind: contest.kind,
      options: contest.options,
      selectionLimit: contest.selectionLimit,
      allowAbstain: contest.allowAbstain,
      word: c.word,
      firstSlot: c.firstSlot,
      allowed: c.allowed.map((m, j) => ({ selection: c.selections[j]!.map((o) => contest.options[o]!), value: hexInt(m), bytes: toHex(bigintToBytes(m)) })),
    };
  });

  // d. One ballot, field by field, and its proofs.
  const precincts = roster.filter((e) => e.role === 'precinct');
  const first = precincts[0]!;
  const firstItems = decodeFramed(file(recordFile.ballots(first.id)), first.id);
  const ballotBytes = firstItems[0]!;
  const ballot = Ballot.decode(ballotBytes);
  const ballotHash = contentHash('ballot', ballotBytes);
  check(equalBytes(ballotHash, Ballot.hash(ballot)), 'the ballot hash');
  const ballotContests = layout.contests.map((lc, i) => {
    const entry = ballot.contests[i]!;
    const context = proofContext(ctx.hash, ballot.precinctId, ballot.ballotId, lc.contestId);
    const c = entry.ciphertext;
    const branches = lc.allowed.map((m, j) => {
      const e = entry.proof.challenges[j]!;
      const z = entry.proof.responses[j]!;
      const u = (c * mod(1n - m * n, n2)) % n2; // c * (1+n)^(-m) = c * (1 - m n)
      const t = (modPowPublic(hs, z, n2) * modPowPublic(u, e, n2)) % n2;
      return { j, m: hexInt(m), u: hexInt(u), e: hexInt(e), z: hexInt(z), t: hexInt(t), tValue: t };
    });
    const fiatShamir = challengeSteps(128, 'tallymesh/validity-proof/v1', context, n, c, lc.allowed.length, ...lc.allowed, ...branches.map((b) => b.tValue));
    const sum = entry.proof.challenges.reduce((acc, e) => acc + e, 0n) % (1n << 128n);
    check(hexInt(sum) === fiatShamir.value && verifyValidity(ctx.publicKey, c, lc.allowed, entry.proof, context), `the proof of ${lc.contestId}`);
    return { contestId: lc.contestId, context: toHex(context), ciphertext: hexInt(c), branches: branches.map(({ tValue: _t, ...b }) => b), fiatShamir, challengeSum: hexInt(sum) };
  });

  // e. The precincts.
  const tallyHashes = new Map<string, string>();
  const precinctViews = precincts.map((p) => {
    const ballotsName = recordFile.ballots(p.id);
    const raw = file(ballotsName);
    const items = decodeFramed(raw, p.id);
    const frames: { offset: number; prefix: string; length: number }[] = [];
    for (let off = 0, i = 0; i < items.length; off += 4 + items[i]!.length, i++) frames.push({ offset: off, prefix: toHex(raw.subarray(off, off + 4)), length: items[i]!.length });
    const ballots = items.map((b) => Ballot.decode(b));
    const hashes = items.map((b) => contentHash('ballot', b));
    const leaves = hashes.map(leafHash);
    const tree = merkleNodes(leaves);
    const tallyName = recordFile.tally(p);
    const tallyBytes = file(tallyName);
    const tally = PrecinctTally.decode(tallyBytes);
    check(equalBytes(tree.root, tally.ballotsRoot) && equalBytes(tree.root, merkleRoot(hashes)), `the Merkle root of ${p.id}`);
    const words = Array.from({ length: layout.wordCount }, (_, w) => {
      const factors = ballots.flatMap((b, k) => layout.contests.flatMap((lc, i) => (lc.word === w ? [{ position: k + 1, contestId: lc.contestId, c: b.contests[i]!.ciphertext }] : [])));
      const prod = product(factors.map((f) => f.c), n2);
      check(prod === scopeWords(tally.groups)[w], `word ${w} of ${p.id}`);
      return { word: w, factors: factors.map(({ c, ...f }) => ({ ...f, ciphertext: hexInt(c) })), product: hexInt(prod) };
    });
    const hash = contentHash('precinct-tally', tallyBytes);
    tallyHashes.set(p.id, toHex(hash));
    return {
      precinctId: p.id,
      ballotsFile: { file: rel(ballotsName), length: raw.length, frames },
      ballots: ballots.map((b, k) => ({ position: k + 1, ballotId: b.ballotId, hash: toHex(hashes[k]!), leaf: toHex(leaves[k]!) })),
      merkle: { nodes: tree.nodes, root: toHex(tree.root) },
      words,
      tally: {
        file: rel(tallyName),
        length: tallyBytes.length,
        ballotCount: tally.ballotCount,
        ballotsRoot: toHex(tally.ballotsRoot),
        logHead: toHex(tally.logHead),
        signature: signatureSteps('precinct-tally', tallyBytes, key(p.id)),
        contentHash: toHex(hash),
      },
    };
  });

  // f. County, state, national, children before parents.
  const aggregatesInOrder = (['county', 'state', 'national'] as const).flatMap((level) => roster.filter((e) => e.role === level));
  const wordsOf = new Map<string, bigint[]>(record.precinctTallies.map((t) => [t.precinctId, scopeWords(t.groups)]));
  const countOf = new Map<string, number>(record.precinctTallies.map((t) => [t.precinctId, t.ballotCount]));
  const aggregateViews = aggregatesInOrder.map((node) => {
    const name = recordFile.tally(node);
    const bytes = file(name);
    const tally = AggregateTally.decode(bytes);
    const children = ctx.index.childrenOf(node.id);
    tally.children.forEach((ref, i) => check(ref.id === children[i]!.id && toHex(ref.tallyHash) === tallyHashes.get(ref.id), `${node.id}'s child ${ref.id}`));
    // Above the scope node no tally carries the scope's group: its words list is empty.
    const words = scopeWords(tally.groups).map((wordValue, w) => {
      const factors = children.map((c) => ({ id: c.id, word: wordsOf.get(c.id)![w]! }));
      check(product(factors.map((f) => f.word), n2) === wordValue, `word ${w} of ${node.id}`);
      return { word: w, factors: factors.map((f) => ({ id: f.id, word: hexInt(f.word) })), product: hexInt(wordValue) };
    });
    const parts = children.map((c) => ({ id: c.id, ballotCount: countOf.get(c.id)! }));
    const sum = parts.reduce((acc, p) => acc + p.ballotCount, 0);
    check(sum === tally.ballotCount, `the ballot count of ${node.id}`);
    const hash = contentHash('aggregate-tally', bytes);
    tallyHashes.set(node.id, toHex(hash));
    wordsOf.set(node.id, scopeWords(tally.groups));
    countOf.set(node.id, tally.ballotCount);
    return {
      nodeId: node.id,
      level: tally.level,
      file: rel(name),
      length: bytes.length,
      children: tally.children.map((c) => ({ id: c.id, tallyHash: toHex(c.tallyHash) })),
      words,
      ballotCount: { parts, sum },
      signature: signatureSteps('aggregate-tally', bytes, key(node.id)),
      contentHash: toHex(hash),
    };
  });
  const nationalId = ctx.index.national.id;
  const nationalHash = fromHex(tallyHashes.get(nationalId)!);
  const scopeHash = fromHex(tallyHashes.get(scopeId)!);
  const completedWords = wordsOf.get(scopeId)!;

  // g. The partial decryptions.
  const params = ctx.threshold;
  const delta = factorial(params.trustees);
  const partialHashes = new Map<string, PartialDecryption>();
  const partialViews = ctx.index.trustees.map((t) => {
    const name = recordFile.partial(t.id);
    const bytes = file(name);
    const p = PartialDecryption.decode(bytes);
    const vk = params.verificationKeys[p.trusteeIndex - 1]!;
    partialHashes.set(toHex(contentHash('partial-decryption', bytes)), p);
    check(p.groups.length === 1 && p.groups[0]!.scopeId === scopeId && toHex(p.groups[0]!.tallyHash) === toHex(scopeHash), `${t.id}'s group`);
    check(p.batches.length === 1 && ctx.scopes.batches[0]!.batchId === p.batches[0]!.batchId, `${t.id}'s batch`);
    const batchId = p.batches[0]!.batchId;
    const shares = p.groups[0]!.shares.map((s, w) => {
      check(s.ciphertext === completedWords[w], `${t.id}'s word ${w}`);
      return { word: w, c: hexInt(s.ciphertext), value: hexInt(s.value) };
    });
    // The batch: context, weights, combined ciphertext and partial, then the one proof.
    const context = hashParts('tallymesh/partial-decryption-context/v2', ctx.hash, nationalHash, batchId, scopeId, scopeHash);
    const pairs = p.groups[0]!.shares;
    const seed = hashParts('tallymesh/partial-batch-seed/v1', context, n, p.trusteeIndex, vk, pairs.length, ...pairs.flatMap((s) => [s.ciphertext, s.value]));
    const weights = pairs.map((_, j) => hashToInt(128, 'tallymesh/partial-batch-weight/v1', seed, j));
    let C = 1n;
    let Ci = 1n;
    pairs.forEach((s, j) => {
      C = (C * modPowPublic(s.ciphertext, weights[j]!, n2)) % n2;
      Ci = (Ci * modPowPublic(s.value, weights[j]!, n2)) % n2;
    });
    const proofContext = hashParts('tallymesh/partial-batch-proof/v1', context, seed);
    const { challenge: e, response: z } = p.batches[0]!;
    const a = (modPowPublic(modPowPublic(C, 4n, n2), z, n2) * modInverse(modPowPublic((Ci * Ci) % n2, e, n2), n2)) % n2;
    const b = (modPowPublic(params.v, z, n2) * modInverse(modPowPublic(vk, e, n2), n2)) % n2;
    const fiatShamir = challengeSteps(128, 'tallymesh/partial-decryption/v1', proofContext, n, C, p.trusteeIndex, params.v, vk, Ci, a, b);
    check(fiatShamir.value === hexInt(e) && verifyBatch(params, p.trusteeIndex, pairs, { challenge: e, response: z }, context), `the proof of ${t.id}`);
    const batch = {
      batchId,
      context: toHex(context),
      seed: toHex(seed),
      weights: weights.map((r) => hexInt(r)),
      C: hexInt(C),
      Ci: hexInt(Ci),
      proofContext: toHex(proofContext),
      challenge: hexInt(e),
      response: hexInt(z),
      a: hexInt(a),
      b: hexInt(b),
      fiatShamir,
    };
    return { trusteeId: p.trusteeId, trusteeIndex: p.trusteeIndex, file: rel(name), tallyHash: toHex(p.tallyHash), scopeId, scopeTallyHash: toHex(scopeHash), shares, batch, signature: signatureSteps('partial-decryption', bytes, key(t.id)), contentHash: toHex(contentHash('partial-decryption', bytes)) };
  });

  // h. The result.
  const resultBytes = file(recordFile.result);
  const result = Result.decode(resultBytes);
  const used = result.partials.map((hash) => {
    const p = partialHashes.get(toHex(hash))!;
    return { trusteeIndex: p.trusteeIndex, trusteeId: p.trusteeId, partialHash: toHex(hash), partial: p };
  });
  const S = used.map((u) => u.trusteeIndex);
  check(S.every((i, k) => k === 0 || i > S[k - 1]!), 'the order of the result\'s partials');
  const lambdas = S.map((i) => ({ trusteeIndex: i, lambda: lagrangeCoefficient(S, i, delta) }));
  const fourDeltaSquared = 4n * delta * delta;
  const inverse = modInverse(fourDeltaSquared, n);
  const scoped = result.scopes[0]!;
  check(result.scopes.length === 1 && scoped.scopeId === scopeId && toHex(scoped.tallyHash) === toHex(scopeHash), 'the result\'s scope');
  const resultWords = completedWords.map((c, w) => {
    let combined = 1n;
    used.forEach((u, k) => {
      const ci2 = (u.partial.groups[0]!.shares[w]!.value ** 2n) % n2;
      const lambda = lambdas[k]!.lambda;
      const power = modPowPublic(ci2, lambda < 0n ? -lambda : lambda, n2);
      combined = (combined * (lambda < 0n ? modInverse(power, n2) : power)) % n2;
    });
    const L = (combined - 1n) / n;
    const plaintext = mod(L * inverse, n);
    const product = combineVerifiedPartials(params, c, used.map((u) => shareAsPartial(u.trusteeIndex, u.partial.groups[0]!.shares[w]!))).plaintext;
    check(combined % n === 1n && plaintext === scoped.words[w] && plaintext === product, `result word ${w}`);
    return { word: w, combined: hexInt(combined), L: hexInt(L), plaintext: hexInt(plaintext) };
  });
  const mask = (1n << BigInt(layout.slotBits)) - 1n;
  const counts = layout.contests.map((lc, i) => ({
    contestId: lc.contestId,
    options: manifest.contests[i]!.options.map((option, o) => {
      const slot = lc.firstSlot + o;
      const count = Number((scoped.words[lc.word]! >> BigInt(layout.slotBits * slot)) & mask);
      check(count === scoped.contests[i]!.counts[o], `the count of ${option}`);
      return { option, slot, count };
    }),
  }));
  check(toHex(result.tallyHash) === toHex(nationalHash) && result.ballotCount === countOf.get(nationalId), 'the result\'s national tally');

  // i. The receipt.
  const receiptFile = JSON.parse(readFileSync(join(dir, 'receipt.json'), 'utf8')) as { receipt: unknown; precinct: string };
  const proofFile = JSON.parse(readFileSync(join(dir, 'proof.json'), 'utf8')) as ProofFile;
  const receipt = Receipt.fromJSON(receiptFile.receipt);
  const receiptBytes = Receipt.encode(receipt);
  const inclusion = proofFile.receipt.body.inclusion!;
  const receiptTally = record.precinctTallies.find((t) => t.precinctId === receipt.precinctId)!;
  const index = receipt.logPosition - 1;
  const path = inclusion.path.map((s) => fromHex(s));
  // RFC 9162 §2.1.3.2, step by step.
  let fn = index;
  let sn = receiptTally.ballotCount - 1;
  let r = leafHash(receipt.ballotHash);
  const steps: WorkedExample['receipt']['R2']['steps'] = [];
  for (const sibling of path) {
    let side: 'left' | 'right';
    if ((fn & 1) === 1 || fn === sn) {
      r = nodeHash(sibling, r);
      side = 'left';
      if ((fn & 1) === 0) while ((fn & 1) === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else {
      r = nodeHash(r, sibling);
      side = 'right';
    }
    [fn, sn] = [fn >> 1, sn >> 1];
    steps.push({ sibling: toHex(sibling), side, hash: toHex(r) });
  }
  check(sn === 0 && equalBytes(r, receiptTally.ballotsRoot) && verifyInclusion(receipt.ballotHash, index, receiptTally.ballotCount, path, receiptTally.ballotsRoot), 'the audit path');
  const served = proofFile.proof.body;
  const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
  check(equalBytes(b64(served.precinctTally), file(recordFile.tally(ctx.index.node(receipt.precinctId)))), 'the served precinct tally');
  const chain: WorkedExample['receipt']['R3']['chain'] = [{ nodeId: receipt.precinctId, tallyHash: tallyHashes.get(receipt.precinctId)! }];
  for (const t of served.path.map((s) => AggregateTally.decode(b64(s)))) {
    const below = chain[chain.length - 1]!;
    const i = t.children.findIndex((c) => c.id === below.nodeId);
    check(i >= 0 && toHex(t.children[i]!.tallyHash) === below.tallyHash && toHex(AggregateTally.hash(t)) === tallyHashes.get(t.nodeId), `the served tally of ${t.nodeId}`);
    chain.push({ nodeId: t.nodeId, tallyHash: toHex(AggregateTally.hash(t)), lists: { index: i, id: below.nodeId, tallyHash: below.tallyHash } });
  }
  check(chain[chain.length - 1]!.nodeId === nationalId && served.result !== undefined && equalBytes(b64(served.result), resultBytes), 'the served chain and result');

  return {
    scopeId,
    election: {
      electionId: manifest.electionId,
      title: manifest.title,
      keyBits: manifest.keyBits,
      slotBits: manifest.slotBits,
      combinerId: manifest.combinerId,
      roster: roster.map((e) => ({ id: e.id, role: e.role, parent: e.parent, trusteeIndex: e.trusteeIndex, publicKey: toHex(e.publicKey) })),
    },
    electionHash: { domain, file: rel(recordFile.manifest), manifestLength: manifestBytes.length, preimageLength: preimage.length, preimageStart, hash: toHex(ctx.hash) },
    paillier: { n: hexInt(n), nBits: bits, seedPreimage: toHex(framed('tallymesh/paillier/h', n)), hashToInt: h2i, x: hexInt(x), h: hexInt(h), hs: hexInt(hs) },
    layout: { slotBits: layout.slotBits, slotsPerWord: layout.slotsPerWord, wordCount: layout.wordCount, contests: layoutView },
    ballot: {
      precinctId: first.id,
      file: rel(recordFile.ballots(first.id)),
      fileOffset: 4,
      length: ballotBytes.length,
      fields: annotateBallot(ballot),
      contentHash: toHex(ballotHash),
      contests: ballotContests,
    },
    precincts: precinctViews,
    aggregates: aggregateViews,
    threshold: {
      threshold: params.threshold,
      trustees: params.trustees,
      delta: delta.toString(),
      v: hexInt(params.v),
      verificationKeys: params.verificationKeys.map((k, i) => ({ trusteeIndex: i + 1, key: hexInt(k) })),
    },
    partials: partialViews,
    result: {
      file: rel(recordFile.result),
      tallyHash: toHex(result.tallyHash),
      ballotCount: result.ballotCount,
      delta: delta.toString(),
      used: used.map(({ partial: _p, ...u }) => u),
      lambdas: lambdas.map((l) => ({ trusteeIndex: l.trusteeIndex, lambda: l.lambda.toString() })),
      fourDeltaSquared: hexInt(fourDeltaSquared),
      fourDeltaSquaredInverse: hexInt(inverse),
      words: resultWords,
      counts,
      signature: signatureSteps('result', resultBytes, key(result.combinerId)),
      contentHash: toHex(contentHash('result', resultBytes)),
    },
    receipt: {
      file: 'receipt.json',
      precinct: receiptFile.precinct,
      fields: annotateReceipt(receipt),
      R1: signatureSteps('receipt', receiptBytes, key(receipt.precinctId)),
      R2: { ballotHash: toHex(receipt.ballotHash), index, size: receiptTally.ballotCount, leaf: toHex(leafHash(receipt.ballotHash)), steps, root: toHex(receiptTally.ballotsRoot) },
      R3: { chain, resultTallyHash: toHex(result.tallyHash), resultPartials: result.partials.map(toHex) },
    },
  };
}

// ---- the README ----------------------------------------------------------------------------------

const fence = (lines: string[]): string => ['```', ...lines, '```'].join('\n');

/** `name = value` lines, names aligned. */
function values(pairs: [string, string | number][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return fence(pairs.map(([k, v]) => `${k.padEnd(width)} = ${v}`));
}

/** Canonical bytes as offset, length, field, hex (and the value where it reads as text or a number). */
function fieldTable(fields: Field[]): string {
  const width = Math.max(5, ...fields.map((f) => f.field.length));
  const head = `${'offset'.padStart(6)} ${'length'.padStart(6)}  ${'field'.padEnd(width)}  hex`;
  const shown = (f: Field): string => (f.value === undefined ? '' : /:(len|count)$/.test(f.field) || /^\d+$/.test(f.value) ? `  (${f.value})` : `  ("${f.value}")`);
  return fence([head, ...fields.map((f) => `${String(f.offset).padStart(6)} ${String(f.length).padStart(6)}  ${f.field.padEnd(width)}  ${f.hex}${shown(f)}`)]);
}

function hashToIntLines(steps: HashToIntSteps, name: string): [string, string | number][] {
  return [
    ['seed', steps.seed],
    ...steps.blocks.flatMap((b): [string, string][] => [
      [`block ${b.i} preimage`, b.preimage],
      [`block ${b.i}`, b.hash],
    ]),
    [name, steps.value],
  ];
}

function signatureLines(s: SignatureSteps): [string, string | number][] {
  return [
    ['signer', s.signer],
    ['signer public key', s.publicKey],
    ['prefix', `"${s.prefix}"`],
    ['prefix (hex)', s.prefixHex],
    ['body length', `${s.bodyLength} bytes (the file less its last 64 bytes)`],
    ['message length', `${s.messageLength} bytes (prefix and body)`],
    ['signature', s.signature],
  ];
}

const octal = (hex: string): string => (hex.match(/../g) ?? []).map((b) => '\\' + parseInt(b, 16).toString(8).padStart(3, '0')).join('');

/** The README: a walk through the example in the order a verifier checks it, every value from `x`. */
export function renderReadme(x: WorkedExample): string {
  const out: string[] = [];
  const say = (...paragraphs: string[]): void => void out.push(...paragraphs);
  const e = x.election;
  const trustees = e.roster.filter((r) => r.role === 'trustee');
  const precinctCount = e.roster.filter((r) => r.role === 'precinct').length;
  const ballotCount = x.result.ballotCount;
  const zBits = Math.ceil(x.paillier.nBits / 2) + 128 + 128 + 1;

  say(
    '# Worked example: one small election, every intermediate value',
    '<!-- Generated by scripts/worked-example.ts from intermediate.json. Do not edit: run `node --import tsx scripts/worked-example.ts` (a new election each time). -->',
    `This folder holds a complete election record of a deliberately small election and every intermediate value a verifier computes from it, in the order it computes them, so that someone re-implementing the verifier from [protocol.md](../protocol.md) and [verification.md](../verification.md) can compare their program with this one step by step. Every value below was computed from the files of this folder; \`test/unit/docs/worked-example.test.ts\` recomputes all of them with an implementation of its own (SHA-256, BigInt arithmetic, its own canonical reader and Merkle tree), so the definitions used here are exactly the protocol's.`,
    '## The files',
    [
      '- `record/`: the election record exactly as `tallymesh record` lays it out (`manifest.bin`, `manifest.json`, `ballots/`, `tallies/`, `partials/`, `result.bin`, `result.json`). `tallymesh verify docs/examples/record` passes every check on it.',
      `- \`receipt.json\`: the receipt file \`tallymesh vote --receipt-out\` writes for one voter (the ${ordinal(x.receipt.R2.index + 1)} of ${x.receipt.fields.find((f) => f.field === 'precinctId')!.value}), with the precinct's address.`,
      '- `proof.json`: what that precinct serves for the receipt: the body of `GET /proof/:precinctId` (its tally, the tallies up to the national one, the result and its partials, canonical bytes in base64) and the body of `GET /receipts/:ballotHash` (the receipt and its inclusion proof). `tallymesh receipt check receipt.json --node URL` checks R1–R3 from exactly these bodies.',
      '- `intermediate.json`: the values of this walk-through, machine-readable.',
      '- `README.md`: this file, rendered from `intermediate.json`.',
      '- `definitions/` and `cvrs/` (not part of this walk-through): sample election definitions, native and VxSuite, and sample cast vote records; each folder has its own README.',
    ].join('\n'),
    'To make a new example: `node --import tsx scripts/worked-example.ts [OUT_DIR]` (default `docs/examples`). Each run is a new election, with new keys and new randomness, so every value changes; the test checks whatever the folder holds.',
    '## Conventions',
    [
      '- Byte strings are lowercase hex, two digits a byte. Big integers are lowercase hex without leading zeros (`0` for zero), as the JSON views write them; λ and Δ are decimal.',
      '- `H(domain; p1, …, pk)` is SHA-256 of `u32(len(domain)) ‖ domain ‖ u32(len(p1)) ‖ p1 ‖ … ‖ u32(len(pk)) ‖ pk`, every length a 4-byte big-endian count of bytes. A string part is its UTF-8 bytes; an integer part its minimal big-endian bytes, so **0 is the empty byte string** (its frame is `00000000` and nothing after it) and 1 is `01`.',
      '- `hashToInt(bits; domain; parts)`: seed = `H(domain; parts)`; block_i = `H("tallymesh/expand"; seed, i)` for i = 0 … ⌈bits/256⌉ − 1 (i framed as an integer); the blocks concatenated, read as a big-endian integer, shifted right to keep its top `bits` bits.',
      '- Content hash of an artifact: `H("tallymesh/artifact/v1"; type, canonical bytes)`, the signature included. A tally\'s "tally hash" is its content hash.',
      '- Signatures: Ed25519 over `"tallymesh/sig/v1/<type>\\0" ‖ body`, the body being the canonical bytes of every field but the signature. The signature is the last field of every signed artifact, so the body is the canonical bytes less their last 64 bytes.',
      '- In field tables, `x:len` is the u16 length before a string or big integer `x`, and `x:count` the u32 item count before a list `x`.',
    ].join('\n'),
    '## The election',
    `Election \`${e.electionId}\` ("${e.title}"): a ${e.keyBits}-bit Paillier key (the size for tests; real elections use 2048 or 3072), ${e.slotBits}-bit slots, one state, one county, ${precinctCount} precincts with ${ballotCount / precinctCount} ballots each, ${trustees.length} trustees of whom any ${x.threshold.threshold} can decrypt (all ${trustees.length} published partial decryptions; the result combines ${x.result.used.length}). The combiner, the node allowed to sign the result, is \`${e.combinerId}\`. The roster, in manifest order:`,
    [
      '| id | role | parent | trustee index | Ed25519 public key |',
      '|---|---|---|---|---|',
      ...e.roster.map((r) => `| \`${r.id}\` | ${r.role} | ${r.parent ? `\`${r.parent}\`` : ''} | ${r.trusteeIndex || ''} | \`${r.publicKey}\` |`),
    ].join('\n'),
    'Two contests:',
    x.layout.contests.map((c) => `- \`${c.contestId}\`: ${c.kind}, options ${c.options.map((o) => `\`${o}\``).join(', ')}, selection limit ${c.selectionLimit}, abstention ${c.allowAbstain ? 'allowed' : 'not allowed'}.`).join('\n'),
  );

  // a.
  const eh = x.electionHash;
  const [lenDomain, , lenManifest] = eh.preimageStart;
  say(
    '## 1. The election hash',
    `The election hash is \`H("${eh.domain}"; manifest.bin)\` over the canonical manifest bytes \`${eh.file}\` (${eh.manifestLength} bytes). Its preimage is ${eh.preimageLength} bytes; the first ones:`,
    fieldTable(eh.preimageStart),
    values([['election hash', eh.hash]]),
    `Every artifact carries this hash; the verifier prints it so that it can be compared with the one the officials published. With a shell: \`( printf '${octal(lenDomain!.hex)}${eh.domain}${octal(lenManifest!.hex)}'; cat ${eh.file} ) | sha256sum\`.`,
  );

  // b.
  const pa = x.paillier;
  const h2i = pa.hashToInt;
  say(
    '## 2. Paillier: the derived constants h and hs',
    `The public key is n alone (${pa.nBits} bits). Everyone derives \`x = hashToInt(${h2i.bits}; "${h2i.domain}"; n) mod n\` (bits(n) + 128 bits, so that x mod n is close to uniform), \`h = x² mod n\` and \`hs = h^n mod n²\`. The seed is \`H("${h2i.domain}"; n)\`, over this preimage (domain length, domain, length of n, n):`,
    values([['n', pa.n], ['seed preimage', pa.seedPreimage]]),
    `Then ${h2i.blocks.length} expansion blocks \`H("tallymesh/expand"; seed, i)\`. Look at the end of each block's preimage: the counter i is an integer part, framed as its minimal bytes, so block 0 ends in \`00000000\` with no byte after it, block 1 in \`0000000101\`.`,
    values(hashToIntLines(h2i, `top ${h2i.bits} bits`).slice(0, -1)),
    `The ${h2i.blocks.length * 256} bits of the concatenated blocks are shifted right by ${h2i.dropBits}:`,
    values([
      ['concatenated', h2i.concatenated],
      [`hashToInt (top ${h2i.bits} bits)`, h2i.value],
      ['x = hashToInt mod n', pa.x],
      ['h = x² mod n', pa.h],
      ['hs = h^n mod n²', pa.hs],
    ]),
  );

  // c.
  const lay = x.layout;
  say(
    '## 3. The ballot layout',
    `Slots are w = ${lay.slotBits} bits, M = 2^${lay.slotBits}; a tally word holds ⌊(bits(n) − 1)/w⌋ = ⌊${pa.nBits - 1}/${lay.slotBits}⌋ = ${lay.slotsPerWord} slots; the contests of one scope, in manifest order, take consecutive slots of that scope's words, a contest never straddling two words. Both contests here are in district \`all\` (every precinct's one ballot style, \`bs-1\`), so both are counted at the one county \`${x.scopeId}\`: ${lay.wordCount} word${lay.wordCount === 1 ? '' : 's'} in that scope. Option o of a contest whose first slot is s is worth M^(s+o).`,
    [
      '| contest | word | first slot | allowed values |',
      '|---|---|---|---|',
      ...lay.contests.map((c) => `| \`${c.contestId}\` | ${c.word} | ${c.firstSlot} | ${c.allowed.length} |`),
    ].join('\n'),
    'A contest\'s allowed plaintexts, in proof-branch order: 0 if abstention is allowed, then every set of 1 … k options (k = 1 for plurality, else the selection limit), smaller sets first, sets of one size in lexicographic order. The last column is the value as a hash part (minimal big-endian bytes; 0 is empty):',
    ...lay.contests.map((c) =>
      [
        `\`${c.contestId}\`:`,
        '',
        '| j | selection | m_j (hex) | framed bytes |',
        '|---|---|---|---|',
        ...c.allowed.map((a, j) => `| ${j} | ${a.selection.length ? a.selection.join(' + ') : '(abstain)'} | \`${a.value}\` | ${a.bytes ? `\`${a.bytes}\`` : '(empty)'} |`),
      ].join('\n'),
    ),
  );

  // d.
  const b = x.ballot;
  say(
    '## 4. One ballot, field by field',
    `The first ballot of \`${b.file}\` starts at byte ${b.fileOffset} of the file (after its 4-byte length) and is ${b.length} bytes long. Its canonical bytes (offsets from the start of the ballot):`,
    fieldTable(b.fields),
    `Its content hash, the "ballot hash" that receipts and the precinct's Merkle tree use, is \`H("tallymesh/artifact/v1"; "ballot", bytes)\`:`,
    values([['ballot hash', b.contentHash]]),
    `Each contest's proof is checked against its own context, \`H("tallymesh/ballot-proof-context/v1"; electionHash, precinctId, ballotId, contestId)\`. For each branch j the verifier checks 0 ≤ e_j < 2^128 and 0 ≤ z_j < 2^${zBits} (Z = ⌈bits(n)/2⌉ + 128 + 128 + 1), computes \`u_j = c · (1 − m_j·n) mod n²\` (that is c·(1+n)^(−m_j)) and the commitment \`t_j = hs^(z_j) · u_j^(e_j) mod n²\`, then \`E = hashToInt(128; "tallymesh/validity-proof/v1"; context, n, c, K, m_0, …, m_(K−1), t_0, …, t_(K−1))\` with K the number of allowed values (an integer part), and accepts when the challenges add up to E mod 2^128. With 128 bits, E is the top half of block 0.`,
  );
  for (const c of b.contests) {
    say(
      `### Contest \`${c.contestId}\``,
      values([
        ['context', c.context],
        ['c', c.ciphertext],
      ]),
      ...c.branches.map((br) =>
        values([
          [`m_${br.j}`, br.m],
          [`u_${br.j}`, br.u],
          [`e_${br.j}`, br.e],
          [`z_${br.j}`, br.z],
          [`t_${br.j}`, br.t],
        ]),
      ),
      values([...hashToIntLines(c.fiatShamir, 'E'), ['Σ e_j mod 2^128', `${c.challengeSum}${c.challengeSum === c.fiatShamir.value ? ' (= E)' : ''}`]]),
    );
  }

  // e.
  say(
    '## 5. The precincts',
    'For each precinct: its ballots file, the ballots\' hashes and the RFC 9162 Merkle tree over them (leaf = SHA-256(0x00 ‖ ballot hash), node = SHA-256(0x01 ‖ left ‖ right), a tree of k > 1 leaves split after the largest power of two below k), whose root must be the tally\'s `ballotsRoot`; each tally word as the product mod n² of the ballots\' ciphertexts of the contests in that word; and the signed tally.',
  );
  for (const p of x.precincts) {
    say(
      `### \`${p.precinctId}\``,
      `\`${p.ballotsFile.file}\` is ${p.ballotsFile.length} bytes: each ballot's canonical bytes after their length as a u32 big-endian, in log order, nothing else.`,
      fence(p.ballotsFile.frames.map((f, i) => `offset ${String(f.offset).padStart(5)}: ${f.prefix} -> ballot ${i + 1}, ${f.length} bytes`)),
      values(p.ballots.flatMap((bl): [string, string][] => [[`ballot ${bl.position} hash (id ${bl.ballotId})`, bl.hash], [`leaf ${bl.position - 1} = SHA-256(00 ‖ hash)`, bl.leaf]])),
      values([
        ...p.merkle.nodes.map((nd): [string, string] => [`node over leaves ${nd.leaves[0]}-${nd.leaves[1]}`, `SHA-256(01 ‖ ${nd.left} ‖ ${nd.right}) = ${nd.hash}`]),
        ['Merkle root', p.merkle.root],
      ]),
      ...p.words.map((w) =>
        values([
          ...w.factors.map((f): [string, string] => [`ballot ${f.position}, ${f.contestId}`, f.ciphertext]),
          [`word ${w.word} = product mod n²`, w.product],
        ]),
      ),
      `\`${p.tally.file}\` (${p.tally.length} bytes) holds those words, ballotCount ${p.tally.ballotCount}, ballotsRoot (= the Merkle root above) and the log's chain head:`,
      values([
        ['ballotCount', p.tally.ballotCount],
        ['ballotsRoot', p.tally.ballotsRoot],
        ['logHead', p.tally.logHead],
        ...signatureLines(p.tally.signature),
        ['content hash', `${p.tally.contentHash} (H("tallymesh/artifact/v1"; "precinct-tally", file))`],
      ]),
    );
  }

  // f.
  say(
    '## 6. County, state and national tallies',
    `Each aggregate lists exactly its roster children in roster order, each with the content hash of the child's tally file; the words of each of its groups are the products mod n² of the children's words in the group of the same scope, its ballot count their sum. Both contests are on every ballot of the one county, so their scope is the county \`${x.scopeId}\` (docs/protocol.md section 5): the precinct and county tallies carry that one group, and the state and national tallies carry none (their \`groups\` are empty).`,
  );
  for (const a of x.aggregates) {
    say(
      `### \`${a.nodeId}\` (${a.level})`,
      `\`${a.file}\`, ${a.length} bytes.`,
      values(a.children.map((c, i): [string, string] => [`children[${i}] ${c.id}`, c.tallyHash])),
      ...a.words.map((w) =>
        values([
          ...w.factors.map((f): [string, string] => [`${f.id} word ${w.word}`, f.word]),
          [`word ${w.word} = product mod n²`, w.product],
        ]),
      ),
      values([
        ['ballotCount', a.ballotCount.parts.length === 1 ? `${a.ballotCount.sum} (its one child's)` : `${a.ballotCount.parts.map((p) => p.ballotCount).join(' + ')} = ${a.ballotCount.sum}`],
        ...signatureLines(a.signature),
        ['content hash', `${a.contentHash} (H("tallymesh/artifact/v1"; "aggregate-tally", file))`],
      ]),
    );
  }

  // g.
  const th = x.threshold;
  const national = x.aggregates[x.aggregates.length - 1]!;
  say(
    '## 7. The partial decryptions',
    `The manifest's threshold parameters: t = ${th.threshold} of l = ${th.trustees} trustees, Δ = l! = ${th.delta}, the base v and trustee i's verification key v_i = v^(Δ·s_i).`,
    values([['v', th.v], ...th.verificationKeys.map((k): [string, string] => [`v_${k.trusteeIndex}`, k.key])]),
    `Each trustee's file names the national tally whose hierarchy it checked (its \`tallyHash\` must be ${national.contentHash}) and decrypts the completed group of each scope: here one, the county's (\`groups[0].scopeId\` ${x.scopeId}, \`groups[0].tallyHash\` the county tally's content hash), one share per word: the word c of the county tally's group and c_i = c^(2Δ·s_i). One proof (e, z) in \`batches[0]\` covers every word of the batch \`${x.partials[0]!.batch.batchId}\` (the county's state: docs/protocol.md section 5): with context = \`H("tallymesh/partial-decryption-context/v2"; electionHash, nationalTallyHash, batchId, scopeId, scopeTallyHash)\`, seed = \`H("tallymesh/partial-batch-seed/v1"; context, n, i, v_i, m, c_0, c_i,0, …)\` over the batch's m words, weights ρ_j = \`hashToInt(128; "tallymesh/partial-batch-weight/v1"; seed, j)\`, C = Π c_j^ρ_j and C_i = Π c_i,j^ρ_j mod n², the verifier recomputes \`a = C^(4z) · C_i^(−2e) mod n²\` and \`b = v^z · v_i^(−e) mod n²\` and accepts when \`e = hashToInt(128; "tallymesh/partial-decryption/v1"; proofContext, n, C, i, v, v_i, C_i, a, b)\` with proofContext = \`H("tallymesh/partial-batch-proof/v1"; context, seed)\`.`,
  );
  for (const p of x.partials) {
    const b = p.batch;
    say(
      `### \`${p.trusteeId}\` (i = ${p.trusteeIndex})`,
      `\`${p.file}\`; tallyHash ${p.tallyHash}; groups[0]: scopeId ${p.scopeId}, tallyHash ${p.scopeTallyHash}.`,
      ...p.shares.map((s) =>
        values([
          [`word ${s.word}: c`, s.c],
          ['c_i', s.value],
        ]),
      ),
      values([
        [`batch ${b.batchId}: context`, b.context],
        ['seed', b.seed],
        ...b.weights.map((w, j): [string, string] => [`ρ_${j}`, w]),
        ['C = Π c_j^ρ_j', b.C],
        ['C_i = Π c_i,j^ρ_j', b.Ci],
        ['proofContext', b.proofContext],
        ['e (challenge)', b.challenge],
        ['z (response)', b.response],
        ['a = C^(4z) C_i^(-2e)', b.a],
        ['b = v^z v_i^(-e)', b.b],
        ...hashToIntLines(b.fiatShamir, 'recomputed e'),
      ]),
      values([...signatureLines(p.signature), ['content hash', `${p.contentHash} (H("tallymesh/artifact/v1"; "partial-decryption", file))`]]),
    );
  }

  // h.
  const r = x.result;
  const S = r.used.map((u) => u.trusteeIndex);
  const lambdaFormula = (i: number): string => [r.delta, ...S.filter((j) => j !== i).map((j) => `${j}/(${j} − ${i})`)].join(' · ');
  say(
    '## 8. The result',
    `\`${r.file}\` names the national tally (${r.tallyHash}), its ballot count ${r.ballotCount}, and the content hashes of the ${S.length} partials it combines, by trustee index; its one \`scopes\` entry names the county \`${x.scopeId}\`, the county tally's content hash and ballot count, and holds the words and counts below:`,
    values(r.used.map((u): [string, string] => [`${u.trusteeId} (i = ${u.trusteeIndex})`, u.partialHash])),
    `With S = {${S.join(', ')}} and Δ = ${r.delta}, the integer Lagrange coefficients at 0 are λ_i = Δ · Π_(j∈S, j≠i) j/(j − i):`,
    values(r.lambdas.map((l): [string, string] => [`λ_${l.trusteeIndex}`, `${lambdaFormula(l.trusteeIndex)} = ${l.lambda}`])),
    `Per word: c′ = Π c_i^(2λ_i) mod n² (a negative λ_i means the inverse mod n² of c_i^(2|λ_i|)); c′ ≡ 1 (mod n); L(c′) = (c′ − 1)/n; the plaintext is L(c′) · (4Δ²)^(−1) mod n.`,
    values([['4Δ²', `${r.fourDeltaSquared} (decimal ${BigInt('0x' + r.fourDeltaSquared)})`], ['(4Δ²)^(-1) mod n', r.fourDeltaSquaredInverse]]),
    ...r.words.map((w) =>
      values([
        [`word ${w.word} c′`, w.combined],
        ['L(c′)', w.L],
        ['plaintext', w.plaintext],
      ]),
    ),
    `Unpacked: the count in slot s of word w is (word >> ${x.layout.slotBits}·s) mod 2^${x.layout.slotBits}.`,
    [
      '| contest | option | slot | count |',
      '|---|---|---|---|',
      ...r.counts.flatMap((c) => c.options.map((o) => `| \`${c.contestId}\` | ${o.option} | ${o.slot} | ${o.count} |`)),
    ].join('\n'),
    values([...signatureLines(r.signature), ['content hash', `${r.contentHash} (H("tallymesh/artifact/v1"; "result", file))`]]),
  );

  // i.
  const rc = x.receipt;
  say(
    '## 9. The receipt',
    `\`${rc.file}\` holds the receipt's JSON view and the precinct's address (${rc.precinct}). Its canonical bytes, which the signature covers, encoded from the JSON view:`,
    fieldTable(rc.fields),
    '**R1**: the receipt is for this election (its electionHash is the one of section 1) and signed by its precinct\'s roster key:',
    values(signatureLines(rc.R1).map(([k, v]): [string, string | number] => [k, k === 'body length' ? `${rc.R1.bodyLength} bytes (the canonical bytes less the signature)` : v])),
    `**R2**: the ballot hash is leaf ${rc.R2.index} (logPosition − 1) of the precinct tally's tree of ${rc.R2.size} leaves. The audit path is \`proof.json\`'s \`receipt.body.inclusion.path\`; RFC 9162 §2.1.3.2 folds it from the leaf up (a sibling on the left: SHA-256(01 ‖ sibling ‖ r); on the right: SHA-256(01 ‖ r ‖ sibling)):`,
    values([
      ['leaf = SHA-256(00 ‖ ballot hash)', rc.R2.leaf],
      ...rc.R2.steps.map((s, i): [string, string] => [`step ${i + 1}: sibling on the ${s.side}`, `${s.sibling} -> ${s.hash}`]),
      ['root (= the tally\'s ballotsRoot)', rc.R2.root],
    ]),
    '**R3**: from that precinct tally up, each tally is listed, by its content hash, by the tally of its parent; the last is the national tally, which the result names; the county on the path is the one scope, the result\'s partials are those of section 7, and they combine to its words (section 8):',
    values([
      ...rc.R3.chain.map((c): [string, string] => [c.nodeId, c.lists ? `${c.tallyHash}, lists children[${c.lists.index}] ${c.lists.id} = ${c.lists.tallyHash}` : c.tallyHash]),
      ['result tallyHash', rc.R3.resultTallyHash],
      ...rc.R3.resultPartials.map((h, i): [string, string] => [`result partials[${i}]`, h]),
    ]),
  );
  return out.join('\n\n') + '\n';
}

function ordinal(k: number): string {
  return ['zeroth', 'first', 'second', 'third', 'fourth', 'fifth'][k] ?? `${k}th`;
}

// Run only as a script: importing the module (the test does) generates nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = resolve(process.argv[2] ?? 'docs/examples');
  const start = performance.now();
  const example = generateWorkedExample(out);
  process.stdout.write(`worked example of election ${example.electionHash.hash.slice(0, 16)}… written to ${out} in ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
}

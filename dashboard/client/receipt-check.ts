// "Check my receipt" in the browser: the checks of `tallymesh receipt check`, written anew from
// docs/protocol.md against the Web Crypto API (SHA-256, Ed25519), so that a voter needs nothing
// but a browser. It reads the canonical bytes of the manifest, the receipt's artifacts and the
// result itself, and checks:
//   R1  the manifest's hash is the receipt's election hash, and the receipt carries its
//       precinct's signature;
//   R2  the ballot is the leaf at its log position under the precinct tally's Merkle root, and
//       that tally carries the precinct's signature;
//   R3  each tally from the county up to the national tally carries its node's signature and lists
//       the content hash of the one below; the result carries the combiner's signature and names
//       that national tally.
// It does not re-check the partial decryptions' proofs (big-number work the CLI does: `tallymesh
// receipt check` runs check 9 in full).

export type Status = 'pass' | 'fail' | 'skip';
export interface ReceiptCheck {
  number: 'R1' | 'R2' | 'R3';
  title: string;
  status: Status;
  detail: string;
}

/** The receipt file: { receipt: JSON view, inclusion?: { size, path: hex[] } } or the bare receipt. */
export interface ReceiptFile {
  receipt: { version: number; electionHash: string; precinctId: string; ballotHash: string; logPosition: number; chainHead: string; signature: string };
  inclusion?: { size: number; path: string[] };
}

/** Reads what a node serves (this page asks the node that served it). */
export type Fetch = (path: string) => Promise<unknown | undefined>;

/** A check that does not hold: its message is what the voter reads. */
const bad = (why: string): Error => new Error(why);

const enc = new TextEncoder();
const hex = (b: Uint8Array): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
function fromHex(s: string): Uint8Array {
  if (!/^([0-9a-f]{2})*$/.test(s)) throw bad(`"${s.slice(0, 20)}…" is not hex`);
  return new Uint8Array((s.match(/../g) ?? []).map((x) => parseInt(x, 16)));
}
const fromBase64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const concat = (...parts: Uint8Array[]): Uint8Array<ArrayBuffer> => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const u32 = (n: number): Uint8Array => new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
const same = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));
}

/** The framed hash of docs/protocol.md: SHA-256(u32 len(domain) || domain || u32 len(p) || p ...). */
async function framedHash(domain: string, ...parts: Uint8Array[]): Promise<Uint8Array> {
  const d = enc.encode(domain);
  return sha256(u32(d.length), d, ...parts.flatMap((p) => [u32(p.length), p]));
}

const contentHash = (type: string, bytes: Uint8Array): Promise<Uint8Array> => framedHash('tallymesh/artifact/v1', enc.encode(type), bytes);

/** Ed25519 over "tallymesh/sig/v1/<type>\0" || body, where body = the canonical bytes less the 64-byte signature. */
async function signedBy(type: string, bytes: Uint8Array, publicKey: Uint8Array): Promise<boolean> {
  if (bytes.length < 64) return false;
  const body = bytes.subarray(0, bytes.length - 64);
  const signature = bytes.subarray(bytes.length - 64);
  const key = await crypto.subtle.importKey('raw', new Uint8Array(publicKey), { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, key, new Uint8Array(signature), concat(enc.encode(`tallymesh/sig/v1/${type}\0`), body));
}

/** A strict reader of the canonical encoding (big-endian integers, u16-length text and big integers, u32-length lists). */
class Reader {
  private at = 0;
  constructor(private readonly b: Uint8Array) {}
  take(n: number): Uint8Array {
    if (this.at + n > this.b.length) throw bad('the bytes end early');
    const out = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }
  uint(n: 1 | 2 | 4 | 8): number {
    let v = 0;
    for (const x of this.take(n)) v = v * 256 + x;
    return v;
  }
  text(): string {
    return new TextDecoder('utf-8', { fatal: true }).decode(this.take(this.uint(2)));
  }
  big(): Uint8Array {
    return this.take(this.uint(2));
  }
  list<T>(item: () => T): T[] {
    const n = this.uint(4);
    return Array.from({ length: n }, item);
  }
  end(): void {
    if (this.at !== this.b.length) throw bad('unexpected bytes after the value');
  }
}

const ROLES = ['precinct', 'county', 'state', 'national', 'trustee'];

interface ManifestFacts {
  keys: Map<string, { role: string; publicKey: Uint8Array; parent: string }>;
  combinerId: string;
  nationalId: string;
}

function readManifest(bytes: Uint8Array): ManifestFacts {
  const r = new Reader(bytes);
  r.uint(1);
  r.text();
  r.text();
  r.uint(2);
  r.big();
  r.uint(1);
  // contests: id, title, districtId, partyId, kind, options, selectionLimit, allowAbstain, writeIn
  r.list(() => {
    r.text();
    r.text();
    r.text();
    r.text();
    r.uint(1);
    r.list(() => r.text());
    r.uint(1);
    r.uint(1);
    r.uint(1);
  });
  r.list(() => (r.text(), r.text())); // districts: id, name
  r.list(() => (r.text(), r.text(), r.text())); // parties: id, name, abbrev
  r.list(() => (r.text(), r.list(() => r.text()), r.text())); // ballot styles: id, districtIds, partyId
  const keys = new Map<string, { role: string; publicKey: Uint8Array; parent: string }>();
  r.list(() => {
    const id = r.text();
    const role = ROLES[r.uint(1)] ?? '?';
    const parent = r.text();
    r.text();
    r.text();
    const publicKey = r.take(32);
    r.text();
    r.uint(1);
    r.list(() => r.text()); // a precinct's ballot styles
    // An id twice would make the path ambiguous (the CLI's manifest excerpt refuses it too).
    if (keys.has(id)) throw bad(`the manifest lists "${id}" twice`);
    keys.set(id, { role, publicKey, parent });
  });
  const combinerId = r.text();
  r.uint(1);
  r.uint(1);
  r.big();
  r.list(() => r.big());
  r.uint(4);
  r.uint(8);
  r.uint(8);
  r.end();
  const nationalId = [...keys].find(([, e]) => e.role === 'national')?.[0] ?? '';
  return { keys, combinerId, nationalId };
}

interface PrecinctTally {
  precinctId: string;
  ballotCount: number;
  ballotsRoot: Uint8Array;
}
function readPrecinctTally(bytes: Uint8Array): PrecinctTally {
  const r = new Reader(bytes);
  r.uint(1);
  r.take(32);
  const precinctId = r.text();
  r.list(() => (r.text(), r.list(() => r.big()))); // groups: scopeId, words
  const ballotCount = r.uint(4);
  const ballotsRoot = r.take(32);
  r.take(32);
  r.take(64);
  r.end();
  return { precinctId, ballotCount, ballotsRoot };
}

interface AggregateTally {
  nodeId: string;
  children: { id: string; tallyHash: Uint8Array }[];
}
function readAggregateTally(bytes: Uint8Array): AggregateTally {
  const r = new Reader(bytes);
  r.uint(1);
  r.take(32);
  const nodeId = r.text();
  r.uint(1);
  r.list(() => (r.text(), r.list(() => r.big()))); // groups: scopeId, words
  r.uint(8);
  const children = r.list(() => ({ id: r.text(), tallyHash: r.take(32) }));
  r.take(64);
  r.end();
  return { nodeId, children };
}

function readResultHead(bytes: Uint8Array): { combinerId: string; tallyHash: Uint8Array } {
  const r = new Reader(bytes);
  r.uint(1);
  r.take(32);
  return { combinerId: r.text(), tallyHash: r.take(32) };
}

/** The receipt's canonical bytes, from its JSON view. */
function receiptBytes(v: ReceiptFile['receipt']): Uint8Array {
  const id = enc.encode(v.precinctId);
  const pos = new Uint8Array(8);
  let n = v.logPosition;
  for (let i = 7; i >= 0; i--) {
    pos[i] = n % 256;
    n = Math.floor(n / 256);
  }
  return concat(new Uint8Array([v.version]), fromHex(v.electionHash), new Uint8Array([id.length >> 8, id.length & 255]), id, fromHex(v.ballotHash), pos, fromHex(v.chainHead), fromHex(v.signature));
}

/** RFC 9162 §2.1.3.2: the root an audit path leads to from leaf `index` of a tree of `size` leaves. */
async function inclusionRoot(ballotHash: Uint8Array, index: number, size: number, path: Uint8Array[]): Promise<Uint8Array | undefined> {
  if (index < 0 || index >= size) return undefined;
  let fn = index;
  let sn = size - 1;
  let r = await sha256(new Uint8Array([0]), ballotHash);
  for (const p of path) {
    if (p.length !== 32 || sn === 0) return undefined;
    if ((fn & 1) === 1 || fn === sn) {
      r = await sha256(new Uint8Array([1]), p, r);
      if ((fn & 1) === 0) while ((fn & 1) === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else r = await sha256(new Uint8Array([1]), r, p);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 ? r : undefined;
}

const TITLES = {
  R1: 'The receipt is signed by its precinct, for this election',
  R2: 'The ballot is in the precinct tally at its log position',
  R3: 'That tally is counted, by signed tallies, up to the national tally the result decrypts',
} as const;

/** Runs R1-R3; never throws (a problem is a failed check saying why). */
export async function checkReceipt(file: ReceiptFile, get: Fetch): Promise<ReceiptCheck[]> {
  const out: ReceiptCheck[] = [];
  const run = async (number: 'R1' | 'R2' | 'R3', fn: () => Promise<string>, skipBecause?: string): Promise<boolean> => {
    if (skipBecause) {
      out.push({ number, title: TITLES[number], status: 'skip', detail: skipBecause });
      return false;
    }
    try {
      out.push({ number, title: TITLES[number], status: 'pass', detail: await fn() });
      return true;
    } catch (err) {
      out.push({ number, title: TITLES[number], status: 'fail', detail: err instanceof Error ? err.message : String(err) });
      return false;
    }
  };
  const v = file.receipt;
  let facts: ManifestFacts | undefined;
  let precinctTally: { facts: PrecinctTally; hash: Uint8Array } | undefined;
  const ok1 = await run('R1', async () => {
    const served = (await get('/manifest')) as { manifest?: string } | undefined;
    if (!served?.manifest) throw bad('this node serves no manifest');
    const bytes = fromBase64(served.manifest);
    if (hex(await framedHash('tallymesh/manifest/v1', bytes)) !== v.electionHash) throw bad('the receipt is for another election than this node\'s');
    facts = readManifest(bytes);
    const precinct = facts.keys.get(v.precinctId);
    if (precinct?.role !== 'precinct') throw bad(`"${v.precinctId}" is not a precinct of this election`);
    if (!(await signedBy('receipt', receiptBytes(v), precinct.publicKey))) throw bad('the precinct\'s signature on the receipt does not verify');
    return `signed by ${v.precinctId}`;
  });
  const proof = ok1 ? ((await get(`/proof/${encodeURIComponent(v.precinctId)}`).catch(() => undefined)) as { precinctTally: string; path: string[]; result?: string } | undefined) : undefined;
  const ok2 = await run(
    'R2',
    async () => {
      if (!proof) throw bad(`this node does not hold the tallies above ${v.precinctId}: open the dashboard of its county or of the national node`);
      const bytes = fromBase64(proof.precinctTally);
      const t = readPrecinctTally(bytes);
      if (t.precinctId !== v.precinctId || !(await signedBy('precinct-tally', bytes, facts!.keys.get(v.precinctId)!.publicKey))) throw bad('the precinct tally served is not signed by the receipt\'s precinct');
      if (v.logPosition > t.ballotCount) throw bad(`position ${v.logPosition} is beyond the ${t.ballotCount} ballots the tally counts`);
      let inclusion = file.inclusion;
      if (!inclusion) {
        const view = (await get(`/receipts/${v.ballotHash}`).catch(() => undefined)) as { inclusion?: { size: number; path: string[] } } | undefined;
        inclusion = view?.inclusion;
      }
      if (!inclusion) throw bad('no inclusion proof: save it from the precinct (GET /receipts/<ballot hash>) once its polls are closed, or check on the precinct\'s own dashboard');
      if (inclusion.size !== t.ballotCount) throw bad(`the inclusion proof is for ${inclusion.size} ballots, the tally counts ${t.ballotCount}`);
      const root = await inclusionRoot(fromHex(v.ballotHash), v.logPosition - 1, inclusion.size, inclusion.path.map(fromHex));
      if (!root || !same(root, t.ballotsRoot)) throw bad('the inclusion proof does not lead to the tally\'s Merkle root');
      precinctTally = { facts: t, hash: await contentHash('precinct-tally', bytes) };
      return `leaf ${v.logPosition} of ${t.ballotCount} under the signed tally's root`;
    },
    ok1 ? undefined : 'R1 failed',
  );
  await run(
    'R3',
    async () => {
      let child = { id: v.precinctId, hash: precinctTally!.hash };
      let expected = facts!.keys.get(v.precinctId)!.parent;
      for (const b64 of proof!.path) {
        const bytes = fromBase64(b64);
        const t = readAggregateTally(bytes);
        const signer = facts!.keys.get(t.nodeId);
        if (t.nodeId !== expected || !signer) throw bad(`expected the tally of "${expected}", got "${t.nodeId}"`);
        if (!(await signedBy('aggregate-tally', bytes, signer.publicKey))) throw bad(`the tally of "${t.nodeId}" is not signed by it`);
        const ref = t.children.find((c) => c.id === child.id);
        if (!ref || !same(ref.tallyHash, child.hash)) throw bad(`the tally of "${t.nodeId}" does not list the tally of "${child.id}"`);
        child = { id: t.nodeId, hash: await contentHash('aggregate-tally', bytes) };
        expected = signer.parent;
      }
      if (child.id !== facts!.nationalId) throw bad('the path does not reach the national tally');
      if (!proof!.result) throw bad('there is no result yet');
      const bytes = fromBase64(proof!.result);
      const head = readResultHead(bytes);
      const combiner = facts!.keys.get(facts!.combinerId);
      if (head.combinerId !== facts!.combinerId || !combiner || !(await signedBy('result', bytes, combiner.publicKey))) throw bad('the result is not signed by the combiner the manifest names');
      if (!same(head.tallyHash, child.hash)) throw bad('the result is not of this national tally');
      return `${proof!.path.length} signed tallies up to the national tally, and the combiner's result of it`;
    },
    ok2 ? undefined : 'R2 failed',
  );
  return out;
}

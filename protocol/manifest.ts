// The election manifest: the root of trust of an election. It names the contests, the
// jurisdiction tree and every node (the roster), the Paillier public key and the threshold
// parameters. Every other artifact is bound to its hash, which officials publish out of band;
// verification check 1 re-derives everything the manifest implies and checks its consistency.
import { bitLength, toHex } from '../crypto/bytes.ts';
import { hashParts } from '../crypto/hash.ts';
import { gcd } from '../crypto/modular.ts';
import { SUPPORTED_KEY_BITS } from '../crypto/paillier.ts';
import { bigUint, bool, decode, encode, fixedBytes, list, note, oneOf, struct, text, uint, type Infer } from './codec.ts';
import { ProtocolError } from './errors.ts';
import { MAX_ALLOWED_VALUES, allowedValueCount, slotsPerWord } from './layout.ts';
import { peerIdFromEd25519 } from './peer-id.ts';

export const PROTOCOL_VERSION = 1;
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const MAX_KEY_BITS = 3072;
export const MAX_ROSTER = 250_000;
export const MAX_CONTESTS = 100_000;

export const ROLES = ['precinct', 'county', 'state', 'national', 'trustee'] as const;
export type Role = (typeof ROLES)[number];
export const CONTEST_KINDS = ['plurality', 'approval'] as const;

/** Which role a node of each role reports to. */
export const PARENT_ROLE: Record<Role, Role | ''> = {
  precinct: 'county',
  county: 'state',
  state: 'national',
  national: '',
  trustee: '',
};

const id = text(64, ID_PATTERN);

const optionalId = text(64, /^(|[A-Za-z0-9][A-Za-z0-9._-]{0,63})$/);

export const ContestSchema = struct({
  id: note(id, 'unique among the contests'),
  title: text(256),
  districtId: note(id, 'the district whose precincts vote in the contest: a manifest district'),
  partyId: note(optionalId, 'in a primary, the party whose ballot styles carry the contest; empty for a nonpartisan contest'),
  kind: note(oneOf(CONTEST_KINDS), 'plurality: one option; approval: 1 to selectionLimit options (vote for up to selectionLimit seats)'),
  options: note(list(note(text(128), 'option name, unique in the contest'), 63), 'at least 1, at most the slots of one tally word'),
  selectionLimit: note(uint(1), '1 for plurality; 1 to the number of options for approval: the seats'),
  allowAbstain: note(bool(), 'whether selecting nothing is a valid ballot for this contest'),
  writeIn: note(bool(), 'whether the last option is the write-in option (every write-in counts as that one option; the names written are not recorded)'),
});

export const DistrictSchema = struct({
  id: note(id, 'unique among the districts'),
  name: note(text(128), 'display name'),
});

export const PartySchema = struct({
  id: note(id, 'unique among the parties'),
  name: note(text(128), 'display name'),
  abbrev: note(text(16), 'short name'),
});

export const BallotStyleSchema = struct({
  id: note(id, 'unique among the ballot styles'),
  districtIds: note(list(note(id, 'a manifest district, each listed once'), 64), 'the districts whose contests the style carries'),
  partyId: note(optionalId, 'a primary\'s party: the style carries that party\'s contests and the nonpartisan ones; empty: only nonpartisan contests'),
});

export const RosterEntrySchema = struct({
  id: note(id, 'unique in the roster'),
  role: note(oneOf(ROLES), 'a precinct reports to a county, a county to a state, a state to the national node; trustees decrypt'),
  parent: note(text(64), 'the parent\'s id: a county for a precinct, a state for a county, the national node for a state; empty for the national node and trustees'),
  name: note(text(128), 'display name'),
  fips: note(text(5, /^(|\d{2}|\d{5})$/), 'census FIPS code of a state (2 digits) or county (5 digits); empty where none applies; informational'),
  publicKey: note(fixedBytes(32), 'Ed25519 public key (RFC 8032), unique in the roster; verifies this node\'s signatures'),
  peerId: note(text(64), 'libp2p PeerId derived from publicKey (see "Roster rules")'),
  trusteeIndex: note(uint(1), 'a trustee\'s index 1..trustees, each used once; 0 for every other role'),
  ballotStyles: note(list(note(id, 'a manifest ballot style'), 64), 'a precinct\'s ballot styles, at least one, at most one per party (and one nonpartisan); empty for every other role'),
});

export const ThresholdParamsSchema = struct({
  threshold: note(uint(1), 't: how many trustees decrypt; 1 ≤ t ≤ trustees'),
  trustees: note(uint(1), 'l: the number of trustees in the roster'),
  v: note(bigUint(2 * MAX_KEY_BITS), 'verification base, a square in Z*_{n²}'),
  verificationKeys: note(list(note(bigUint(2 * MAX_KEY_BITS), 'v_i = v^(Δ·s_i) mod n² in Z*_{n²}'), 255), 'one per trustee, index i at position i − 1'),
});

export const ManifestSchema = struct({
  version: note(uint(1), 'protocol version, 1'),
  electionId: id,
  title: text(256),
  keyBits: note(uint(2), '2048 or 3072 (1024 for tests only); the bit length of n'),
  n: note(bigUint(MAX_KEY_BITS), 'Paillier modulus, odd, of exactly keyBits bits'),
  slotBits: note(uint(1), 'w, the bits of one option\'s counter in a tally word, 8..64 (32 by default)'),
  contests: note(list(ContestSchema, MAX_CONTESTS), 'at least 1; their order fixes each ballot\'s contest order and each scope\'s layout'),
  districts: note(list(DistrictSchema, MAX_CONTESTS), 'every district a contest or ballot style names'),
  parties: note(list(PartySchema, 255), 'the parties a contest or ballot style names'),
  ballotStyles: note(list(BallotStyleSchema, MAX_ROSTER), 'every ballot style a precinct names'),
  roster: note(list(RosterEntrySchema, MAX_ROSTER), 'every node of the election (see "Roster rules")'),
  combinerId: note(id, 'the one roster node whose signature a result may carry (the national node unless setup named another)'),
  threshold: ThresholdParamsSchema,
  checkpointInterval: note(uint(4), 'ballots between a precinct\'s log checkpoints, at least 1; no effect on any artifact'),
  opensAt: note(uint(8), 'Unix time in ms before which precincts take no ballot; 0: open from the start'),
  closesAt: note(uint(8), 'Unix time in ms at which the polls close by themselves; 0: closed by an administrator; if both are set, opensAt < closesAt'),
});

export type Contest = Infer<typeof ContestSchema>;
export type District = Infer<typeof DistrictSchema>;
export type Party = Infer<typeof PartySchema>;
export type BallotStyle = Infer<typeof BallotStyleSchema>;
export type RosterEntry = Infer<typeof RosterEntrySchema>;
export type ThresholdParamsData = Infer<typeof ThresholdParamsSchema>;
export type Manifest = Infer<typeof ManifestSchema>;

export function encodeManifest(manifest: Manifest): Uint8Array {
  return encode(ManifestSchema, manifest, 'manifest');
}

export function decodeManifest(bytes: Uint8Array): Manifest {
  return validateManifest(decode(ManifestSchema, bytes, 'manifest'));
}

export function manifestFromJSON(json: unknown): Manifest {
  return validateManifest(ManifestSchema.fromJSON(json, 'manifest'));
}

export function manifestToJSON(manifest: Manifest): unknown {
  return ManifestSchema.toJSON(manifest);
}

/** The election hash every artifact is bound to. */
export function manifestHash(manifest: Manifest): Uint8Array {
  return hashParts('tallymesh/manifest/v1', encodeManifest(manifest));
}

function fail(path: string, detail: string): never {
  throw new ProtocolError('inconsistent', path, detail);
}

/** Semantic validation beyond the schema: the manifest must describe a well-formed election. */
export function validateManifest(m: Manifest): Manifest {
  validateParameters(m);
  validateRoster(m);
  validatePrecinctStyles(m, m.roster, true);
  validateThreshold(m);
  return m;
}

/**
 * Everything but the roster's structure: schema, version, key, slots, hours and contests. A
 * manifest excerpt (protocol/manifest-excerpt.ts) is checked with this, validateThreshold and
 * its own roster rules.
 */
export function validateParameters(m: Manifest): void {
  ManifestSchema.check(m, 'manifest');
  if (m.version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported-version', 'manifest.version', `version ${m.version} is not supported`);
  if (!SUPPORTED_KEY_BITS.includes(m.keyBits as (typeof SUPPORTED_KEY_BITS)[number])) fail('manifest.keyBits', `unsupported key size ${m.keyBits}`);
  if (bitLength(m.n) !== m.keyBits || (m.n & 1n) === 0n) fail('manifest.n', `modulus is not an odd ${m.keyBits}-bit integer`);
  if (m.slotBits < 8 || m.slotBits > 64) fail('manifest.slotBits', 'slot width must be 8..64 bits');
  if (m.checkpointInterval < 1) fail('manifest.checkpointInterval', 'checkpoint interval must be at least 1');
  if (m.opensAt > 0 && m.closesAt > 0 && m.opensAt >= m.closesAt) fail('manifest.opensAt', 'the polls must open before they close');
  validateContests(m);
}

function validateContests(m: Manifest): void {
  if (m.contests.length === 0) fail('manifest.contests', 'an election needs at least one contest');
  const perWord = slotsPerWord(m.keyBits, m.slotBits);
  const districts = uniqueIds(m.districts, 'manifest.districts', 'district');
  const parties = uniqueIds(m.parties, 'manifest.parties', 'party');
  validateStyles(m, districts, parties);
  const ids = new Set<string>();
  m.contests.forEach((c, i) => {
    const path = `manifest.contests[${i}]`;
    if (ids.has(c.id)) fail(`${path}.id`, `duplicate contest id "${c.id}"`);
    ids.add(c.id);
    if (c.options.length < 1) fail(`${path}.options`, 'a contest needs at least one option');
    if (c.options.length > perWord) fail(`${path}.options`, `${c.options.length} options exceed the ${perWord} slots of a tally word`);
    if (new Set(c.options).size !== c.options.length) fail(`${path}.options`, 'duplicate option');
    const maxLimit = c.kind === 'plurality' ? 1 : c.options.length;
    if (c.selectionLimit < 1 || c.selectionLimit > maxLimit) fail(`${path}.selectionLimit`, `must be 1..${maxLimit} for a ${c.kind} contest`);
    if (allowedValueCount(c) > MAX_ALLOWED_VALUES) {
      fail(`${path}.selectionLimit`, `${allowedValueCount(c)} possible selections exceed the proof limit of ${MAX_ALLOWED_VALUES}`);
    }
    if (!districts.has(c.districtId)) fail(`${path}.districtId`, `district "${c.districtId}" is not in the manifest`);
    if (c.partyId !== '' && !parties.has(c.partyId)) fail(`${path}.partyId`, `party "${c.partyId}" is not in the manifest`);
  });
}

function uniqueIds(items: readonly { id: string }[], path: string, what: string): Set<string> {
  const ids = new Set<string>();
  items.forEach((x, i) => {
    if (ids.has(x.id)) fail(`${path}[${i}].id`, `duplicate ${what} id "${x.id}"`);
    ids.add(x.id);
  });
  return ids;
}

/** Whether a contest is on a ballot style: its district is the style's, and it is nonpartisan or of the style's party. */
export function contestOnStyle(c: Pick<Contest, 'districtId' | 'partyId'>, style: Pick<BallotStyle, 'districtIds' | 'partyId'>): boolean {
  return style.districtIds.includes(c.districtId) && (c.partyId === '' || c.partyId === style.partyId);
}

/** The manifest's contests by district (the lookups below are per style and per contest: tens of thousands each at U.S. scale). */
function contestsByDistrict(m: Manifest): Map<string, Contest[]> {
  const out = new Map<string, Contest[]>();
  for (const c of m.contests) {
    const list = out.get(c.districtId) ?? [];
    list.push(c);
    out.set(c.districtId, list);
  }
  return out;
}

function validateStyles(m: Manifest, districts: Set<string>, parties: Set<string>): void {
  uniqueIds(m.ballotStyles, 'manifest.ballotStyles', 'ballot style');
  const byDistrict = contestsByDistrict(m);
  m.ballotStyles.forEach((s, i) => {
    const path = `manifest.ballotStyles[${i}]`;
    s.districtIds.forEach((d, k) => {
      if (!districts.has(d)) fail(`${path}.districtIds[${k}]`, `district "${d}" is not in the manifest`);
      if (s.districtIds.indexOf(d) !== k) fail(`${path}.districtIds[${k}]`, `district "${d}" is listed twice`);
    });
    if (s.partyId !== '' && !parties.has(s.partyId)) fail(`${path}.partyId`, `party "${s.partyId}" is not in the manifest`);
    if (!s.districtIds.some((d) => byDistrict.get(d)?.some((c) => contestOnStyle(c, s)))) fail(path, `ballot style "${s.id}" carries no contest`);
  });
}

/**
 * The precincts' ballot styles (over the roster entries given: the whole roster, or an excerpt's;
 * `whole` says which):
 * every precinct has at least one style, at most one per party, and no other role has any.
 * Over the whole roster also: every style is some precinct's and every contest is on some used
 * style, so that every contest has a scope (protocol/scopes.ts).
 */
export function validatePrecinctStyles(m: Manifest, roster: readonly Pick<RosterEntry, 'id' | 'role' | 'ballotStyles'>[], whole: boolean): void {
  const styles = new Map(m.ballotStyles.map((s) => [s.id, s]));
  const used = new Set<string>();
  roster.forEach((e, i) => {
    const path = `manifest.roster[${i}].ballotStyles`;
    if (e.role !== 'precinct') {
      if (e.ballotStyles.length > 0) fail(path, `a ${e.role} has no ballot style`);
      return;
    }
    if (e.ballotStyles.length === 0) fail(path, `precinct "${e.id}" needs at least one ballot style`);
    const parties = new Set<string>();
    e.ballotStyles.forEach((id, k) => {
      const style = styles.get(id);
      if (!style) fail(`${path}[${k}]`, `ballot style "${id}" is not in the manifest`);
      if (parties.has(style.partyId)) fail(`${path}[${k}]`, `two ballot styles for ${style.partyId ? `party "${style.partyId}"` : 'nonpartisan voters'}`);
      parties.add(style.partyId);
      used.add(id);
    });
  });
  if (!whole) return;
  m.ballotStyles.forEach((s, i) => {
    if (!used.has(s.id)) fail(`manifest.ballotStyles[${i}]`, `ballot style "${s.id}" is no precinct's`);
  });
  const usedByDistrict = new Map<string, BallotStyle[]>();
  for (const s of m.ballotStyles) {
    if (!used.has(s.id)) continue;
    for (const d of s.districtIds) {
      const list = usedByDistrict.get(d) ?? [];
      list.push(s);
      usedByDistrict.set(d, list);
    }
  }
  m.contests.forEach((c, i) => {
    if (!usedByDistrict.get(c.districtId)?.some((s) => contestOnStyle(c, s))) fail(`manifest.contests[${i}]`, `contest "${c.id}" is on no precinct's ballot style`);
  });
}

function validateRoster(m: Manifest): void {
  const byId = new Map<string, RosterEntry>();
  const keys = new Set<string>();
  const children = new Map<string, number>();
  m.roster.forEach((e, i) => {
    const path = `manifest.roster[${i}]`;
    if (byId.has(e.id)) fail(`${path}.id`, `duplicate node id "${e.id}"`);
    byId.set(e.id, e);
    const key = toHex(e.publicKey);
    if (keys.has(key)) fail(`${path}.publicKey`, 'public key used by two nodes');
    keys.add(key);
    if (e.peerId !== peerIdFromEd25519(e.publicKey)) fail(`${path}.peerId`, 'PeerId is not derived from the public key');
    if ((e.role === 'trustee') !== (e.trusteeIndex > 0)) fail(`${path}.trusteeIndex`, 'only trustees have a trustee index');
  });
  let nationals = 0;
  m.roster.forEach((e, i) => {
    const path = `manifest.roster[${i}].parent`;
    const wanted = PARENT_ROLE[e.role];
    if (e.role === 'national') nationals++;
    if (wanted === '') {
      if (e.parent !== '') fail(path, `a ${e.role} has no parent`);
      return;
    }
    const parent = byId.get(e.parent);
    if (!parent) fail(path, `parent "${e.parent}" is not in the roster`);
    if (parent.role !== wanted) fail(path, `a ${e.role}'s parent must be a ${wanted}, "${e.parent}" is a ${parent.role}`);
    children.set(e.parent, (children.get(e.parent) ?? 0) + 1);
  });
  if (nationals !== 1) fail('manifest.roster', `exactly one national node is required, found ${nationals}`);
  if (!byId.has(m.combinerId)) fail('manifest.combinerId', `combiner "${m.combinerId}" is not in the roster`);
  for (const e of m.roster) {
    if (e.role !== 'precinct' && e.role !== 'trustee' && !children.get(e.id)) fail('manifest.roster', `${e.role} "${e.id}" has no children`);
  }
}

/** The threshold parameters against the roster's trustees. */
export function validateThreshold(m: Manifest): void {
  const t = m.threshold;
  const trustees = m.roster.filter((e) => e.role === 'trustee');
  if (t.trustees !== trustees.length) fail('manifest.threshold.trustees', `roster lists ${trustees.length} trustees, parameters say ${t.trustees}`);
  if (t.threshold < 1 || t.threshold > t.trustees) fail('manifest.threshold.threshold', `threshold must be 1..${t.trustees}`);
  const indexes = new Set(trustees.map((e) => e.trusteeIndex));
  for (let i = 1; i <= t.trustees; i++) if (!indexes.has(i)) fail('manifest.roster', `no trustee has index ${i}`);
  if (t.verificationKeys.length !== t.trustees) fail('manifest.threshold.verificationKeys', 'one verification key per trustee is required');
  const n2 = m.n * m.n;
  const inGroup = (x: bigint): boolean => x > 0n && x < n2 && gcd(x, m.n) === 1n;
  if (!inGroup(t.v)) fail('manifest.threshold.v', 'verification base outside Z*_{n^2}');
  t.verificationKeys.forEach((vk, i) => {
    if (!inGroup(vk)) fail(`manifest.threshold.verificationKeys[${i}]`, 'verification key outside Z*_{n^2}');
  });
}

/** Lookups every role needs, built once per manifest. */
export class ManifestIndex {
  readonly hash: Uint8Array;
  readonly byId: Map<string, RosterEntry>;
  readonly children: Map<string, RosterEntry[]>;
  readonly trustees: RosterEntry[];
  readonly national: RosterEntry;
  /** The node that may sign the result. */
  readonly combiner: RosterEntry;

  /** `hash`: the election hash when the caller computed it over the canonical bytes it decoded. */
  constructor(readonly manifest: Manifest, hash?: Uint8Array) {
    this.hash = hash ?? manifestHash(manifest);
    this.byId = new Map(manifest.roster.map((e) => [e.id, e]));
    this.children = new Map();
    for (const e of manifest.roster) {
      if (!e.parent) continue;
      const list = this.children.get(e.parent) ?? [];
      list.push(e);
      this.children.set(e.parent, list);
    }
    this.trustees = manifest.roster.filter((e) => e.role === 'trustee').sort((a, b) => a.trusteeIndex - b.trusteeIndex);
    this.national = manifest.roster.find((e) => e.role === 'national')!;
    this.combiner = this.byId.get(manifest.combinerId)!;
  }

  node(id: string): RosterEntry {
    const entry = this.byId.get(id);
    if (!entry) throw new ProtocolError('unknown-signer', 'node', `"${id}" is not in the roster`);
    return entry;
  }

  childrenOf(id: string): RosterEntry[] {
    return this.children.get(id) ?? [];
  }
}

// What a voter's receipt check needs from a manifest, read from its canonical bytes without
// decoding the whole roster: a U.S.-scale manifest is 28 MB with 178,000 roster entries, and
// decoding and validating all of them takes seconds, while a receipt check is meant to take well
// under one (docs/verification.md, "Receipts").
//
// The excerpt keeps every parameter (key, slots, contests, districts, parties, ballot styles,
// threshold, combiner), the skeleton of the whole roster (ids, roles, parents and precincts'
// styles, from which every contest's scope follows) and, of the
// roster, the precinct's path and what the path's tallies are checked against: the national
// node and all states (the national tally lists them), the counties of the precinct's state, the
// precincts of its county, the trustees and the combiner. The election hash is computed over all
// the bytes, so the excerpt is of exactly the manifest the officials published. It is validated
// by the rules that concern it: the parameters and threshold as in full, and for the roster
// entries kept, unique ids and keys, PeerIds derived from the keys, the trustee indexes, and a
// path precinct -> county -> state -> national of the right roles, each of its ids once in the
// whole roster, and the precincts' ballot styles over the whole skeleton. The rest of the roster
// (other states' counties' keys, say) is check 1's business, which
// auditors run on the full record.
import { hashParts } from '../crypto/hash.ts';
import { toHex } from '../crypto/bytes.ts';
import { Reader } from './codec.ts';
import { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { ManifestSchema, PARENT_ROLE, RosterEntrySchema, validateParameters, validatePrecinctStyles, validateThreshold, type Manifest, type RosterEntry } from './manifest.ts';
import type { TreeEntry } from './scopes.ts';
import { peerIdFromEd25519 } from './peer-id.ts';

const F = ManifestSchema.fields;
const R = RosterEntrySchema.fields;

interface Skimmed {
  id: string;
  role: RosterEntry['role'];
  parent: string;
  /** A precinct's styles: every contest's scope depends on all of them (protocol/scopes.ts). */
  ballotStyles: string[];
  /** Where the entry's bytes start, to decode it in full if it is kept. */
  offset: number;
}

/** The manifest with only the roster entries a receipt of `precinctId` needs, and the election hash. */
export function manifestExcerpt(bytes: Uint8Array, precinctId: string): { manifest: Manifest; hash: Uint8Array; rosterSize: number; tree: TreeEntry[] } {
  const input = new Reader(bytes);
  const head = {
    version: F.version.decode(input, 'manifest.version'),
    electionId: F.electionId.decode(input, 'manifest.electionId'),
    title: F.title.decode(input, 'manifest.title'),
    keyBits: F.keyBits.decode(input, 'manifest.keyBits'),
    n: F.n.decode(input, 'manifest.n'),
    slotBits: F.slotBits.decode(input, 'manifest.slotBits'),
    contests: F.contests.decode(input, 'manifest.contests'),
    districts: F.districts.decode(input, 'manifest.districts'),
    parties: F.parties.decode(input, 'manifest.parties'),
    ballotStyles: F.ballotStyles.decode(input, 'manifest.ballotStyles'),
  };
  const count = input.uint(4, 'manifest.roster');
  const max = F.roster.spec.kind === 'list' ? F.roster.spec.maxLength : 0;
  if (count > max) throw new ProtocolError('oversize', 'manifest.roster', `list of ${count} items exceeds ${max}`);
  // Skim: id, role and parent of every entry; the other fields are read only to be stepped over.
  const skimmed: Skimmed[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const path = `manifest.roster[${i}]`;
    const offset = input.offset;
    const id = R.id.decode(input, `${path}.id`);
    const role = R.role.decode(input, `${path}.role`);
    const parent = R.parent.decode(input, `${path}.parent`);
    R.name.decode(input, `${path}.name`);
    R.fips.decode(input, `${path}.fips`);
    input.take(32, `${path}.publicKey`);
    R.peerId.decode(input, `${path}.peerId`);
    input.take(1, `${path}.trusteeIndex`);
    const ballotStyles = R.ballotStyles.decode(input, `${path}.ballotStyles`);
    skimmed[i] = { id, role, parent, ballotStyles, offset };
  }
  const tail = {
    combinerId: F.combinerId.decode(input, 'manifest.combinerId'),
    threshold: F.threshold.decode(input, 'manifest.threshold'),
    checkpointInterval: F.checkpointInterval.decode(input, 'manifest.checkpointInterval'),
    opensAt: F.opensAt.decode(input, 'manifest.opensAt'),
    closesAt: F.closesAt.decode(input, 'manifest.closesAt'),
  };
  input.end('manifest');

  const only = (id: string, what: string): Skimmed => {
    const found = skimmed.filter((e) => e.id === id);
    if (found.length !== 1) throw new ProtocolError('inconsistent', 'manifest.roster', `${what} "${id}" appears ${found.length} times in the roster`);
    return found[0]!;
  };
  const precinct = only(precinctId, 'precinct');
  if (precinct.role !== 'precinct') throw new ProtocolError('unknown-signer', 'receipt.precinctId', `"${precinctId}" is a ${precinct.role}, not a precinct`);
  // Walk up one level at a time, so a wrong role is named where it is found.
  const parentOf = (child: Skimmed): Skimmed => {
    const role = PARENT_ROLE[child.role];
    const parent = only(child.parent, `"${child.id}"'s parent`);
    if (parent.role !== role) throw new ProtocolError('inconsistent', 'manifest.roster', `"${child.id}"'s parent "${parent.id}" is a ${parent.role}, not a ${role}`);
    return parent;
  };
  const county = parentOf(precinct);
  const state = parentOf(county);
  const national = parentOf(state);
  if (national.parent !== '') throw new ProtocolError('inconsistent', 'manifest.roster', 'the national node has a parent');
  const nationals = skimmed.filter((e) => e.role === 'national').length;
  if (nationals !== 1) throw new ProtocolError('inconsistent', 'manifest.roster', `exactly one national node is required, found ${nationals}`);
  only(tail.combinerId, 'combiner');
  const keep = (e: Skimmed): boolean =>
    e.role === 'national' ||
    e.role === 'trustee' ||
    e.id === tail.combinerId ||
    (e.role === 'state' && e.parent === national.id) ||
    (e.role === 'county' && e.parent === state.id) ||
    (e.role === 'precinct' && e.parent === county.id);
  const roster = skimmed.filter(keep).map((e) => RosterEntrySchema.decode(new Reader(bytes.subarray(e.offset)), `manifest.roster entry "${e.id}"`));
  const manifest: Manifest = { ...head, roster, ...tail };
  validateExcerptRoster(manifest);
  validatePrecinctStyles(manifest, skimmed, true);
  return { manifest, hash: hashParts('tallymesh/manifest/v1', bytes), rosterSize: count, tree: skimmed };
}

/** An election context for checking receipts of one precinct (see the top of this file). */
export function receiptContext(bytes: Uint8Array, precinctId: string): ElectionContext {
  const { manifest, hash, tree } = manifestExcerpt(bytes, precinctId);
  return new ElectionContext(manifest, { hash, validated: true, tree });
}

function validateExcerptRoster(m: Manifest): void {
  validateParameters(m);
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const e of m.roster) {
    const path = `manifest.roster "${e.id}"`;
    if (ids.has(e.id)) throw new ProtocolError('inconsistent', `${path}.id`, `duplicate node id "${e.id}"`);
    ids.add(e.id);
    const key = toHex(e.publicKey);
    if (keys.has(key)) throw new ProtocolError('inconsistent', `${path}.publicKey`, 'public key used by two nodes');
    keys.add(key);
    if (e.peerId !== peerIdFromEd25519(e.publicKey)) throw new ProtocolError('inconsistent', `${path}.peerId`, 'PeerId is not derived from the public key');
    if ((e.role === 'trustee') !== (e.trusteeIndex > 0)) throw new ProtocolError('inconsistent', `${path}.trusteeIndex`, 'only trustees have a trustee index');
    if (PARENT_ROLE[e.role] === '' && e.parent !== '') throw new ProtocolError('inconsistent', `${path}.parent`, `a ${e.role} has no parent`);
  }
  validateThreshold(m);
}

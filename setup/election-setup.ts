// The setup ceremony: generates an election's keys and manifest. A dealer makes the Paillier key
// from two safe primes and shares its secret 5-of-9 (by default) among the trustees; the factors
// exist only inside dealThresholdKey and are never returned or written. Every node gets an
// Ed25519 key, which is also its libp2p identity.
//
// The jurisdictions of a generated shape are real U.S. states and counties from us-atlas (their
// FIPS codes in the roster's `fips` field, their names as node names), so that the dashboard's map
// shows where the count stands even for the simulation's small default shape; node ids stay
// generic (state-01, county-01-001) because scripts and tests address nodes by them.
import { randomBytes } from 'node:crypto';
import { toHex } from '../crypto/bytes.ts';
import { DEFAULT_KEY_BITS } from '../crypto/paillier.ts';
import { generateSigningKey } from '../crypto/signature.ts';
import { dealThresholdKey, type TrusteeShare } from '../crypto/threshold.ts';
import { STANDARD_CONTESTS } from '../protocol/contests.ts';
import { PROTOCOL_VERSION, validateManifest, type Contest, type Manifest, type Role, type RosterEntry } from '../protocol/manifest.ts';
import { peerIdFromEd25519 } from '../protocol/peer-id.ts';
// The one reader of us-atlas's jurisdiction list (ids and names, no geometry); read-only use.
import { loadUsAtlas, type AtlasCounty, type AtlasState } from './us-atlas.ts';

export interface ElectionShape {
  states: number;
  countiesPerState: number;
  precinctsPerCounty: number;
}

export interface SetupOptions extends ElectionShape {
  electionId?: string;
  title?: string;
  trustees: number;
  threshold: number;
  keyBits: number;
  contests: Contest[];
  slotBits: number;
  checkpointInterval: number;
  closesAt: number;
}

export const DEFAULT_SETUP: SetupOptions = {
  states: 2,
  countiesPerState: 2,
  precinctsPerCounty: 3,
  trustees: 9,
  threshold: 5,
  keyBits: DEFAULT_KEY_BITS,
  contests: STANDARD_CONTESTS,
  slotBits: 32,
  checkpointInterval: 100,
  closesAt: 0,
};

export interface NodeSecret {
  id: string;
  role: Role;
  secretKey: Uint8Array;
}

export interface GeneratedElection {
  manifest: Manifest;
  /** Every node's Ed25519 secret key, by node id. */
  nodeKeys: Map<string, NodeSecret>;
  /** Each trustee's threshold key share, by trustee id. */
  shares: Map<string, TrusteeShare>;
  /** Token authorising admin actions (closing the polls) on every node. */
  adminToken: string;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/**
 * States in the order a small shape takes them: a walk outwards from Ohio through neighbouring
 * states, so that a few states make one compact region on the map (FIPS order would start with
 * Alabama and Alaska, a continent apart). States missing here follow in FIPS order.
 */
const STATE_ORDER = ['39', '42', '18', '26', '21', '54', '17', '55', '51', '24', '36', '47', '29', '19', '27', '37', '34', '10', '11', '45', '13', '01', '28', '05', '22', '12', '20', '31', '40', '48', '46', '38', '09', '44', '25', '50', '33', '23', '08', '56', '30', '35', '49', '16', '04', '32', '53', '41', '06', '02', '15'];

export interface ShapePlaces {
  states: AtlasState[];
  /** Per state (same order), its first counties by FIPS code. */
  counties: AtlasCounty[][];
}

let atlasCache: ReturnType<typeof loadUsAtlas> | undefined;

/**
 * Real states and counties for a shape: the first states of STATE_ORDER that have enough counties,
 * each with its first counties by FIPS code. Undefined when the shape asks for more than the 50
 * states and DC can give (the roster then carries no FIPS codes and the dashboard shows the tree
 * without a map).
 */
export function placesFor(shape: ElectionShape): ShapePlaces | undefined {
  atlasCache ??= loadUsAtlas();
  const atlas = atlasCache;
  const rank = (fips: string): number => (STATE_ORDER.includes(fips) ? STATE_ORDER.indexOf(fips) : STATE_ORDER.length + Number(fips));
  const countiesOf = (s: AtlasState): AtlasCounty[] => atlas.counties.filter((c) => c.stateFips === s.fips);
  const states = [...atlas.states]
    .sort((a, b) => rank(a.fips) - rank(b.fips))
    .filter((s) => countiesOf(s).length >= shape.countiesPerState)
    .slice(0, shape.states);
  if (states.length < shape.states) return undefined;
  return { states, counties: states.map((s) => countiesOf(s).slice(0, shape.countiesPerState)) };
}

/** Manifest names are at most 128 bytes of UTF-8. */
function clampName(name: string): string {
  let out = name;
  while (Buffer.byteLength(out, 'utf8') > 128) out = out.slice(0, -1);
  return out;
}

export interface HierarchyNodeSpec {
  id: string;
  role: Role;
  parent: string;
  name: string;
  /** 2-digit state or 5-digit county FIPS code; empty for precincts, national, or a shape without places. */
  fips: string;
}

/** Node ids of the hierarchy, parent before child: national, states, counties, precincts. */
export function hierarchyIds(shape: ElectionShape, places: ShapePlaces | undefined = placesFor(shape)): HierarchyNodeSpec[] {
  const out: HierarchyNodeSpec[] = [{ id: 'national', role: 'national', parent: '', name: places ? 'United States' : 'National', fips: '' }];
  for (let s = 1; s <= shape.states; s++) {
    const state = `state-${pad(s)}`;
    const realState = places?.states[s - 1];
    out.push({ id: state, role: 'state', parent: 'national', name: realState ? clampName(realState.name) : `State ${s}`, fips: realState?.fips ?? '' });
    for (let c = 1; c <= shape.countiesPerState; c++) {
      const county = `county-${pad(s)}-${pad(c, 3)}`;
      const realCounty = places?.counties[s - 1]?.[c - 1];
      const countyName = realCounty && realState ? `${realCounty.name}, ${realState.name}` : `County ${s}.${c}`;
      out.push({ id: county, role: 'county', parent: state, name: clampName(countyName), fips: realCounty?.fips ?? '' });
      for (let p = 1; p <= shape.precinctsPerCounty; p++) {
        const name = realCounty ? `Precinct ${p}, ${countyName}` : `Precinct ${s}.${c}.${p}`;
        out.push({ id: `precinct-${pad(s)}-${pad(c, 3)}-${pad(p, 3)}`, role: 'precinct', parent: county, name: clampName(name), fips: '' });
      }
    }
  }
  return out;
}

export function generateElection(options: Partial<SetupOptions> = {}): GeneratedElection {
  const o: SetupOptions = { ...DEFAULT_SETUP, ...options };
  for (const [name, v] of Object.entries({ states: o.states, countiesPerState: o.countiesPerState, precinctsPerCounty: o.precinctsPerCounty })) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer`);
  }
  if (!Number.isInteger(o.trustees) || o.trustees < 1 || o.trustees > 255) throw new RangeError('trustees must be 1..255');
  if (!Number.isInteger(o.threshold) || o.threshold < 1 || o.threshold > o.trustees) throw new RangeError(`threshold must be 1..${o.trustees}`);
  const key = dealThresholdKey({ bits: o.keyBits, threshold: o.threshold, trustees: o.trustees });
  const nodeKeys = new Map<string, NodeSecret>();
  const roster: RosterEntry[] = [];
  const add = (id: string, role: Role, parent: string, name: string, fips: string, trusteeIndex: number): void => {
    const { secretKey, publicKey } = generateSigningKey();
    nodeKeys.set(id, { id, role, secretKey });
    roster.push({ id, role, parent, name, fips, publicKey, peerId: peerIdFromEd25519(publicKey), trusteeIndex });
  };
  for (const n of hierarchyIds(o)) add(n.id, n.role, n.parent, n.name, n.fips, 0);
  const shares = new Map<string, TrusteeShare>();
  for (let i = 1; i <= o.trustees; i++) {
    const id = `trustee-${pad(i)}`;
    add(id, 'trustee', '', `Trustee ${i}`, '', i);
    shares.set(id, key.shares[i - 1]!);
  }
  const manifest: Manifest = {
    version: PROTOCOL_VERSION,
    electionId: o.electionId ?? `election-${toHex(randomBytes(4))}`,
    title: o.title ?? 'TallyMesh election',
    keyBits: o.keyBits,
    n: key.publicKey.n,
    slotBits: o.slotBits,
    contests: o.contests,
    roster,
    threshold: {
      threshold: o.threshold,
      trustees: o.trustees,
      v: key.params.v,
      verificationKeys: [...key.params.verificationKeys],
    },
    checkpointInterval: o.checkpointInterval,
    closesAt: o.closesAt,
  };
  validateManifest(manifest);
  return { manifest, nodeKeys, shares, adminToken: toHex(randomBytes(32)) };
}

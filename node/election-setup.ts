// The setup ceremony: generates an election's keys and manifest. A dealer makes the Paillier key
// from two safe primes and shares its secret 5-of-9 (by default) among the trustees; the factors
// exist only inside dealThresholdKey and are never returned or written. Every node gets an
// Ed25519 key, which is also its libp2p identity.
import { randomBytes } from 'node:crypto';
import { toHex } from '../crypto/bytes.ts';
import { DEFAULT_KEY_BITS } from '../crypto/paillier.ts';
import { generateSigningKey } from '../crypto/signature.ts';
import { dealThresholdKey, type TrusteeShare } from '../crypto/threshold.ts';
import { STANDARD_CONTESTS } from '../protocol/contests.ts';
import { PROTOCOL_VERSION, validateManifest, type Contest, type Manifest, type Role, type RosterEntry } from '../protocol/manifest.ts';
import { peerIdFromEd25519 } from '../protocol/peer-id.ts';

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

/** Node ids of the hierarchy, parent before child: national, states, counties, precincts. */
export function hierarchyIds(shape: ElectionShape): { id: string; role: Role; parent: string; name: string }[] {
  const out: { id: string; role: Role; parent: string; name: string }[] = [{ id: 'national', role: 'national', parent: '', name: 'National' }];
  for (let s = 1; s <= shape.states; s++) {
    const state = `state-${pad(s)}`;
    out.push({ id: state, role: 'state', parent: 'national', name: `State ${s}` });
    for (let c = 1; c <= shape.countiesPerState; c++) {
      const county = `county-${pad(s)}-${pad(c, 3)}`;
      out.push({ id: county, role: 'county', parent: state, name: `County ${s}.${c}` });
      for (let p = 1; p <= shape.precinctsPerCounty; p++) {
        out.push({ id: `precinct-${pad(s)}-${pad(c, 3)}-${pad(p, 3)}`, role: 'precinct', parent: county, name: `Precinct ${s}.${c}.${p}` });
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
  const add = (id: string, role: Role, parent: string, name: string, trusteeIndex: number): void => {
    const { secretKey, publicKey } = generateSigningKey();
    nodeKeys.set(id, { id, role, secretKey });
    roster.push({ id, role, parent, name, fips: '', publicKey, peerId: peerIdFromEd25519(publicKey), trusteeIndex });
  };
  for (const n of hierarchyIds(o)) add(n.id, n.role, n.parent, n.name, 0);
  const shares = new Map<string, TrusteeShare>();
  for (let i = 1; i <= o.trustees; i++) {
    const id = `trustee-${pad(i)}`;
    add(id, 'trustee', '', `Trustee ${i}`, i);
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

// The setup ceremony: generates an election's keys and manifest over a jurisdiction tree. A
// dealer makes the Paillier key from two safe primes and shares its secret 5-of-9 (by default)
// among the trustees; the factors exist only inside dealThresholdKey and are never returned or
// written. Every node gets an Ed25519 key, which is also its libp2p identity.
import { randomBytes } from 'node:crypto';
import { toHex } from '../crypto/bytes.ts';
import { DEFAULT_KEY_BITS } from '../crypto/paillier.ts';
import { generateSigningKey } from '../crypto/signature.ts';
import { dealThresholdKey, type TrusteeShare } from '../crypto/threshold.ts';
import { STANDARD_CONTESTS } from '../protocol/contests.ts';
import type { Contest, Manifest, Role } from '../protocol/manifest.ts';
import type { Jurisdiction } from './jurisdictions.ts';
import { buildManifest, publicIdentity, trusteeIds, type PublicIdentity } from './manifest-builder.ts';
import { uniformJurisdictions, type ElectionShape } from './uniform-shape.ts';

export type { ElectionShape } from './uniform-shape.ts';

export interface SetupOptions extends ElectionShape {
  electionId?: string;
  title?: string;
  /** The tree to set up over; a uniform tree of the shape above when absent. */
  jurisdictions?: Jurisdiction[];
  trustees: number;
  threshold: number;
  keyBits: number;
  contests: Contest[];
  slotBits: number;
  checkpointInterval: number;
  opensAt?: number;
  closesAt: number;
  /** The node that combines the partial decryptions and signs the result; the national node when absent. */
  combiner?: string;
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

export function generateElection(options: Partial<SetupOptions> = {}): GeneratedElection {
  const o: SetupOptions = { ...DEFAULT_SETUP, ...options };
  if (!Number.isInteger(o.trustees) || o.trustees < 1 || o.trustees > 255) throw new RangeError('trustees must be 1..255');
  if (!Number.isInteger(o.threshold) || o.threshold < 1 || o.threshold > o.trustees) throw new RangeError(`threshold must be 1..${o.trustees}`);
  const jurisdictions = o.jurisdictions ?? uniformJurisdictions(o);
  const key = dealThresholdKey({ bits: o.keyBits, threshold: o.threshold, trustees: o.trustees });
  const nodeKeys = new Map<string, NodeSecret>();
  const identities = new Map<string, PublicIdentity>();
  const trustees = trusteeIds(o.trustees);
  for (const [id, role] of [...jurisdictions.map((j) => [j.id, j.role] as const), ...trustees.map((id) => [id, 'trustee'] as const)]) {
    const { secretKey, publicKey } = generateSigningKey();
    nodeKeys.set(id, { id, role, secretKey });
    identities.set(id, publicIdentity(publicKey));
  }
  const shares = new Map(trustees.map((id, i) => [id, key.shares[i]!]));
  const manifest = buildManifest({
    electionId: o.electionId ?? `election-${toHex(randomBytes(4))}`,
    title: o.title ?? 'TallyMesh election',
    jurisdictions,
    identities,
    key,
    contests: o.contests,
    slotBits: o.slotBits,
    checkpointInterval: o.checkpointInterval,
    closesAt: o.closesAt,
    ...(o.opensAt ? { opensAt: o.opensAt } : {}),
    ...(o.combiner ? { combinerId: o.combiner } : {}),
  });
  return { manifest, nodeKeys, shares, adminToken: toHex(randomBytes(32)) };
}

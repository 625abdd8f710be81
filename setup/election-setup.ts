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
import type { ElectionShape } from './uniform-shape.ts';
import type { ElectionDefinition } from './definition/election-definition.ts';
import { planFromDefinition, type ElectionPlan } from './definition/definition-plan.ts';
import { uniformDefinition, type UniformBallot } from './definition/uniform-definition.ts';

export type { ElectionShape } from './uniform-shape.ts';

export interface SetupOptions extends ElectionShape {
  electionId?: string;
  title?: string;
  /** The election to set up: its tree, districts, contests and ballot styles. Overrides the shape, `jurisdictions` and `contests`. */
  definition?: ElectionDefinition;
  /** Without a definition: the uniform shape's ballot ('single': `contests` everywhere; 'local': contests at every level). */
  ballot?: UniformBallot;
  /** Without a definition: the tree to set up over, every precinct voting `contests`; a uniform tree of the shape above when absent. */
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
  const plan = electionPlan(o);
  const jurisdictions = plan.jurisdictions;
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
    ...plan,
    electionId: o.electionId ?? (o.definition ? plan.electionId : `election-${toHex(randomBytes(4))}`),
    title: o.title ?? plan.title,
    identities,
    key,
    slotBits: o.slotBits,
    checkpointInterval: o.checkpointInterval,
    closesAt: o.closesAt,
    ...(o.opensAt ? { opensAt: o.opensAt } : {}),
    ...(o.combiner ? { combinerId: o.combiner } : {}),
  });
  return { manifest, nodeKeys, shares, adminToken: toHex(randomBytes(32)) };
}

/** The plan setup follows: the definition's, or a generated one (a uniform shape, or a given tree with one ballot). */
export function electionPlan(o: SetupOptions): ElectionPlan {
  if (o.definition) return planFromDefinition(o.definition);
  if (o.jurisdictions) return singleBallotPlan(o.jurisdictions, o.contests, o.title ?? 'TallyMesh election');
  const ballot = o.ballot ?? 'single';
  const plan = planFromDefinition(uniformDefinition(o, { ballot, contests: o.contests, ...(o.title ? { title: o.title } : {}) }));
  // The contests given in the manifest's own form are kept exactly (a definition has no contest
  // that refuses a blank, which tests of that rule need); they are all in district "all".
  return ballot === 'single' ? { ...plan, contests: o.contests.map((c) => ({ ...c, districtId: 'all', partyId: '' })) } : plan;
}

/**
 * A given tree where every precinct votes the same contests: one district "all", one style
 * "all". Built directly (the U.S.-scale tree has 175,000 precincts: no definition round trip).
 */
export function singleBallotPlan(jurisdictions: Jurisdiction[], contests: Contest[], title: string): ElectionPlan {
  const all = 'all';
  return {
    electionId: 'election',
    title,
    jurisdictions,
    contests: contests.map((c) => ({ ...c, districtId: all, partyId: '' })),
    districts: [{ id: all, name: 'Every precinct' }],
    parties: [],
    ballotStyles: [{ id: all, districtIds: [all], partyId: '' }],
    precinctStyles: new Map(jurisdictions.filter((j) => j.role === 'precinct').map((j) => [j.id, [all]])),
  };
}

// The one place a manifest is assembled: a jurisdiction tree, the trustees, every node's public
// identity (Ed25519 key and the PeerId derived from it), the dealt threshold key and the election
// parameters. generateElection makes the keys and calls it; a run that generates its node keys
// elsewhere (the U.S.-scale run, in worker threads) calls it with the public halves.
import type { ThresholdKey } from '../crypto/threshold.ts';
import { PROTOCOL_VERSION, validateManifest, type Manifest, type RosterEntry } from '../protocol/manifest.ts';
import { peerIdFromEd25519 } from '../protocol/peer-id.ts';
import { trusteeId } from './jurisdictions.ts';
import type { ElectionPlan } from './definition/definition-plan.ts';

export interface PublicIdentity {
  publicKey: Uint8Array;
  peerId: string;
}

export function publicIdentity(publicKey: Uint8Array): PublicIdentity {
  return { publicKey, peerId: peerIdFromEd25519(publicKey) };
}

/** What the election holds (the plan: tree, contests, districts, parties, styles) and its keys and parameters. */
export interface ManifestInput extends ElectionPlan {
  /** Every node's and trustee's public identity, by id. */
  identities: Map<string, PublicIdentity>;
  key: ThresholdKey;
  slotBits: number;
  checkpointInterval: number;
  opensAt?: number;
  closesAt: number;
  /** Who may sign the result; the national node when absent. */
  combinerId?: string;
  /** Run validateManifest (default); a caller that builds an ElectionContext next may skip it. */
  validate?: boolean;
}

/** The trustees' ids, index 1..n. */
export function trusteeIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => trusteeId(i + 1));
}

/** Builds (and by default validates) the manifest; throws ProtocolError if it is inconsistent. */
export function buildManifest(input: ManifestInput): Manifest {
  const identity = (id: string): PublicIdentity => {
    const found = input.identities.get(id);
    if (!found) throw new RangeError(`no public key for node "${id}"`);
    return found;
  };
  const roster: RosterEntry[] = input.jurisdictions.map((n) => ({
    id: n.id,
    role: n.role,
    parent: n.parent,
    name: n.name,
    fips: n.fips,
    ...identity(n.id),
    trusteeIndex: 0,
    ballotStyles: n.role === 'precinct' ? [...(input.precinctStyles.get(n.id) ?? [])] : [],
  }));
  trusteeIds(input.key.params.trustees).forEach((id, i) => {
    roster.push({ id, role: 'trustee', parent: '', name: `Trustee ${i + 1}`, fips: '', ...identity(id), trusteeIndex: i + 1, ballotStyles: [] });
  });
  const manifest: Manifest = {
    version: PROTOCOL_VERSION,
    electionId: input.electionId,
    title: input.title,
    keyBits: input.key.publicKey.bits,
    n: input.key.publicKey.n,
    slotBits: input.slotBits,
    contests: input.contests,
    districts: input.districts,
    parties: input.parties,
    ballotStyles: input.ballotStyles,
    roster,
    combinerId: input.combinerId ?? (input.jurisdictions.find((j) => j.role === 'national')?.id ?? ''),
    threshold: {
      threshold: input.key.params.threshold,
      trustees: input.key.params.trustees,
      v: input.key.params.v,
      verificationKeys: [...input.key.params.verificationKeys],
    },
    checkpointInterval: input.checkpointInterval,
    opensAt: input.opensAt ?? 0,
    closesAt: input.closesAt,
  };
  return input.validate === false ? manifest : validateManifest(manifest);
}

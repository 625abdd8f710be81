// The U.S.-scale setup ceremony: setup/election-setup.ts's generateElection builds its own
// numbered hierarchy and has no way to take a given one (names, FIPS codes), so this file
// assembles the manifest from the same exported pieces: dealThresholdKey (the 5-of-9 Paillier
// key), Ed25519 node keys, peerIdFromEd25519, validateManifest, PROTOCOL_VERSION and
// STANDARD_CONTESTS. Node keys are generated where the nodes run (worker threads), so only the
// public halves come back here.
import type { ThresholdKey } from '../../crypto/threshold.ts';
import { STANDARD_CONTESTS } from '../../protocol/contests.ts';
import { PROTOCOL_VERSION, validateManifest, type Contest, type Manifest, type RosterEntry } from '../../protocol/manifest.ts';
import { peerIdFromEd25519 } from '../../protocol/peer-id.ts';
import type { HierarchyNode } from './hierarchy.ts';

export interface PublicIdentity {
  publicKey: Uint8Array;
  peerId: string;
}

export function publicIdentity(publicKey: Uint8Array): PublicIdentity {
  return { publicKey, peerId: peerIdFromEd25519(publicKey) };
}

export interface UsManifestInput {
  electionId: string;
  title: string;
  keyBits: number;
  /** National, states, counties, precincts, in roster order. */
  nodes: HierarchyNode[];
  /** Trustee ids, index 1..n in order. */
  trustees: string[];
  /** Public key and PeerId of every node and trustee. */
  identities: Map<string, PublicIdentity>;
  key: ThresholdKey;
  contests?: Contest[];
  slotBits?: number;
  checkpointInterval?: number;
  /** Run validateManifest (default); ElectionContext validates anyway, so callers may skip it here. */
  validate?: boolean;
}

/** The manifest, validated unless `validate: false` (throws ProtocolError if anything is inconsistent). */
export function buildUsManifest(input: UsManifestInput): Manifest {
  const identity = (id: string): PublicIdentity => {
    const found = input.identities.get(id);
    if (!found) throw new Error(`no key for node "${id}"`);
    return found;
  };
  const roster: RosterEntry[] = input.nodes.map((n) => ({
    id: n.id,
    role: n.role,
    parent: n.parent,
    name: n.name,
    fips: n.fips,
    ...identity(n.id),
    trusteeIndex: 0,
  }));
  input.trustees.forEach((id, i) => {
    roster.push({ id, role: 'trustee', parent: '', name: `Trustee ${i + 1}`, fips: '', ...identity(id), trusteeIndex: i + 1 });
  });
  const manifest: Manifest = {
    version: PROTOCOL_VERSION,
    electionId: input.electionId,
    title: input.title,
    keyBits: input.keyBits,
    n: input.key.publicKey.n,
    slotBits: input.slotBits ?? 32,
    contests: input.contests ?? STANDARD_CONTESTS,
    roster,
    threshold: {
      threshold: input.key.params.threshold,
      trustees: input.key.params.trustees,
      v: input.key.params.v,
      verificationKeys: [...input.key.params.verificationKeys],
    },
    checkpointInterval: input.checkpointInterval ?? 100,
    closesAt: 0,
  };
  return input.validate === false ? manifest : validateManifest(manifest);
}

// The U.S.-scale setup ceremony: node/election-setup.ts's generateElection builds its own
// numbered hierarchy and has no way to take a given one (names, FIPS codes), so this file
// assembles the manifest from the same exported pieces: dealThresholdKey (the 5-of-9 Paillier
// key), Ed25519 node keys, peerIdFromEd25519, validateManifest, PROTOCOL_VERSION and
// STANDARD_CONTESTS. Node keys are generated where the nodes run (worker threads), so only the
// public halves come back here.
import { createPrivateKey, randomBytes } from 'node:crypto';
import { signingKeyFromSecret, type SigningKeyPair } from '../../../crypto/signature.ts';
import type { ThresholdKey } from '../../../crypto/threshold.ts';
import { STANDARD_CONTESTS } from '../../../protocol/contests.ts';
import { PROTOCOL_VERSION, validateManifest, type Contest, type Manifest, type RosterEntry } from '../../../protocol/manifest.ts';
import { peerIdFromEd25519 } from '../../../protocol/peer-id.ts';
import type { HierarchyNode } from './hierarchy.ts';

/** A placeholder public key for the JWK import below (see fastSigningKey). */
const JWK_X_PLACEHOLDER = Buffer.alloc(32).toString('base64url');

/**
 * An Ed25519 key pair in crypto/signature.ts's format (32-byte seed, 32-byte public key), fast:
 * a random seed imported as a JWK private key (OpenSSL's raw-key import) and the public key read
 * back from its JWK export, which OpenSSL derives from the seed; Node requires an `x` member on
 * import but does not use it for a private key, so a placeholder goes in (the test checks that
 * the derived key verifies crypto/signature.ts's signatures). About 85 us here, against about
 * 1 ms for crypto/signature.ts's generateSigningKey, whose PKCS#8 DER import goes through
 * OpenSSL 3's slow decoder (178,000 keys: ~15 s instead of ~3 min of CPU).
 *
 * Not generateKeyPairSync('ed25519') + export({ format: 'jwk' }): on Node 20.20 that deadlocks
 * now and then (seen twice here): the export holds the key's mutex while allocating, the
 * allocation triggers a GC, and the GC finalises the key-generation job, whose destructor waits
 * for the same mutex (gdb: ~KeyGenJob -> uv_mutex_lock under ExportJWKEdKey).
 */
export function fastSigningKey(): SigningKeyPair {
  const seed = randomBytes(32);
  try {
    const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: JWK_X_PLACEHOLDER }, format: 'jwk' });
    const x = key.export({ format: 'jwk' }).x;
    if (typeof x !== 'string') throw new Error('Ed25519 JWK export without x');
    const publicKey = new Uint8Array(Buffer.from(x, 'base64url'));
    if (publicKey.length !== 32 || Buffer.from(publicKey).equals(Buffer.alloc(32))) throw new Error('unexpected Ed25519 public key');
    return { secretKey: new Uint8Array(seed), publicKey };
  } catch {
    // A Node that checks x against d on import: the slower, decoder-based path.
    return signingKeyFromSecret(new Uint8Array(seed));
  }
}

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

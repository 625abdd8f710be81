// A node's libp2p identity is its TallyMesh signing key: the 32-byte Ed25519 secret (RFC 8032
// seed) gives both the artifact signatures and the PeerId, so the roster names one key per node
// and the connection gater can recognise a node by the PeerId Noise authenticated.
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey } from '@libp2p/interface';
import { peerIdFromPrivateKey } from '@libp2p/peer-id';
import { signingKeyFromSecret } from '../../crypto/signature.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import type { RosterEntry } from '../../protocol/manifest.ts';
import { peerIdFromEd25519 } from '../../protocol/peer-id.ts';

export interface NetworkIdentity {
  privateKey: Ed25519PrivateKey;
  /** base58btc PeerId string, as the roster spells it. */
  peerId: string;
  /** The node's roster entry; undefined for an observer (a key outside the roster). */
  entry: RosterEntry | undefined;
}

/** The libp2p private key of a TallyMesh secret key. */
export async function libp2pPrivateKey(secretKey: Uint8Array): Promise<Ed25519PrivateKey> {
  if (secretKey.length !== 32) throw new RangeError('an Ed25519 secret key is 32 bytes');
  return generateKeyPairFromSeed('Ed25519', secretKey);
}

/**
 * Derives the identity and checks it against the roster: libp2p's PeerId must equal the one the
 * protocol layer computes without libp2p, and, for a roster node, the one the manifest lists.
 * A key outside the roster is refused unless `observer` is set.
 */
export async function networkIdentity(secretKey: Uint8Array, ctx: ElectionContext, observer = false): Promise<NetworkIdentity> {
  const privateKey = await libp2pPrivateKey(secretKey);
  const peerId = peerIdFromPrivateKey(privateKey).toString();
  const { publicKey } = signingKeyFromSecret(secretKey);
  const expected = peerIdFromEd25519(publicKey);
  if (peerId !== expected) throw new Error(`libp2p derived PeerId ${peerId}, the protocol layer ${expected}: key derivation disagrees`);
  const entry = ctx.manifest.roster.find((e) => e.peerId === peerId);
  if (!entry && !observer) throw new Error(`PeerId ${peerId} is not in the roster (set observer mode to join read-only)`);
  return { privateKey, peerId, entry };
}

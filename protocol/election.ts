// Everything derived from a manifest that validators need, computed once: its hash, the roster
// index, each contest's scope and each scope's layout, the Paillier public key and the threshold
// parameters.
import { PaillierPublicKey } from '../crypto/paillier.ts';
import type { ThresholdParams } from '../crypto/threshold.ts';
import { equalBytes, toHex } from '../crypto/bytes.ts';
import { hashParts } from '../crypto/hash.ts';
import { decode } from './codec.ts';
import { ManifestIndex, ManifestSchema, validateManifest, type Manifest } from './manifest.ts';
import { ProtocolError } from './errors.ts';
import { ElectionScopes, type TreeEntry } from './scopes.ts';

export class ElectionContext {
  readonly index: ManifestIndex;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  /** Where each contest is counted, and each scope's tally-word layout. */
  readonly scopes: ElectionScopes;
  readonly publicKey: PaillierPublicKey;
  /** One object per election: the threshold module caches its tables per params object. */
  readonly threshold: ThresholdParams;

  /**
   * A validated manifest's context. `known.hash` is the election hash when the caller computed it
   * over the canonical bytes it decoded (no re-encoding); `known.validated` says the caller has
   * validated the manifest already (manifestExcerpt validates an excerpt by its own rules);
   * `known.tree` is the whole roster's skeleton when the manifest is an excerpt (scopes.ts).
   */
  constructor(readonly manifest: Manifest, known: { hash?: Uint8Array; validated?: true; tree?: readonly TreeEntry[] } = {}) {
    if (!known.validated) validateManifest(manifest);
    this.index = new ManifestIndex(manifest, known.hash);
    this.hash = this.index.hash;
    this.hashHex = toHex(this.hash);
    this.scopes = new ElectionScopes(manifest, known.tree ?? manifest.roster);
    this.publicKey = new PaillierPublicKey(manifest.n);
    this.threshold = { n: manifest.n, ...manifest.threshold };
  }

  /** The context of a manifest's canonical bytes: strict decode, validation, the hash over these very bytes. */
  static fromBytes(bytes: Uint8Array): ElectionContext {
    return new ElectionContext(decode(ManifestSchema, bytes, 'manifest'), { hash: hashParts('tallymesh/manifest/v1', bytes) });
  }

  /** Throws 'wrong-election' unless the artifact is bound to this election. */
  checkElection(electionHash: Uint8Array, path: string): void {
    if (!equalBytes(electionHash, this.hash)) {
      throw new ProtocolError('wrong-election', `${path}.electionHash`, 'artifact belongs to another election');
    }
  }

  /** Throws 'ciphertext-out-of-range' unless c is in Z*_{n^2}. */
  checkCiphertext(c: bigint, path: string): void {
    if (!this.publicKey.isCiphertext(c)) {
      throw new ProtocolError('ciphertext-out-of-range', path, 'ciphertext is not in Z*_{n^2}');
    }
  }
}

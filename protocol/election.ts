// Everything derived from a manifest that validators need, computed once: its hash, the roster
// index, the ballot layout, the Paillier public key and the threshold parameters.
import { PaillierPublicKey } from '../crypto/paillier.ts';
import type { ThresholdParams } from '../crypto/threshold.ts';
import { equalBytes, toHex } from '../crypto/bytes.ts';
import { ballotLayout, type BallotLayout } from './layout.ts';
import { ManifestIndex, validateManifest, type Manifest } from './manifest.ts';
import { ProtocolError } from './errors.ts';

export class ElectionContext {
  readonly index: ManifestIndex;
  readonly hash: Uint8Array;
  readonly hashHex: string;
  readonly layout: BallotLayout;
  readonly publicKey: PaillierPublicKey;
  /** One object per election: the threshold module caches its tables per params object. */
  readonly threshold: ThresholdParams;

  constructor(readonly manifest: Manifest) {
    validateManifest(manifest);
    this.index = new ManifestIndex(manifest);
    this.hash = this.index.hash;
    this.hashHex = toHex(this.hash);
    this.layout = ballotLayout(manifest);
    this.publicKey = new PaillierPublicKey(manifest.n);
    this.threshold = { n: manifest.n, ...manifest.threshold };
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

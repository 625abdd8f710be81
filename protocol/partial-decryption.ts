// A trustee's partial decryption of the national tally: per tally word, the value
// c^(2*Delta*s_i) with a proof of equality of discrete logs against the trustee's verification
// key, each proof bound to the election, the national tally's hash and the word's index.
import { equalBytes } from '../crypto/bytes.ts';
import { hashParts } from '../crypto/hash.ts';
import { verifyPartial, type PartialDecryption as CryptoPartial } from '../crypto/threshold.ts';
import { defineSignedArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { bigUint, list, struct, text, uint } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { ID_PATTERN, MAX_KEY_BITS, PROTOCOL_VERSION } from './manifest.ts';

export const PartialShareSchema = struct({
  value: bigUint(2 * MAX_KEY_BITS),
  challenge: bigUint(128),
  response: bigUint(4 * MAX_KEY_BITS),
});

export const PartialDecryption = defineSignedArtifact('partial-decryption', {
  version: uint(1),
  electionHash: hash32,
  trusteeId: text(64, ID_PATTERN),
  trusteeIndex: uint(1),
  /** Content hash of the national aggregate tally this decrypts. */
  tallyHash: hash32,
  shares: list(PartialShareSchema, 64),
});
export type PartialDecryption = ArtifactOf<typeof PartialDecryption>;

/** What each word's decryption proof is bound to. */
export function partialContext(electionHash: Uint8Array, tallyHash: Uint8Array, word: number): Uint8Array {
  return hashParts('tallymesh/partial-decryption-context/v1', electionHash, tallyHash, word);
}

export function shareAsPartial(index: number, share: PartialDecryption['shares'][number]): CryptoPartial {
  return { index, value: share.value, proof: { challenge: share.challenge, response: share.response } };
}

/**
 * What can be checked without the tally it decrypts: structure, election, that the signer is the
 * trustee with that index, and the signature. Throws naming the problem.
 */
export function validatePartialSigner(ctx: ElectionContext, partial: PartialDecryption): PartialDecryption {
  PartialDecryption.schema.check(partial, 'partial-decryption');
  if (partial.version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported-version', 'partial-decryption.version', 'unsupported version');
  ctx.checkElection(partial.electionHash, 'partial-decryption');
  const trustee = ctx.index.byId.get(partial.trusteeId);
  if (!trustee || trustee.role !== 'trustee') throw new ProtocolError('unknown-signer', 'partial-decryption.trusteeId', `"${partial.trusteeId}" is not a trustee`);
  if (trustee.trusteeIndex !== partial.trusteeIndex) throw new ProtocolError('inconsistent', 'partial-decryption.trusteeIndex', 'index does not match the roster');
  PartialDecryption.verifySignature(partial, trustee.publicKey);
  return partial;
}

/**
 * Validates a partial decryption of the given national tally words: validatePartialSigner, then
 * the tally it names, one share per word and every word's proof. Throws naming the problem.
 */
export function validatePartialDecryption(ctx: ElectionContext, partial: PartialDecryption, tallyHash: Uint8Array, words: bigint[]): PartialDecryption {
  if (!equalBytes(partial.tallyHash, tallyHash)) {
    throw new ProtocolError('inconsistent', 'partial-decryption.tallyHash', 'decrypts a tally other than the national tally');
  }
  if (partial.shares.length !== words.length) throw new ProtocolError('inconsistent', 'partial-decryption.shares', `expected ${words.length} shares, got ${partial.shares.length}`);
  validatePartialSigner(ctx, partial);
  partial.shares.forEach((share, w) => {
    const ok = verifyPartial(ctx.threshold, words[w]!, shareAsPartial(partial.trusteeIndex, share), partialContext(ctx.hash, tallyHash, w));
    if (!ok) throw new ProtocolError('bad-proof', `partial-decryption.shares[${w}]`, `decryption proof of trustee ${partial.trusteeIndex} for word ${w} does not verify`);
  });
  return partial;
}

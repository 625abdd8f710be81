// A trustee's partial decryption of the national tally: per tally word, the value
// c^(2*Delta*s_i) with a proof of equality of discrete logs against the trustee's verification
// key, each proof bound to the election, the national tally's hash and the word's index.
import { equalBytes } from '../crypto/bytes.ts';
import { hashParts } from '../crypto/hash.ts';
import { verifyPartial, type PartialDecryption as CryptoPartial } from '../crypto/threshold.ts';
import { defineSignedArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { bigUint, list, note, struct, text, uint } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { ID_PATTERN, MAX_KEY_BITS, PROTOCOL_VERSION } from './manifest.ts';

export const PartialShareSchema = struct({
  value: note(bigUint(2 * MAX_KEY_BITS), 'c_i = c^(2Δs_i) mod n², in Z*_{n²}'),
  challenge: note(bigUint(128), 'e < 2^128'),
  response: note(bigUint(4 * MAX_KEY_BITS), 'z < 2^(bits(n²) + 385)'),
});

export const PartialDecryption = defineSignedArtifact('partial-decryption', {
  version: note(uint(1), 'protocol version, 1'),
  electionHash: note(hash32, 'the election hash'),
  trusteeId: note(text(64, ID_PATTERN), 'the trustee that signs'),
  trusteeIndex: note(uint(1), 'that trustee\'s roster trusteeIndex'),
  tallyHash: note(hash32, 'content hash of the national tally decrypted'),
  shares: note(list(PartialShareSchema, 64), 'one per national tally word, in word order'),
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

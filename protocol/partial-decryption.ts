// A trustee's partial decryption of every completed group (completed-groups.ts), made once the
// hierarchy under the national tally checks: per scope and tally word, the value c^(2*Delta*s_i)
// with a proof of equality of discrete logs against the trustee's verification key, each proof
// bound to the election, the hash of the scope node's tally and the word's index.
import { equalBytes } from '../crypto/bytes.ts';
import { hashParts } from '../crypto/hash.ts';
import { verifyPartial, type PartialDecryption as CryptoPartial } from '../crypto/threshold.ts';
import { defineSignedArtifact, hash32, type ArtifactOf } from './artifact.ts';
import { bigUint, list, note, struct, text, uint } from './codec.ts';
import type { ElectionContext } from './election.ts';
import { ProtocolError } from './errors.ts';
import { ID_PATTERN, MAX_KEY_BITS, MAX_ROSTER, PROTOCOL_VERSION } from './manifest.ts';
import type { ScopeGroups } from './completed-groups.ts';

export const PartialShareSchema = struct({
  value: note(bigUint(2 * MAX_KEY_BITS), 'c_i = c^(2Δs_i) mod n², in Z*_{n²}'),
  challenge: note(bigUint(128), 'e < 2^128'),
  response: note(bigUint(4 * MAX_KEY_BITS), 'z < 2^(bits(n²) + 385)'),
});

export const PartialGroupSchema = struct({
  scopeId: note(text(64, ID_PATTERN), 'the scope node'),
  tallyHash: note(hash32, 'content hash of the scope node\'s counted tally'),
  shares: note(list(PartialShareSchema, 64), 'one per word of the scope node\'s own group, in word order'),
});

export const PartialDecryption = defineSignedArtifact('partial-decryption', {
  version: note(uint(1), 'protocol version, 1'),
  electionHash: note(hash32, 'the election hash'),
  trusteeId: note(text(64, ID_PATTERN), 'the trustee that signs'),
  trusteeIndex: note(uint(1), 'that trustee\'s roster trusteeIndex'),
  tallyHash: note(hash32, 'content hash of the national tally whose hierarchy was checked'),
  groups: note(list(PartialGroupSchema, MAX_ROSTER), 'one per scope with contests, in roster order'),
});
export type PartialDecryption = ArtifactOf<typeof PartialDecryption>;

/** What each word's decryption proof is bound to. */
export function partialContext(electionHash: Uint8Array, tallyHash: Uint8Array, word: number): Uint8Array {
  return hashParts('tallymesh/partial-decryption-context/v1', electionHash, tallyHash, word);
}

export function shareAsPartial(index: number, share: PartialDecryption['groups'][number]['shares'][number]): CryptoPartial {
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
 * Validates a partial decryption of the completed groups under the given national tally:
 * validatePartialSigner, then the national tally it names, one group per scope of the election in
 * roster order, and for each scope given in `groups` (a hole is not checked) the same tally, one
 * share per word and every word's proof. Throws naming the problem.
 */
export function validatePartialDecryption(ctx: ElectionContext, partial: PartialDecryption, nationalHash: Uint8Array, groups: ScopeGroups): PartialDecryption {
  if (!equalBytes(partial.tallyHash, nationalHash)) {
    throw new ProtocolError('inconsistent', 'partial-decryption.tallyHash', 'decrypts under a tally other than the national tally');
  }
  const scopes = ctx.scopes.scopes;
  if (partial.groups.length !== scopes.length) throw new ProtocolError('inconsistent', 'partial-decryption.groups', `expected ${scopes.length} groups, got ${partial.groups.length}`);
  scopes.forEach((scope, k) => {
    const mine = partial.groups[k]!;
    const path = `partial-decryption.groups[${k}]`;
    if (mine.scopeId !== scope.scopeId) throw new ProtocolError('inconsistent', `${path}.scopeId`, `expected scope "${scope.scopeId}"`);
    if (mine.shares.length !== scope.wordCount) throw new ProtocolError('inconsistent', `${path}.shares`, `expected ${scope.wordCount} shares, got ${mine.shares.length}`);
    const g = groups[k];
    if (g && !equalBytes(mine.tallyHash, g.tallyHash)) throw new ProtocolError('inconsistent', `${path}.tallyHash`, `decrypts a tally of "${g.scopeId}" other than the counted one`);
  });
  validatePartialSigner(ctx, partial);
  groups.forEach((g, k) => {
    if (!g) return;
    partial.groups[k]!.shares.forEach((share, w) => {
      const ok = verifyPartial(ctx.threshold, g.words[w]!, shareAsPartial(partial.trusteeIndex, share), partialContext(ctx.hash, g.tallyHash, w));
      if (!ok) {
        throw new ProtocolError('bad-proof', `partial-decryption.groups[${k}].shares[${w}]`, `decryption proof of trustee ${partial.trusteeIndex} for scope "${g.scopeId}" word ${w} does not verify`);
      }
    });
  });
  return partial;
}

// Any artifact as it arrives from outside (gossip, a pull, a record export): its type and bytes,
// validated on its own by one validator per type. Each decodes strictly and checks everything
// that can be checked from the artifact and the manifest alone: structure, election, roster
// signer, signature, and proofs where they are self-contained. What needs more (a tally against
// its children, a partial against the national tally) is checked where that is known.
import { toHex } from '../crypto/bytes.ts';
import { contentHash, type ArtifactType } from './artifact.ts';
import { Ballot, validateBallot } from './ballot.ts';
import type { ElectionContext } from './election.ts';
import { validateTally } from './hierarchy.ts';
import { PartialDecryption, validatePartialSigner } from './partial-decryption.ts';
import { Receipt, validateReceipt } from './receipt.ts';
import { Result, validateResult } from './result.ts';
import { AggregateTally, PrecinctTally } from './tally.ts';

/** An artifact's type and canonical bytes, as they travel. */
export interface TypedBytes {
  type: ArtifactType;
  bytes: Uint8Array;
}

export interface ArtifactValues {
  ballot: Ballot;
  receipt: Receipt;
  'precinct-tally': PrecinctTally;
  'aggregate-tally': AggregateTally;
  'partial-decryption': PartialDecryption;
  result: Result;
}

/** A validated artifact: its decoded value, canonical bytes and content hash. */
export type ValidatedArtifact = {
  [K in ArtifactType]: { type: K; value: ArtifactValues[K]; bytes: Uint8Array; hash: Uint8Array; hashHex: string };
}[ArtifactType];

export type TallyArtifact = Extract<ValidatedArtifact, { type: 'precinct-tally' | 'aggregate-tally' }>;

/** Every artifact type's codec (encode, decode, JSON, content hash). */
export const ARTIFACT_CODECS = {
  ballot: Ballot,
  receipt: Receipt,
  'precinct-tally': PrecinctTally,
  'aggregate-tally': AggregateTally,
  'partial-decryption': PartialDecryption,
  result: Result,
} as const satisfies Record<ArtifactType, unknown>;

type Validators = { [K in ArtifactType]: (ctx: ElectionContext, bytes: Uint8Array) => ArtifactValues[K] };

/** One validator per artifact type: strict decode, then every standalone check. */
export const ARTIFACT_VALIDATORS: Validators = {
  ballot: (ctx, bytes) => validateBallot(ctx, Ballot.decode(bytes)),
  receipt: (ctx, bytes) => validateReceipt(ctx, Receipt.decode(bytes)),
  'precinct-tally': (ctx, bytes) => {
    const tally = PrecinctTally.decode(bytes);
    validateTally(ctx, { kind: 'precinct', tally });
    return tally;
  },
  'aggregate-tally': (ctx, bytes) => {
    const tally = AggregateTally.decode(bytes);
    validateTally(ctx, { kind: 'aggregate', tally });
    return tally;
  },
  // Its proofs are bound to the national tally, which the artifact alone does not give.
  'partial-decryption': (ctx, bytes) => validatePartialSigner(ctx, PartialDecryption.decode(bytes)),
  result: (ctx, bytes) => validateResult(ctx, Result.decode(bytes)),
};

/** An already decoded value with its bytes and content hash. */
export function validatedArtifact<K extends ArtifactType>(type: K, value: ArtifactValues[K], bytes: Uint8Array): ValidatedArtifact {
  const hash = contentHash(type, bytes);
  return { type, value, bytes, hash, hashHex: toHex(hash) } as ValidatedArtifact;
}

/** Any artifact on its own. Throws a ProtocolError naming the first problem. */
export function validateArtifact(ctx: ElectionContext, artifact: TypedBytes): ValidatedArtifact {
  const validator = ARTIFACT_VALIDATORS[artifact.type] as (ctx: ElectionContext, bytes: Uint8Array) => ArtifactValues[ArtifactType];
  return validatedArtifact(artifact.type, validator(ctx, artifact.bytes), artifact.bytes);
}

/** The roster node that signed an artifact (for a ballot or receipt, its precinct). */
export function senderOf(a: ValidatedArtifact): string {
  switch (a.type) {
    case 'ballot':
    case 'receipt':
    case 'precinct-tally':
      return a.value.precinctId;
    case 'aggregate-tally':
      return a.value.nodeId;
    case 'partial-decryption':
      return a.value.trusteeId;
    case 'result':
      return a.value.combinerId;
  }
}

/**
 * The equivocation slot: "the one artifact of this kind this signer may publish". One tally per
 * node; one partial per trustee (proofs are randomised, so a trustee's second valid partial is
 * tolerated by the combiner but still recorded as evidence); one result per combiner.
 */
export function slotOf(a: ValidatedArtifact): string {
  return slotKey(a.type, senderOf(a));
}

/** The slot of an artifact type and signer (what pulls by sender look up). */
export function slotKey(type: ArtifactType, sender: string): string {
  return `${type === 'aggregate-tally' || type === 'precinct-tally' ? 'tally' : type}/${sender}`;
}

// What the network accepts, per artifact type and per topic. Each artifact type has one
// validator that decodes strictly and checks everything that can be checked from the artifact
// and the manifest alone (structure, election, roster signer, signature, proofs where
// self-contained). Tally topics add the hierarchy: a tally on parent P's topic must come from a
// child of P. Validators throw; gossip-validation.ts turns what they throw into a verdict.
import { toHex } from '../../crypto/bytes.ts';
import { contentHash, type ArtifactType } from '../../protocol/artifact.ts';
import { Ballot, validateBallot } from '../../protocol/ballot.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { PROTOCOL_VERSION } from '../../protocol/manifest.ts';
import { PartialDecryption } from '../../protocol/partial-decryption.ts';
import { Receipt, validateReceipt } from '../../protocol/receipt.ts';
import { Result, validateResult } from '../../protocol/result.ts';
import { AggregateTally, PrecinctTally, type AnyTally } from '../../protocol/tally.ts';
import { validateAnyTally } from '../../roles/aggregator.ts';
import { decodeEnvelope, EnvelopeError, type Envelope } from './envelope.ts';
import { GossipValidationError } from './gossip-validation.ts';
import type { Topic } from './topics.ts';

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

type Validators = { [K in ArtifactType]: (ctx: ElectionContext, bytes: Uint8Array) => ArtifactValues[K] };

/**
 * A partial decryption's proofs are bound to the national tally, which the network layer does not
 * hold; here only its election, trustee and signature are checked. The combiner checks the proofs
 * (validatePartialDecryption) before it uses a partial.
 */
function validatePartialStandalone(ctx: ElectionContext, partial: PartialDecryption): PartialDecryption {
  if (partial.version !== PROTOCOL_VERSION) throw new ProtocolError('unsupported-version', 'partial-decryption.version', 'unsupported version');
  ctx.checkElection(partial.electionHash, 'partial-decryption');
  const trustee = ctx.index.byId.get(partial.trusteeId);
  if (!trustee || trustee.role !== 'trustee') throw new ProtocolError('unknown-signer', 'partial-decryption.trusteeId', `"${partial.trusteeId}" is not a trustee`);
  if (trustee.trusteeIndex !== partial.trusteeIndex) throw new ProtocolError('inconsistent', 'partial-decryption.trusteeIndex', 'index does not match the roster');
  PartialDecryption.verifySignature(partial, trustee.publicKey);
  return partial;
}

/** One validator per artifact type: strict decode, then every standalone check. */
export const ARTIFACT_VALIDATORS: Validators = {
  ballot: (ctx, bytes) => validateBallot(ctx, Ballot.decode(bytes)),
  receipt: (ctx, bytes) => validateReceipt(ctx, Receipt.decode(bytes)),
  'precinct-tally': (ctx, bytes) => {
    const tally = PrecinctTally.decode(bytes);
    validateAnyTally(ctx, { kind: 'precinct', tally });
    return tally;
  },
  'aggregate-tally': (ctx, bytes) => {
    const tally = AggregateTally.decode(bytes);
    validateAnyTally(ctx, { kind: 'aggregate', tally });
    return tally;
  },
  'partial-decryption': (ctx, bytes) => validatePartialStandalone(ctx, PartialDecryption.decode(bytes)),
  result: (ctx, bytes) => validateResult(ctx, Result.decode(bytes)),
};

function validated<K extends ArtifactType>(type: K, value: ArtifactValues[K], bytes: Uint8Array): ValidatedArtifact {
  const hash = contentHash(type, bytes);
  return { type, value, bytes, hash, hashHex: toHex(hash) } as ValidatedArtifact;
}

/** Any artifact on its own (the board, pulled artifacts). */
export function validateArtifact(ctx: ElectionContext, envelope: Envelope): ValidatedArtifact {
  const validator = ARTIFACT_VALIDATORS[envelope.type] as (ctx: ElectionContext, bytes: Uint8Array) => ArtifactValues[ArtifactType];
  return validated(envelope.type, validator(ctx, envelope.bytes), envelope.bytes);
}

/**
 * A tally on parent P's topic. Cheap checks first (decode, election, roster, hierarchy), the
 * signature last, so junk costs little to refuse.
 */
export function validateTallyForParent(ctx: ElectionContext, parentId: string, envelope: Envelope): ValidatedArtifact {
  let tally: AnyTally;
  if (envelope.type === 'precinct-tally') tally = { kind: 'precinct', tally: PrecinctTally.decode(envelope.bytes) };
  else if (envelope.type === 'aggregate-tally') tally = { kind: 'aggregate', tally: AggregateTally.decode(envelope.bytes) };
  else throw new GossipValidationError('reject', 'wrong-type-for-topic', `a ${envelope.type} has no place on a tally topic`);
  const path = envelope.type;
  ctx.checkElection(tally.tally.electionHash, path);
  const signerId = tally.kind === 'precinct' ? tally.tally.precinctId : tally.tally.nodeId;
  const signer = ctx.index.byId.get(signerId);
  if (!signer) throw new ProtocolError('unknown-signer', path, `"${signerId}" is not in the roster`);
  if (signer.parent !== parentId) throw new GossipValidationError('reject', 'not-child', `"${signerId}" is not a child of "${parentId}"`);
  validateAnyTally(ctx, tally);
  return tally.kind === 'precinct' ? validated('precinct-tally', tally.tally, envelope.bytes) : validated('aggregate-tally', tally.tally, envelope.bytes);
}

export interface GossipCheckOptions {
  maxMessageBytes: number;
  /** True if an artifact with this content hash was already accepted: answered with Ignore. */
  seen: (hashHex: string) => boolean;
}

/** The whole validation of one gossip message on one of our topics. Throws on anything but Accept. */
export function validateGossipMessage(ctx: ElectionContext, topic: Topic, data: Uint8Array, options: GossipCheckOptions): ValidatedArtifact {
  if (data.length > options.maxMessageBytes) {
    throw new GossipValidationError('reject', 'oversize', `${data.length} bytes exceed the gossip limit of ${options.maxMessageBytes}`);
  }
  let envelope: Envelope;
  try {
    envelope = decodeEnvelope(data);
  } catch (err) {
    if (err instanceof EnvelopeError) throw new GossipValidationError('reject', 'bad-envelope', err.message);
    throw err;
  }
  if (options.seen(toHex(contentHash(envelope.type, envelope.bytes)))) {
    throw new GossipValidationError('ignore', 'duplicate', `${envelope.type} already accepted`);
  }
  return topic.kind === 'tallies' ? validateTallyForParent(ctx, topic.parentId, envelope) : validateArtifact(ctx, envelope);
}

// What the network accepts on each topic. The board takes any artifact that passes its type's
// standalone validator (protocol/validated-artifact.ts). Tally topics add the hierarchy: a tally
// on parent P's topic must come from a child of P, checked before the signature so that junk
// costs little to refuse. Validators throw; gossip-validation.ts turns what they throw into a
// verdict.
import { toHex } from '../../crypto/bytes.ts';
import { contentHash } from '../../protocol/artifact.ts';
import type { ElectionContext } from '../../protocol/election.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import { validateTally } from '../../protocol/hierarchy.ts';
import { AggregateTally, PrecinctTally, type AnyTally } from '../../protocol/tally.ts';
import { validateArtifact, validatedArtifact, type ValidatedArtifact } from '../../protocol/validated-artifact.ts';
import { decodeEnvelope, EnvelopeError, type Envelope } from './envelope.ts';
import { GossipValidationError } from './gossip-validation.ts';
import type { Topic } from './topics.ts';

/** A tally on parent P's topic: decode, election, roster, hierarchy, then the signature. */
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
  validateTally(ctx, tally);
  return tally.kind === 'precinct' ? validatedArtifact('precinct-tally', tally.tally, envelope.bytes) : validatedArtifact('aggregate-tally', tally.tally, envelope.bytes);
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

// Validation outcomes of gossip, in the style of Lodestar: validators throw an error that carries
// an action (reject: the sender is penalised; ignore: dropped without penalty) and a stable code,
// and ONE function (gossipOutcome) maps whatever a validator threw to gossipsub's
// TopicValidatorResult and the metrics label. Nothing else decides Accept/Reject/Ignore.
import { TopicValidatorResult } from '@libp2p/interface';
import { TallyMeshError } from '../../errors/tallymesh-error.ts';
import { ProtocolError } from '../../protocol/errors.ts';
import type { NetworkMetrics } from './metrics.ts';
import type { TopicKind } from './topics.ts';

export type GossipAction = 'reject' | 'ignore';

/** Codes of the network layer itself; ProtocolError codes (bad-signature, ...) pass through. */
export type GossipErrorCode =
  | 'bad-envelope'
  | 'oversize'
  | 'unknown-topic'
  | 'wrong-topic'
  | 'wrong-type-for-topic'
  | 'not-child'
  | 'duplicate'
  | 'result-pending'
  | 'result-refused'
  | 'internal-error';

export class GossipValidationError extends TallyMeshError {
  override readonly name = 'GossipValidationError';
  declare readonly code: GossipErrorCode | ProtocolError['code'];
  constructor(
    readonly action: GossipAction,
    code: GossipErrorCode | ProtocolError['code'],
    detail: string,
  ) {
    super(code, `${action} (${code}): ${detail}`);
  }
}

export interface GossipOutcome {
  result: TopicValidatorResult;
  action: 'accept' | GossipAction;
  code: string;
}

/**
 * The one mapping from a validator's outcome to gossipsub's verdict. No error: Accept. A
 * GossipValidationError: its action. A ProtocolError (malformed, wrong election, unknown signer,
 * bad signature, ...): Reject, as the peer sent something no honest node would. Anything else is
 * our own failure and must not cost the peer score: Ignore.
 */
export function gossipOutcome(error?: unknown): GossipOutcome {
  if (error === undefined) return { result: TopicValidatorResult.Accept, action: 'accept', code: 'ok' };
  if (error instanceof GossipValidationError) {
    return error.action === 'reject'
      ? { result: TopicValidatorResult.Reject, action: 'reject', code: error.code }
      : { result: TopicValidatorResult.Ignore, action: 'ignore', code: error.code };
  }
  if (error instanceof ProtocolError) return { result: TopicValidatorResult.Reject, action: 'reject', code: error.code };
  return { result: TopicValidatorResult.Ignore, action: 'ignore', code: 'internal-error' };
}

/** Counts an outcome: every message by topic kind and action, rejections and ignores by code. */
export function recordOutcome(metrics: NetworkMetrics, topic: TopicKind | 'unknown', outcome: GossipOutcome): void {
  metrics.gossipMessages.inc({ topic, result: outcome.action });
  if (outcome.action === 'reject') metrics.gossipRejected.inc({ reason: outcome.code });
  if (outcome.action === 'ignore') metrics.gossipIgnored.inc({ reason: outcome.code });
}

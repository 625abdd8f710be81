// Every rejection of an artifact is a ProtocolError with a stable code and the path of the
// offending field, so that callers (REST, gossip validators, the verifier) can map it to a
// response without parsing messages.
import { TallyMeshError } from '../errors/tallymesh-error.ts';

export const PROTOCOL_ERROR_CODES = [
  'wrong-type',
  'unknown-field',
  'missing-field',
  'oversize',
  'out-of-range',
  'non-canonical',
  'truncated',
  'trailing-bytes',
  'unsupported-version',
  'wrong-election',
  'ciphertext-out-of-range',
  'bad-signature',
  'unknown-signer',
  'bad-proof',
  'invalid-choice',
  'unknown-ballot-style',
  'off-style',
  'invalid-voter-id',
  'inconsistent',
] as const;
export type ProtocolErrorCode = (typeof PROTOCOL_ERROR_CODES)[number];

export class ProtocolError extends TallyMeshError {
  override readonly name = 'ProtocolError';
  declare readonly code: ProtocolErrorCode;
  constructor(
    code: ProtocolErrorCode,
    readonly path: string,
    detail: string,
  ) {
    super(code, `${path || 'artifact'}: ${detail}`);
  }
}

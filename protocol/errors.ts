// Every rejection of an artifact is a ProtocolError with a stable code and the path of the
// offending field, so that callers (REST, gossip validators, the verifier) can map it to a
// response without parsing messages.

export type ProtocolErrorCode =
  | 'wrong-type'
  | 'unknown-field'
  | 'missing-field'
  | 'oversize'
  | 'out-of-range'
  | 'non-canonical'
  | 'truncated'
  | 'trailing-bytes'
  | 'unsupported-version'
  | 'wrong-election'
  | 'ciphertext-out-of-range'
  | 'bad-signature'
  | 'unknown-signer'
  | 'bad-proof'
  | 'invalid-choice'
  | 'inconsistent';

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  constructor(
    readonly code: ProtocolErrorCode,
    readonly path: string,
    detail: string,
  ) {
    super(`${path || 'artifact'}: ${detail}`);
  }
}

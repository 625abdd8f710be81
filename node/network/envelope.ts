// The envelope every artifact travels in, on gossip and in pull responses alike:
//
//   byte 0      envelope version (1)
//   byte 1      artifact type: index into ARTIFACT_TYPES
//               (0 ballot, 1 receipt, 2 precinct-tally, 3 aggregate-tally, 4 partial-decryption, 5 result)
//   bytes 2..   the artifact's canonical bytes (protocol codecs)
//
// Binary rather than JSON so that the bytes inside are exactly the canonical bytes whose content
// hash names the artifact, with nothing to normalise. Decoding is strict: another version or an
// unknown type is an error (the caller decides what that costs the sender).
import { TallyMeshError } from '../../errors/tallymesh-error.ts';
import { ARTIFACT_TYPES } from '../../protocol/artifact.ts';
import type { TypedBytes } from '../../protocol/validated-artifact.ts';

export const ENVELOPE_VERSION = 1;
const HEADER = 2;

/** What an envelope carries: an artifact's type and canonical bytes. */
export type Envelope = TypedBytes;

export class EnvelopeError extends TallyMeshError {
  override readonly name = 'EnvelopeError';
  constructor(message: string) {
    super('bad-envelope', message);
  }
}

export function encodeEnvelope(envelope: Envelope): Uint8Array {
  const index = ARTIFACT_TYPES.indexOf(envelope.type);
  if (index < 0) throw new EnvelopeError(`unknown artifact type "${envelope.type}"`);
  const out = new Uint8Array(HEADER + envelope.bytes.length);
  out[0] = ENVELOPE_VERSION;
  out[1] = index;
  out.set(envelope.bytes, HEADER);
  return out;
}

/** The envelope's type and a view of its artifact bytes (no copy; a plain Uint8Array even when
 * the transport handed us a Buffer, so callers compare and store one kind of byte array). */
export function decodeEnvelope(data: Uint8Array): Envelope {
  if (data.length < HEADER) throw new EnvelopeError('envelope shorter than its header');
  if (data[0] !== ENVELOPE_VERSION) throw new EnvelopeError(`envelope version ${data[0]} is not supported`);
  const type = ARTIFACT_TYPES[data[1]!];
  if (type === undefined) throw new EnvelopeError(`unknown artifact type index ${data[1]}`);
  return { type, bytes: new Uint8Array(data.buffer, data.byteOffset + HEADER, data.byteLength - HEADER) };
}

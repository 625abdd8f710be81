// What every artifact type shares: a name, a schema, canonical bytes, a content hash and, for
// signed artifacts, an Ed25519 signature over the canonical bytes of the body (every field but
// the signature) under the artifact type's own signature domain.
import { hashParts } from '../crypto/hash.ts';
import { sign, verifySignature } from '../crypto/signature.ts';
import { decode, encode, fixedBytes, note, struct, type Infer, type Schema, type StructOf } from './codec.ts';
import { ProtocolError } from './errors.ts';

export const ARTIFACT_TYPES = ['ballot', 'receipt', 'precinct-tally', 'aggregate-tally', 'partial-decryption', 'result'] as const;
export type ArtifactType = (typeof ARTIFACT_TYPES)[number];

export const HASH_BYTES = 32;
export const hash32 = fixedBytes(HASH_BYTES);

export interface ArtifactCodec<T> {
  readonly type: ArtifactType;
  readonly schema: Schema<T>;
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  fromJSON(json: unknown): T;
  toJSON(value: T): unknown;
  /** SHA-256 content hash: how artifacts are named, stored, pulled and referenced. */
  hash(value: T): Uint8Array;
}

export function contentHash(type: ArtifactType, bytes: Uint8Array): Uint8Array {
  return hashParts('tallymesh/artifact/v1', type, bytes);
}

export function defineArtifact<T>(type: ArtifactType, schema: Schema<T>): ArtifactCodec<T> {
  return {
    type,
    schema,
    encode: (value) => encode(schema, value, type),
    decode: (bytes) => decode(schema, bytes, type),
    fromJSON: (json) => schema.fromJSON(json, type),
    toJSON: (value) => schema.toJSON(value),
    hash: (value) => contentHash(type, encode(schema, value, type)),
  };
}

type Fields = Record<string, Schema<any>>;
export type Signed<B> = B & { signature: Uint8Array };

export interface SignedArtifactCodec<F extends Fields> extends ArtifactCodec<Signed<StructOf<F>>> {
  readonly body: Schema<StructOf<F>>;
  sign(body: StructOf<F>, secretKey: Uint8Array): Signed<StructOf<F>>;
  /** Throws ProtocolError 'bad-signature' unless the signature is the signer's over the body. */
  verifySignature(value: Signed<StructOf<F>>, publicKey: Uint8Array): void;
}

export function defineSignedArtifact<F extends Fields>(type: ArtifactType, fields: F): SignedArtifactCodec<F> {
  const body = struct(fields);
  const full = struct({ ...fields, signature: note(fixedBytes(64), 'Ed25519 signature by the signer\'s roster key over every field above (see "Signatures")') }) as unknown as Schema<Signed<StructOf<F>>>;
  const bodyBytes = (value: StructOf<F>): Uint8Array => {
    const { signature: _ignored, ...rest } = value as StructOf<F> & { signature?: Uint8Array };
    return encode(body, rest as StructOf<F>, type);
  };
  return {
    ...defineArtifact(type, full),
    body,
    sign: (value, secretKey) => ({ ...value, signature: sign(type, bodyBytes(value), secretKey) }),
    verifySignature: (value, publicKey) => {
      if (!verifySignature(type, bodyBytes(value), value.signature, publicKey)) {
        throw new ProtocolError('bad-signature', `${type}.signature`, 'signature does not verify under the signer\'s roster key');
      }
    },
  };
}

export type ArtifactOf<C> = C extends ArtifactCodec<infer T> ? T : never;
export type { Infer };

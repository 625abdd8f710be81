// Ed25519 signatures (RFC 8032) over canonical bytes with a domain-separation prefix per artifact
// type: the signed message is "tallymesh/sig/v1/<domain>\0" || bytes, so a signature on one kind
// of artifact can never be presented as a signature on another.
//
// Implementation: Node's bundled OpenSSL (pure Ed25519, deterministic, strict RFC 8032
// verification). DESIGN.md named @noble/ed25519; we deviate because OpenSSL signs and verifies
// about 12x faster here (bench/RESULTS.md), and verifying every tally signature of a U.S.-scale
// record (about 180,000) must take a minute, not fifteen. The signatures are the same bytes
// (Ed25519 signing is deterministic); a test cross-checks them with @noble/ed25519.
import { createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { concatBytes, utf8 } from './bytes.ts';

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

export interface SigningKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

// Keys are imported raw, as JWK members (RFC 8037), not as PKCS#8/SPKI DER: OpenSSL 3's DER
// decoder costs 0.1-0.7 ms per key against 0.02-0.06 ms, and a U.S.-scale run imports every one
// of ~178,000 node keys in several threads. A private key's JWK needs an `x` member, which Node
// checks for presence and length but does not use: OpenSSL derives the public key from `d`
// (the RFC 8032 and @noble/ed25519 tests pin this). Import only: on Node 20.20,
// generateKeyPairSync('ed25519') followed by a JWK export was seen to deadlock.
const UNUSED_X = Buffer.alloc(PUBLIC_KEY_BYTES).toString('base64url');

// Key objects are cached per key array: building one costs more than a signature.
const privateKeys = new WeakMap<Uint8Array, KeyObject>();
const publicKeys = new WeakMap<Uint8Array, KeyObject>();

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');

function privateKeyObject(secretKey: Uint8Array): KeyObject {
  let key = privateKeys.get(secretKey);
  if (!key) {
    if (secretKey.length !== SECRET_KEY_BYTES) throw new RangeError('an Ed25519 secret key is 32 bytes');
    key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: base64url(secretKey), x: UNUSED_X }, format: 'jwk' });
    privateKeys.set(secretKey, key);
  }
  return key;
}

function publicKeyObject(publicKey: Uint8Array): KeyObject {
  let key = publicKeys.get(publicKey);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(publicKey) }, format: 'jwk' });
    publicKeys.set(publicKey, key);
  }
  return key;
}

export function signingKeyFromSecret(secretKey: Uint8Array): SigningKeyPair {
  const { x } = createPublicKey(privateKeyObject(secretKey)).export({ format: 'jwk' });
  if (typeof x !== 'string') throw new Error('Ed25519 public key export without x');
  return { secretKey, publicKey: new Uint8Array(Buffer.from(x, 'base64url')) };
}

export function generateSigningKey(): SigningKeyPair {
  return signingKeyFromSecret(new Uint8Array(randomBytes(SECRET_KEY_BYTES)));
}

function framed(domain: string, message: Uint8Array): Uint8Array {
  if (!/^[a-z0-9-]+$/.test(domain)) throw new RangeError('signature domain must be lowercase words and dashes');
  return concatBytes(utf8(`tallymesh/sig/v1/${domain}\0`), message);
}

export function sign(domain: string, message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return new Uint8Array(nodeSign(null, framed(domain, message), privateKeyObject(secretKey)));
}

/** False for a wrong or malformed signature or key; never throws on bad input. */
export function verifySignature(domain: string, message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (!(signature instanceof Uint8Array) || !(publicKey instanceof Uint8Array)) return false;
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  try {
    return nodeVerify(null, framed(domain, message), publicKeyObject(publicKey), signature);
  } catch {
    return false;
  }
}

// Ed25519 signatures (RFC 8032, @noble/ed25519) over canonical bytes with a domain-separation
// prefix per artifact type: the signed message is "tallymesh/sig/v1/<domain>\0" || bytes, so a
// signature on one kind of artifact can never be presented as a signature on another.
import { createHash, randomBytes } from 'node:crypto';
import * as ed from '@noble/ed25519';
import { concatBytes, utf8 } from './bytes.ts';

ed.hashes.sha512 = (message: Uint8Array) => new Uint8Array(createHash('sha512').update(message).digest());

export const PUBLIC_KEY_BYTES = 32;
export const SECRET_KEY_BYTES = 32;
export const SIGNATURE_BYTES = 64;

export interface SigningKeyPair {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export function generateSigningKey(): SigningKeyPair {
  const secretKey = new Uint8Array(randomBytes(SECRET_KEY_BYTES));
  return { secretKey, publicKey: ed.getPublicKey(secretKey) };
}

export function signingKeyFromSecret(secretKey: Uint8Array): SigningKeyPair {
  if (secretKey.length !== SECRET_KEY_BYTES) throw new RangeError('an Ed25519 secret key is 32 bytes');
  return { secretKey, publicKey: ed.getPublicKey(secretKey) };
}

function framed(domain: string, message: Uint8Array): Uint8Array {
  if (!/^[a-z0-9-]+$/.test(domain)) throw new RangeError('signature domain must be lowercase words and dashes');
  return concatBytes(utf8(`tallymesh/sig/v1/${domain}\0`), message);
}

export function sign(domain: string, message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  return ed.sign(framed(domain, message), secretKey);
}

/** False for a wrong or malformed signature or key; never throws on bad input. */
export function verifySignature(domain: string, message: Uint8Array, signature: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_BYTES || publicKey.length !== PUBLIC_KEY_BYTES) return false;
  try {
    return ed.verify(signature, framed(domain, message), publicKey);
  } catch {
    return false;
  }
}

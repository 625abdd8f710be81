import { createPrivateKey, createPublicKey, randomBytes, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex, utf8 } from '../../../crypto/bytes.ts';
import {
  PUBLIC_KEY_BYTES,
  SIGNATURE_BYTES,
  generateSigningKey,
  sign,
  signingKeyFromSecret,
  verifySignature,
} from '../../../crypto/signature.ts';
import { flipBit } from '../../support/fixtures.ts';

// RFC 8032 §7.1, test 1.
const RFC_SECRET = fromHex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const RFC_PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a';
const RFC_EMPTY_SIGNATURE =
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b';
// Group order L of Ed25519.
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

const message = utf8('canonical bytes of some artifact');

describe('Ed25519 signatures', () => {
  it('derives the RFC 8032 public key and produces the RFC signature over the framed message', () => {
    const kp = signingKeyFromSecret(RFC_SECRET);
    expect(toHex(kp.publicKey)).toBe(RFC_PUBLIC);
    // Independent check with Node's own Ed25519: the signed message is "tallymesh/sig/v1/<domain>\0" || bytes.
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(RFC_SECRET)]);
    const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
    const framed = concatBytes(utf8('tallymesh/sig/v1/receipt\0'), message);
    expect(toHex(sign('receipt', message, RFC_SECRET))).toBe(toHex(nodeSign(null, framed, key)));
    // And the framing is really there: the RFC's signature of the empty message is not ours.
    expect(toHex(nodeSign(null, new Uint8Array(), key))).toBe(RFC_EMPTY_SIGNATURE);
    expect(verifySignature('receipt', new Uint8Array(), fromHex(RFC_EMPTY_SIGNATURE), kp.publicKey)).toBe(false);
  });

  it('sign / verify round trip', () => {
    const kp = generateSigningKey();
    expect(kp.publicKey).toHaveLength(PUBLIC_KEY_BYTES);
    const sig = sign('precinct-tally', message, kp.secretKey);
    expect(sig).toHaveLength(SIGNATURE_BYTES);
    expect(verifySignature('precinct-tally', message, sig, kp.publicKey)).toBe(true);
    // Deterministic (RFC 8032).
    expect(toHex(sign('precinct-tally', message, kp.secretKey))).toBe(toHex(sig));
    // The empty message too.
    expect(verifySignature('result', new Uint8Array(), sign('result', new Uint8Array(), kp.secretKey), kp.publicKey)).toBe(true);
  });

  it('a signature from one domain fails under every other domain (domain separation)', () => {
    const kp = generateSigningKey();
    const domains = ['ballot', 'receipt', 'precinct-tally', 'aggregate-tally', 'partial-decryption', 'result'];
    for (const d of domains) {
      const sig = sign(d, message, kp.secretKey);
      for (const other of domains) expect(verifySignature(other, message, sig, kp.publicKey), `${d} under ${other}`).toBe(d === other);
    }
    // Prefix-like domains are distinct too.
    expect(verifySignature('receipts', message, sign('receipt', message, kp.secretKey), kp.publicKey)).toBe(false);
  });

  it('a tampered message fails', () => {
    const kp = generateSigningKey();
    const sig = sign('receipt', message, kp.secretKey);
    for (let i = 0; i < message.length; i += 7) expect(verifySignature('receipt', flipBit(message, i, i % 8), sig, kp.publicKey)).toBe(false);
    expect(verifySignature('receipt', concatBytes(message, new Uint8Array([0])), sig, kp.publicKey)).toBe(false);
    expect(verifySignature('receipt', message.subarray(0, message.length - 1), sig, kp.publicKey)).toBe(false);
    expect(verifySignature('receipt', new Uint8Array(), sig, kp.publicKey)).toBe(false);
  });

  it('a tampered signature fails (R half and S half)', () => {
    const kp = generateSigningKey();
    const sig = sign('receipt', message, kp.secretKey);
    for (const i of [0, 5, 31, 32, 40, 63]) expect(verifySignature('receipt', message, flipBit(sig, i, 3), kp.publicKey), `byte ${i}`).toBe(false);
  });

  it('a malleated signature (S + L) fails', () => {
    const kp = generateSigningKey();
    const sig = sign('receipt', message, kp.secretKey);
    const s = BigInt('0x' + Buffer.from(sig.subarray(32)).reverse().toString('hex'));
    const s2 = s + L;
    expect(s2).toBeLessThan(1n << 256n);
    const le = Buffer.from(s2.toString(16).padStart(64, '0'), 'hex').reverse();
    const malleated = concatBytes(sig.subarray(0, 32), new Uint8Array(le));
    expect(verifySignature('receipt', message, malleated, kp.publicKey)).toBe(false);
  });

  it('a wrong or tampered key fails', () => {
    const kp = generateSigningKey();
    const other = generateSigningKey();
    const sig = sign('receipt', message, kp.secretKey);
    expect(verifySignature('receipt', message, sig, other.publicKey)).toBe(false);
    expect(verifySignature('receipt', message, sig, flipBit(kp.publicKey, 3, 1))).toBe(false);
    expect(verifySignature('receipt', message, sign('receipt', message, other.secretKey), kp.publicKey)).toBe(false);
  });

  it('malformed lengths return false and never throw', () => {
    const kp = generateSigningKey();
    const sig = sign('receipt', message, kp.secretKey);
    for (const bad of [new Uint8Array(), sig.subarray(0, 63), concatBytes(sig, new Uint8Array([0])), new Uint8Array(128)]) {
      expect(() => verifySignature('receipt', message, bad, kp.publicKey)).not.toThrow();
      expect(verifySignature('receipt', message, bad, kp.publicKey)).toBe(false);
    }
    for (const bad of [new Uint8Array(), kp.publicKey.subarray(0, 31), concatBytes(kp.publicKey, new Uint8Array([0])), new Uint8Array(64)]) {
      expect(() => verifySignature('receipt', message, sig, bad)).not.toThrow();
      expect(verifySignature('receipt', message, sig, bad)).toBe(false);
    }
  });

  it('keys that are not curve points, and all-zero or all-0xff inputs, return false and never throw', () => {
    const kp = generateSigningKey();
    const sig = sign('receipt', message, kp.secretKey);
    const notAPoint = new Uint8Array(32).fill(0xff);
    for (const key of [new Uint8Array(32), notAPoint, fromHex('0200000000000000000000000000000000000000000000000000000000000000')]) {
      expect(() => verifySignature('receipt', message, sig, key)).not.toThrow();
      expect(verifySignature('receipt', message, sig, key)).toBe(false);
    }
    for (const s of [new Uint8Array(64), new Uint8Array(64).fill(0xff)]) {
      expect(() => verifySignature('receipt', message, s, kp.publicKey)).not.toThrow();
      expect(verifySignature('receipt', message, s, kp.publicKey)).toBe(false);
    }
  });

  it('an invalid domain is refused when signing and returns false when verifying', () => {
    const kp = generateSigningKey();
    expect(() => sign('Receipt', message, kp.secretKey)).toThrow(RangeError);
    expect(() => sign('receipt\0x', message, kp.secretKey)).toThrow(RangeError);
    expect(() => sign('', message, kp.secretKey)).toThrow(RangeError);
    const sig = sign('receipt', message, kp.secretKey);
    expect(() => verifySignature('bad domain', message, sig, kp.publicKey)).not.toThrow();
    expect(verifySignature('bad domain', message, sig, kp.publicKey)).toBe(false);
  });

  it('a secret key must be 32 bytes', () => {
    expect(() => signingKeyFromSecret(new Uint8Array(31))).toThrow(RangeError);
    expect(() => signingKeyFromSecret(new Uint8Array(64))).toThrow(RangeError);
  });
});

describe('raw (JWK) key import', () => {
  // crypto/signature.ts imports keys as JWK members; these pin it to the DER (PKCS#8 / SPKI)
  // import that Node documents, for many random keys.
  const PKCS8 = Buffer.from('302e020100300506032b657004220420', 'hex');
  const SPKI = Buffer.from('302a300506032b6570032100', 'hex');

  it('derives the same public key and signs the same bytes as a DER-imported private key', () => {
    for (let i = 0; i < 20; i++) {
      const secretKey = new Uint8Array(randomBytes(32));
      const der = createPrivateKey({ key: Buffer.concat([PKCS8, secretKey]), format: 'der', type: 'pkcs8' });
      const spki = createPublicKey(der).export({ format: 'der', type: 'spki' });
      expect(toHex(signingKeyFromSecret(secretKey).publicKey)).toBe(toHex(new Uint8Array(spki.subarray(12))));
      const framedMessage = concatBytes(utf8('tallymesh/sig/v1/precinct-tally\0'), message);
      // A fresh copy of the key: the private key object is built from it here, not taken from a cache.
      expect(toHex(sign('precinct-tally', message, new Uint8Array(secretKey)))).toBe(toHex(nodeSign(null, framedMessage, der)));
    }
  });

  it('verifies exactly what a DER-imported public key verifies', () => {
    for (let i = 0; i < 20; i++) {
      const kp = generateSigningKey();
      const spki = createPublicKey({ key: Buffer.concat([SPKI, kp.publicKey]), format: 'der', type: 'spki' });
      const sig = sign('receipt', message, kp.secretKey);
      const framedMessage = concatBytes(utf8('tallymesh/sig/v1/receipt\0'), message);
      const tampered = flipBit(sig, i, i % 8);
      for (const s of [sig, tampered]) {
        expect(verifySignature('receipt', message, s, new Uint8Array(kp.publicKey))).toBe(nodeVerify(null, framedMessage, spki, s));
      }
      expect(verifySignature('receipt', message, sig, kp.publicKey)).toBe(true);
      expect(verifySignature('receipt', message, tampered, kp.publicKey)).toBe(false);
    }
  });

  it('reads keys through array views (byteOffset)', () => {
    const kp = generateSigningKey();
    const buffer = new Uint8Array(96);
    buffer.set(kp.secretKey, 7);
    buffer.set(kp.publicKey, 50);
    const secretView = buffer.subarray(7, 39);
    const publicView = buffer.subarray(50, 82);
    expect(toHex(signingKeyFromSecret(secretView).publicKey)).toBe(toHex(kp.publicKey));
    const sig = sign('result', message, secretView);
    expect(toHex(sig)).toBe(toHex(sign('result', message, kp.secretKey)));
    expect(verifySignature('result', message, sig, publicView)).toBe(true);
  });
});

describe('cross-check with @noble/ed25519', () => {
  it('produces the same public keys and signatures as an independent RFC 8032 implementation', async () => {
    const ed = await import('@noble/ed25519');
    const { createHash } = await import('node:crypto');
    ed.hashes.sha512 = (m: Uint8Array) => new Uint8Array(createHash('sha512').update(m).digest());
    const { generateSigningKey, sign, verifySignature } = await import('../../../crypto/signature.ts');
    for (let i = 0; i < 5; i++) {
      const { secretKey, publicKey } = generateSigningKey();
      expect(Buffer.from(ed.getPublicKey(secretKey))).toEqual(Buffer.from(publicKey));
      const message = new Uint8Array([i, 1, 2, 3]);
      const sig = sign('receipt', message, secretKey);
      const framedMessage = Buffer.concat([Buffer.from('tallymesh/sig/v1/receipt\0'), message]);
      expect(Buffer.from(ed.sign(framedMessage, secretKey))).toEqual(Buffer.from(sig));
      expect(ed.verify(sig, framedMessage, publicKey)).toBe(true);
      expect(verifySignature('receipt', message, sig, publicKey)).toBe(true);
    }
  });
});

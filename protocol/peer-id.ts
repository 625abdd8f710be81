// The libp2p PeerId of an Ed25519 key, computed without libp2p so that the verifier (which
// needs only crypto/ and protocol/) can check the roster: base58btc of the identity multihash
// of the protobuf-encoded public key { Type: Ed25519 (1), Data: key }.
import { bytesToBigint, concatBytes } from '../crypto/bytes.ts';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
// identity multihash (0x00), length 36, then protobuf: field 1 varint 1 (Ed25519), field 2 bytes(32)
const PREFIX = new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);

// 58^9 < 2^53: the number is split into chunks of nine base-58 digits with a few BigInt
// divisions, each chunk converted in plain arithmetic (a roster of 178,000 keys made digit-by-digit
// BigInt division the slowest part of validating a U.S.-scale manifest).
const CHUNK = 58n ** 9n;

export function base58btc(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let value = bytesToBigint(bytes);
  let out = '';
  while (value > 0n) {
    let chunk = Number(value % CHUNK);
    value /= CHUNK;
    let digits = '';
    for (let k = 0; k < 9 && (chunk > 0 || value > 0n); k++) {
      digits = ALPHABET[chunk % 58] + digits;
      chunk = Math.floor(chunk / 58);
    }
    out = digits + out;
  }
  return '1'.repeat(zeros) + out;
}

export function peerIdFromEd25519(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return base58btc(concatBytes(PREFIX, publicKey));
}

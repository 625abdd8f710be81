// The libp2p PeerId of an Ed25519 key, computed without libp2p so that the verifier (which
// needs only crypto/ and protocol/) can check the roster: base58btc of the identity multihash
// of the protobuf-encoded public key { Type: Ed25519 (1), Data: key }.
import { concatBytes } from '../crypto/bytes.ts';

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
// identity multihash (0x00), length 36, then protobuf: field 1 varint 1 (Ed25519), field 2 bytes(32)
const PREFIX = new Uint8Array([0x00, 0x24, 0x08, 0x01, 0x12, 0x20]);

export function base58btc(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  let out = '';
  while (value > 0n) {
    out = ALPHABET[Number(value % 58n)] + out;
    value /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

export function peerIdFromEd25519(publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  return base58btc(concatBytes(PREFIX, publicKey));
}

// The UTF-8 helpers the canonical encoding is built on: the length computed without encoding must
// be the length TextEncoder writes, surrogates (paired, lone, reversed) included.
import { describe, expect, it } from 'vitest';
import { utf8, utf8Into, utf8Length } from '../../../crypto/bytes.ts';

const SAMPLES = ['', 'a', 'precinct-01-001-002', 'é', 'Ωmega', '€', '中文', '😀', 'a😀b', '\ud800', 'x\udc00y', '\udc00\ud800', '\ud83d', '\ud83d\ude00\ud83d', '\u0000\u007f\u0080\u07ff\u0800\uffff'];

describe('utf8Length', () => {
  it('equals the byte length TextEncoder writes, for every kind of code unit', () => {
    for (const s of SAMPLES) expect(utf8Length(s), JSON.stringify(s)).toBe(new TextEncoder().encode(s).length);
  });

  it('counts a lone surrogate as U+FFFD (3 bytes), as the encoder writes it', () => {
    expect(utf8('\ud800')).toEqual(new Uint8Array([0xef, 0xbf, 0xbd]));
    expect(utf8Length('\ud800')).toBe(3);
  });
});

describe('utf8Into', () => {
  it('writes the same bytes as utf8() and returns their count', () => {
    for (const s of SAMPLES) {
      const into = new Uint8Array(3 * s.length + 1);
      const n = utf8Into(s, into);
      expect(into.subarray(0, n)).toEqual(utf8(s));
      expect(n).toBe(utf8Length(s));
    }
  });
});

// What a voter id may be. The precinct keeps one ballot per voter id (its poll book decides who may
// vote; the id is how the poll book names them), so two ids that look the same must be the same
// and two that differ must stay different:
//   - well-formed Unicode (a lone surrogate, which JSON allows, is refused, never replaced);
//   - normalised to NFC, so canonically equivalent spellings are one id;
//   - 1 to 128 code points, at most 512 bytes of UTF-8, no leading or trailing space;
//   - letters, marks, digits, punctuation, symbols and the space U+0020 only: no control or
//     format characters, no other spaces or line breaks.
import { utf8 } from '../crypto/bytes.ts';
import { ProtocolError } from './errors.ts';

export const VOTER_ID_MAX_CODE_POINTS = 128;
export const VOTER_ID_MAX_BYTES = 512;
const ALLOWED = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]+$/u;

/** The voter id in its one form (NFC); throws ProtocolError 'invalid-voter-id' saying why not. */
export function normalizeVoterId(value: unknown): string {
  const fail = (why: string): never => {
    throw new ProtocolError('invalid-voter-id', 'voterId', why);
  };
  if (typeof value !== 'string') return fail('must be a string');
  if (!value.isWellFormed()) return fail('is not well-formed Unicode (it holds a lone surrogate)');
  const id = value.normalize('NFC');
  const points = [...id].length;
  if (points === 0) return fail('is empty');
  if (points > VOTER_ID_MAX_CODE_POINTS) return fail(`has ${points} characters, more than ${VOTER_ID_MAX_CODE_POINTS}`);
  if (utf8(id).length > VOTER_ID_MAX_BYTES) return fail(`is more than ${VOTER_ID_MAX_BYTES} bytes of UTF-8`);
  if (id !== id.trim()) return fail('starts or ends with white space');
  if (!ALLOWED.test(id)) return fail('holds a control, format or separator character other than the space');
  return id;
}

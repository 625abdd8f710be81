// The election record as a folder, read for the verifier (protocol/verify/record-source.ts) with
// the care a hostile folder needs: only regular files are read (a FIFO, a device, a symbolic link
// or a folder where a file should be is a named failure, never a hang), each within a size limit
// checked before reading; a file that does not decode is a failure naming the file and why; and
// a file that fits no artifact of the layout is reported. File names bind: the tally of node X
// is read only from X's file.
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../errors/tallymesh-error.ts';
import { Ballot } from '../protocol/ballot.ts';
import { ManifestSchema, type Manifest, type RosterEntry } from '../protocol/manifest.ts';
import { PartialDecryption } from '../protocol/partial-decryption.ts';
import { decodeFramed } from '../protocol/record.ts';
import { Result } from '../protocol/result.ts';
import { AggregateTally, PrecinctTally, type AnyTally } from '../protocol/tally.ts';
import { recordFile, type Read, type RecordSource, type Stray } from '../protocol/verify/record-source.ts';
import { decode } from '../protocol/codec.ts';

const MiB = 1024 * 1024;

/** The most bytes read from each kind of file (docs/protocol.md, "The election record"). */
export const RECORD_FILE_LIMITS = {
  manifest: 256 * MiB,
  manifestView: 1024 * MiB,
  ballots: 1024 * MiB,
  tally: 16 * MiB,
  // A U.S.-scale partial holds ~3,400 words of two ~512-byte integers each (3.7 MB), a real
  // 2026 ballot's perhaps three times that; the result and its view grow with the contests.
  partial: 64 * MiB,
  result: 64 * MiB,
  resultView: 256 * MiB,
} as const;

const kindOf = (s: Stats): string =>
  s.isFIFO() ? 'a FIFO' : s.isSymbolicLink() ? 'a symbolic link' : s.isDirectory() ? 'a folder' : s.isSocket() ? 'a socket' : s.isCharacterDevice() || s.isBlockDevice() ? 'a device' : 'not a regular file';

type Bytes = { ok: true; bytes: Uint8Array } | { ok: false; reason: string } | undefined;

/** A file's bytes, or why it cannot be read, or undefined when it does not exist. */
export function readRecordBytes(path: string, limit: number): Bytes {
  let st: Stats;
  try {
    st = lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return { ok: false, reason: `cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})` };
  }
  if (!st.isFile()) return { ok: false, reason: `is ${kindOf(st)}, not a regular file` };
  if (st.size > limit) return { ok: false, reason: `is ${st.size} bytes, more than the ${limit} a file of its kind may have` };
  let fd: number;
  try {
    // O_NOFOLLOW and O_NONBLOCK: a file swapped for a link or a FIFO after lstat still cannot hang us.
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    return { ok: false, reason: `cannot be opened (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})` };
  }
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile()) return { ok: false, reason: `is ${kindOf(fst)}, not a regular file` };
    if (fst.size > limit) return { ok: false, reason: `is ${fst.size} bytes, more than the ${limit} a file of its kind may have` };
    const bytes = new Uint8Array(fst.size);
    let offset = 0;
    while (offset < bytes.length) {
      const n = readSync(fd, bytes, offset, bytes.length - offset, offset);
      if (n === 0) break;
      offset += n;
    }
    if (offset !== bytes.length) return { ok: false, reason: 'changed while it was read' };
    return { ok: true, bytes };
  } catch (err) {
    return { ok: false, reason: `cannot be read (${errorMessage(err)})` };
  } finally {
    closeSync(fd);
  }
}

function parsed<T>(file: string, bytes: Bytes, parse: (b: Uint8Array) => T): Read<T> | undefined {
  if (!bytes) return undefined;
  if (!bytes.ok) return { ok: false, file, reason: bytes.reason };
  try {
    return { ok: true, file, value: parse(bytes.bytes) };
  } catch (err) {
    return { ok: false, file, reason: `does not decode: ${errorMessage(err)}` };
  }
}

const TOP_LEVEL = new Set([recordFile.manifest, recordFile.manifestView, recordFile.result, recordFile.resultView, 'ballots', 'tallies', 'partials']);

/** A record folder as a RecordSource. The roster (for stray files) comes from its manifest. */
export function dirSource(dir: string): RecordSource {
  const at = (rel: string): string => join(dir, rel);
  const read = <T>(rel: string, limit: number, parse: (b: Uint8Array) => T): Read<T> | undefined => parsed(rel, readRecordBytes(at(rel), limit), parse);
  let manifestRead: Read<Manifest> | undefined;
  const manifest = (): Read<Manifest> => {
    // Structure and canonical form only: whether the election is consistent is check 1.
    manifestRead ??= read(recordFile.manifest, RECORD_FILE_LIMITS.manifest, (b) => decode(ManifestSchema, b, 'manifest')) ?? {
      ok: false,
      file: recordFile.manifest,
      reason: 'is missing: the record has no manifest',
    };
    return manifestRead;
  };
  return {
    manifest,
    manifestView: () => read(recordFile.manifestView, RECORD_FILE_LIMITS.manifestView, (b) => JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b)) as unknown),
    tally: (entry: RosterEntry): Read<AnyTally> | undefined =>
      read(recordFile.tally(entry), RECORD_FILE_LIMITS.tally, (b): AnyTally => (entry.role === 'precinct' ? { kind: 'precinct', tally: PrecinctTally.decode(b) } : { kind: 'aggregate', tally: AggregateTally.decode(b) })),
    ballots: (id) =>
      read(recordFile.ballots(id), RECORD_FILE_LIMITS.ballots, (b) =>
        decodeFramed(b, recordFile.ballots(id)).map((item, i) => {
          try {
            return Ballot.decode(item);
          } catch (err) {
            throw new Error(`ballot ${i + 1}: ${errorMessage(err)}`);
          }
        }),
      ),
    partial: (id) => read(recordFile.partial(id), RECORD_FILE_LIMITS.partial, (b) => PartialDecryption.decode(b)),
    result: () => read(recordFile.result, RECORD_FILE_LIMITS.result, (b) => Result.decode(b)),
    resultView: () => read(recordFile.resultView, RECORD_FILE_LIMITS.resultView, (b) => JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b)) as unknown),
    strays: () => strays(dir, manifest()),
  };
}

/** Files of the folder that fit no artifact of the layout (for a manifest that cannot be read: only the top level). */
function strays(dir: string, manifest: Read<Manifest>): Stray[] {
  const out: Stray[] = [];
  const list = (rel: string): { name: string; file: boolean }[] | undefined => {
    try {
      return readdirSync(join(dir, rel), { withFileTypes: true }).map((d) => ({ name: d.name, file: d.isFile() }));
    } catch {
      return undefined;
    }
  };
  for (const e of list('') ?? []) if (!TOP_LEVEL.has(e.name)) out.push({ file: e.name, reason: 'is not part of an election record', check: 1 });
  for (const folder of ['ballots', 'tallies', 'partials'] as const) {
    const st = (() => {
      try {
        return lstatSync(join(dir, folder));
      } catch {
        return undefined;
      }
    })();
    if (st && !st.isDirectory()) out.push({ file: folder, reason: `is ${kindOf(st)}, not a folder`, check: folder === 'ballots' ? 3 : 2 });
  }
  if (!manifest.ok) return out;
  const roster = new Map(manifest.value.roster.map((e) => [e.id, e]));
  const expect = (folder: 'ballots' | 'tallies' | 'partials', check: 2 | 3, fits: (name: string) => string | undefined): void => {
    for (const e of list(folder) ?? []) {
      const why = fits(e.name);
      if (why) out.push({ file: `${folder}/${e.name}`, reason: why, check });
      else if (!e.file) out.push({ file: `${folder}/${e.name}`, reason: 'is not a regular file', check });
    }
  };
  expect('ballots', 3, (name) => {
    const id = name.endsWith('.bin') ? name.slice(0, -4) : undefined;
    return id !== undefined && roster.get(id)?.role === 'precinct' ? undefined : 'is not the ballots file of a precinct of the roster';
  });
  expect('tallies', 2, (name) => {
    const m = /^(.+)\.(precinct-tally|aggregate-tally)\.bin$/.exec(name);
    const entry = m ? roster.get(m[1]!) : undefined;
    if (!m || !entry || entry.role === 'trustee') return 'is not the tally file of a node of the roster';
    if ((entry.role === 'precinct') !== (m[2] === 'precinct-tally')) return `"${entry.id}" is a ${entry.role}: its tally file is ${recordFile.tally(entry)}`;
    return undefined;
  });
  expect('partials', 2, (name) => {
    const id = name.endsWith('.bin') ? name.slice(0, -4) : undefined;
    return id !== undefined && roster.get(id)?.role === 'trustee' ? undefined : 'is not the partial decryption file of a trustee of the roster';
  });
  return out;
}


// The election record on disk, for `tallymesh verify DIR`:
//   manifest.json                          the manifest's JSON view (its hash is over canonical bytes)
//   ballots/<precinct>.bin                 that precinct's ballots in log order (optional per precinct)
//   tallies/<node>.precinct-tally.bin      each precinct tally
//   tallies/<node>.aggregate-tally.bin     each county, state and national tally
//   partials/<trustee>.bin                 each partial decryption
//   result.bin, result.json                the signed result and a readable view of it
// Artifacts are in their canonical binary encoding; a .bin of ballots is a sequence of 4-byte
// big-endian lengths each followed by one ballot's bytes.
import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Ballot } from '../protocol/ballot.ts';
import { ManifestSchema, manifestToJSON } from '../protocol/manifest.ts';
import { PartialDecryption } from '../protocol/partial-decryption.ts';
import type { ElectionRecord } from '../protocol/record.ts';
import { Result } from '../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../protocol/tally.ts';
import { ProtocolError } from '../protocol/errors.ts';
import { errorMessage } from '../errors/tallymesh-error.ts';

export function encodeFramed(items: Uint8Array[]): Uint8Array {
  const total = items.reduce((acc, b) => acc + 4 + b.length, 0);
  const out = Buffer.alloc(total);
  let offset = 0;
  for (const b of items) {
    out.writeUInt32BE(b.length, offset);
    out.set(b, offset + 4);
    offset += 4 + b.length;
  }
  return new Uint8Array(out);
}

export function decodeFramed(bytes: Uint8Array, what: string): Uint8Array[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Uint8Array[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (offset + 4 > buf.length) throw new ProtocolError('truncated', what, 'length prefix cut short');
    const length = buf.readUInt32BE(offset);
    if (offset + 4 + length > buf.length) throw new ProtocolError('truncated', what, `item ${out.length + 1} is cut short`);
    out.push(new Uint8Array(buf.subarray(offset + 4, offset + 4 + length)));
    offset += 4 + length;
  }
  return out;
}

export function writeJSON(path: string, value: unknown, mode?: number): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n', mode === undefined ? undefined : { mode });
}

export function writeRecord(dir: string, record: ElectionRecord): void {
  for (const sub of ['ballots', 'tallies', 'partials']) mkdirSync(join(dir, sub), { recursive: true });
  writeJSON(join(dir, 'manifest.json'), manifestToJSON(record.manifest));
  for (const [precinct, ballots] of record.ballots) {
    writeFileSync(join(dir, 'ballots', `${precinct}.bin`), encodeFramed(ballots.map((b) => Ballot.encode(b))));
  }
  for (const t of record.precinctTallies) writeFileSync(join(dir, 'tallies', `${t.precinctId}.precinct-tally.bin`), PrecinctTally.encode(t));
  for (const t of record.aggregateTallies) writeFileSync(join(dir, 'tallies', `${t.nodeId}.aggregate-tally.bin`), AggregateTally.encode(t));
  for (const p of record.partials) writeFileSync(join(dir, 'partials', `${p.trusteeId}.bin`), PartialDecryption.encode(p));
  if (record.result) {
    writeFileSync(join(dir, 'result.bin'), Result.encode(record.result));
    writeJSON(join(dir, 'result.json'), Result.toJSON(record.result));
  }
}

function listDir(dir: string, suffix: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((f) => f.endsWith(suffix)).sort();
}

/** Reads a record directory; decoding errors name the file. */
export function readRecord(dir: string): ElectionRecord {
  const read = (path: string): Uint8Array => new Uint8Array(readFileSync(path));
  const named = <T>(file: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      throw new Error(`${file}: ${errorMessage(err)}`);
    }
  };
  // Structure only: whether the manifest is consistent is the verifier's check 1.
  const manifest = named('manifest.json', () => ManifestSchema.fromJSON(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')), 'manifest'));
  const ballots = new Map<string, Ballot[]>();
  for (const f of listDir(join(dir, 'ballots'), '.bin')) {
    const items = named(`ballots/${f}`, () => decodeFramed(read(join(dir, 'ballots', f)), f).map((b) => Ballot.decode(b)));
    ballots.set(f.slice(0, -'.bin'.length), items);
  }
  const precinctTallies = listDir(join(dir, 'tallies'), '.precinct-tally.bin').map((f) => named(`tallies/${f}`, () => PrecinctTally.decode(read(join(dir, 'tallies', f)))));
  const aggregateTallies = listDir(join(dir, 'tallies'), '.aggregate-tally.bin').map((f) => named(`tallies/${f}`, () => AggregateTally.decode(read(join(dir, 'tallies', f)))));
  const partials = listDir(join(dir, 'partials'), '.bin').map((f) => named(`partials/${f}`, () => PartialDecryption.decode(read(join(dir, 'partials', f)))));
  const resultPath = join(dir, 'result.bin');
  const result = existsSync(resultPath) ? named('result.bin', () => Result.decode(read(resultPath))) : undefined;
  return { manifest, ballots, precinctTallies, aggregateTallies, partials, result };
}

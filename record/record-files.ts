// Writing an election record folder (the layout is docs/protocol.md's "The election record"; the
// names are protocol/verify/record-source.ts recordFile), and reading one back into memory for
// tools and tests. The verifier reads folders through record-dir.ts instead, which survives any
// folder; readRecord throws on the first file that is not what it should be.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Ballot } from '../protocol/ballot.ts';
import { encodeManifest, manifestToJSON } from '../protocol/manifest.ts';
import { PartialDecryption } from '../protocol/partial-decryption.ts';
import { encodeFramed, type ElectionRecord } from '../protocol/record.ts';
import { Result } from '../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../protocol/tally.ts';
import { recordFile, type Read } from '../protocol/verify/record-source.ts';
import { dirSource } from './record-dir.ts';

export function writeJSON(path: string, value: unknown, mode?: number): void {
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n', mode === undefined ? undefined : { mode });
}

export function writeRecord(dir: string, record: ElectionRecord): void {
  const put = (rel: string, bytes: Uint8Array | string): void => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), bytes);
  };
  for (const sub of ['ballots', 'tallies', 'partials']) mkdirSync(join(dir, sub), { recursive: true });
  put(recordFile.manifest, encodeManifest(record.manifest));
  put(recordFile.manifestView, JSON.stringify(manifestToJSON(record.manifest), null, 2) + '\n');
  const roster = new Map(record.manifest.roster.map((e) => [e.id, e]));
  for (const [precinct, ballots] of record.ballots) put(recordFile.ballots(precinct), encodeFramed(ballots.map((b) => Ballot.encode(b))));
  for (const t of record.precinctTallies) put(recordFile.tally({ id: t.precinctId, role: 'precinct' }), PrecinctTally.encode(t));
  for (const t of record.aggregateTallies) put(recordFile.tally({ id: t.nodeId, role: roster.get(t.nodeId)?.role ?? t.level }), AggregateTally.encode(t));
  for (const p of record.partials) put(recordFile.partial(p.trusteeId), PartialDecryption.encode(p));
  if (record.result) {
    put(recordFile.result, Result.encode(record.result));
    put(recordFile.resultView, JSON.stringify(Result.toJSON(record.result), null, 2) + '\n');
  }
}

function need<T>(read: Read<T> | undefined): T | undefined {
  if (read && !read.ok) throw new Error(`${read.file}: ${read.reason}`);
  return read?.value;
}

/** A record folder in memory (every artifact its roster names); throws naming the first bad file. */
export function readRecord(dir: string): ElectionRecord {
  const source = dirSource(dir);
  const manifest = need(source.manifest())!;
  const record: ElectionRecord = { manifest, ballots: new Map(), precinctTallies: [], aggregateTallies: [], partials: [], result: need(source.result()) };
  for (const e of manifest.roster) {
    if (e.role === 'trustee') {
      const p = need(source.partial(e.id));
      if (p) record.partials.push(p);
      continue;
    }
    const t = need(source.tally(e));
    if (t?.kind === 'precinct') record.precinctTallies.push(t.tally);
    else if (t) record.aggregateTallies.push(t.tally);
    if (e.role === 'precinct') {
      const ballots = need(source.ballots(e.id));
      if (ballots) record.ballots.set(e.id, ballots);
    }
  }
  return record;
}

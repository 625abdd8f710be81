// Where the verifier reads an election record from, without knowing whether it is a folder of
// files (record/record-dir.ts) or a record in memory (memorySource below). Every read names the
// file it came from, so that a check failing on it can say which; a read that failed says why
// (not a regular file, too large, does not decode). File names are binding: the source reads a
// node's tally from that node's file, and the verifier checks the tally is that node's.
import type { Ballot } from '../ballot.ts';
import type { Manifest, RosterEntry } from '../manifest.ts';
import type { PartialDecryption } from '../partial-decryption.ts';
import type { ElectionRecord } from '../record.ts';
import { Result, type Result as ResultArtifact } from '../result.ts';
import type { AnyTally } from '../tally.ts';

export type Read<T> = { ok: true; value: T; file: string } | { ok: false; file: string; reason: string };

/** A file of the record that belongs to no artifact of its layout, or cannot be one. */
export interface Stray {
  file: string;
  reason: string;
  /** The check that owns the folder it is in: 1 (the record's top), 2 (tallies, partials), 3 (ballots). */
  check: 1 | 2 | 3;
}

export interface RecordSource {
  /** The manifest, decoded from its canonical bytes. */
  manifest(): Read<Manifest>;
  /** The manifest's readable JSON view, when the record holds one (it must match). */
  manifestView(): Read<unknown> | undefined;
  /** The tally stored for a roster node, or undefined when there is none. */
  tally(entry: RosterEntry): Read<AnyTally> | undefined;
  /** A precinct's ballots in log order, or undefined when the record holds none. */
  ballots(precinctId: string): Read<Ballot[]> | undefined;
  /** A trustee's partial decryption, or undefined. */
  partial(trusteeId: string): Read<PartialDecryption> | undefined;
  result(): Read<ResultArtifact> | undefined;
  /** The result's readable JSON view, when the record holds one (it must match). */
  resultView(): Read<unknown> | undefined;
  /** Files that belong to no artifact of the layout. */
  strays(): Stray[];
}

/** The file names a record folder gives each artifact (record/record-layout.ts writes them). */
export const recordFile = {
  manifest: 'manifest.bin',
  manifestView: 'manifest.json',
  ballots: (precinctId: string): string => `ballots/${precinctId}.bin`,
  tally: (entry: Pick<RosterEntry, 'id' | 'role'>): string => `tallies/${entry.id}.${entry.role === 'precinct' ? 'precinct-tally' : 'aggregate-tally'}.bin`,
  partial: (trusteeId: string): string => `partials/${trusteeId}.bin`,
  result: 'result.bin',
  resultView: 'result.json',
} as const;

/** A record held in memory (a node's own export, merged): every artifact under its file name. */
export function memorySource(record: ElectionRecord): RecordSource {
  const ok = <T>(value: T, file: string): Read<T> => ({ ok: true, value, file });
  const tallies = new Map<string, AnyTally>();
  const strays: Stray[] = [];
  for (const t of record.precinctTallies) tallies.set(`${t.precinctId}/precinct`, { kind: 'precinct', tally: t });
  for (const t of record.aggregateTallies) tallies.set(`${t.nodeId}/aggregate`, { kind: 'aggregate', tally: t });
  const roster = new Map(record.manifest.roster.map((e) => [e.id, e]));
  for (const [key, t] of tallies) {
    const [id, kind] = key.split('/') as [string, string];
    const e = roster.get(id);
    const file = recordFile.tally({ id, role: kind === 'precinct' ? 'precinct' : 'county' });
    if (!e) strays.push({ file, reason: `"${id}" is not in the roster`, check: 2 });
    else if ((e.role === 'precinct') !== (t.kind === 'precinct')) strays.push({ file, reason: `"${id}" is a ${e.role}`, check: 2 });
  }
  for (const id of record.ballots.keys()) {
    const e = roster.get(id);
    if (!e || e.role !== 'precinct') strays.push({ file: recordFile.ballots(id), reason: `"${id}" is not a precinct of the roster`, check: 3 });
  }
  const partials = new Map(record.partials.map((p) => [p.trusteeId, p]));
  for (const id of partials.keys()) if (roster.get(id)?.role !== 'trustee') strays.push({ file: recordFile.partial(id), reason: `"${id}" is not a trustee of the roster`, check: 2 });
  return {
    manifest: () => ok(record.manifest, recordFile.manifest),
    manifestView: () => undefined,
    tally: (entry) => {
      const t = tallies.get(`${entry.id}/${entry.role === 'precinct' ? 'precinct' : 'aggregate'}`);
      return t ? ok(t, recordFile.tally(entry)) : undefined;
    },
    ballots: (id) => {
      const list = record.ballots.get(id);
      // Re-decoding from canonical bytes would only repeat what the export merge did.
      return list ? ok(list.map((b) => b), recordFile.ballots(id)) : undefined;
    },
    partial: (id) => {
      const p = partials.get(id);
      return p ? ok(p, recordFile.partial(id)) : undefined;
    },
    result: () => (record.result ? ok(record.result, recordFile.result) : undefined),
    resultView: () => (record.result ? ok(Result.toJSON(record.result), recordFile.resultView) : undefined),
    strays: () => strays,
  };
}

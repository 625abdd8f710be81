// A small generated election (1024-bit key, 2 states x 1 county x 2 precincts, 9 trustees, 5 needed)
// run in process and written to a temp dir with writeRecord, plus helpers that read, change and
// write back single artifacts of a copy of that record. Generating is the slow part: do it once
// per test file, in beforeAll, and copy the record per tamper case with fs.cpSync.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Ballot } from '../../protocol/ballot.ts';
import type { ElectionRecord } from '../../protocol/record.ts';
import { PartialDecryption } from '../../protocol/partial-decryption.ts';
import { Result } from '../../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../../protocol/tally.ts';
import { generateElection, type GeneratedElection } from '../../setup/election-setup.ts';
import { runInProcessElection, type InProcessOutcome } from '../../sim/in-process-election.ts';
import { readRecord, writeRecord } from '../../record/record-files.ts';
import { recordFile } from '../../protocol/verify/index.ts';
import { decodeFramed, encodeFramed } from '../../protocol/record.ts';

export const FIXTURE_SHAPE = { keyBits: 1024, states: 2, countiesPerState: 1, precinctsPerCounty: 2 } as const;

export interface RecordFixture {
  election: GeneratedElection;
  outcome: InProcessOutcome;
  /** Temp folder holding everything the fixture writes. */
  root: string;
  /** The untampered record as writeRecord wrote it. Never modify it: use copy(). */
  recordDir: string;
  /** A fresh copy of the untampered record, in its own folder. */
  copy(label?: string): string;
  /** A fresh empty folder under root. */
  tempDir(label?: string): string;
  /** A node's Ed25519 secret key. */
  key(id: string): Uint8Array;
  cleanup(): void;
}

export function createRecordFixture(ballotsPerPrecinct = 3): RecordFixture {
  const election = generateElection({ ...FIXTURE_SHAPE, electionId: 'fixture-election' });
  const outcome = runInProcessElection(election, { ballotsPerPrecinct, seed: 'record-fixture' });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-record-'));
  const recordDir = path.join(root, 'record');
  writeRecord(recordDir, outcome.record);
  let counter = 0;
  const tempDir = (label = 'dir'): string => {
    const dir = path.join(root, `${label.replace(/[^A-Za-z0-9_-]/g, '_')}-${++counter}`);
    fs.mkdirSync(dir, { recursive: true });
    return dir;
  };
  return {
    election,
    outcome,
    root,
    recordDir,
    tempDir,
    copy(label = 'copy') {
      const dir = tempDir(label);
      fs.cpSync(recordDir, dir, { recursive: true });
      return dir;
    },
    key(id) {
      const k = election.nodeKeys.get(id);
      if (!k) throw new Error(`no key for "${id}"`);
      return k.secretKey;
    },
    cleanup() {
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

// ---- file-level access to one artifact of a record folder ----------------------------------------

const bytes = (file: string): Uint8Array => new Uint8Array(fs.readFileSync(file));

/** Paths of a record folder's files (the names are protocol/verify's recordFile). */
export const recordPaths = {
  ballots: (dir: string, precinctId: string): string => path.join(dir, recordFile.ballots(precinctId)),
  precinctTally: (dir: string, id: string): string => path.join(dir, recordFile.tally({ id, role: 'precinct' })),
  aggregateTally: (dir: string, id: string): string => path.join(dir, recordFile.tally({ id, role: 'county' })),
  partial: (dir: string, trusteeId: string): string => path.join(dir, recordFile.partial(trusteeId)),
  result: (dir: string): string => path.join(dir, recordFile.result),
  /** The readable manifest.json (the canonical bytes are manifest.bin). */
  manifest: (dir: string): string => path.join(dir, recordFile.manifestView),
};
export function readBallots(dir: string, precinctId: string): Ballot[] {
  return decodeFramed(bytes(recordPaths.ballots(dir, precinctId)), precinctId).map((b) => Ballot.decode(b));
}

export function writeBallots(dir: string, precinctId: string, ballots: Ballot[]): void {
  fs.writeFileSync(recordPaths.ballots(dir, precinctId), encodeFramed(ballots.map((b) => Ballot.encode(b))));
}

export function readPrecinctTally(dir: string, id: string): PrecinctTally {
  return PrecinctTally.decode(bytes(recordPaths.precinctTally(dir, id)));
}

export function writePrecinctTally(dir: string, t: PrecinctTally, file = recordPaths.precinctTally(dir, t.precinctId)): void {
  fs.writeFileSync(file, PrecinctTally.encode(t));
}

export function readAggregateTally(dir: string, id: string): AggregateTally {
  return AggregateTally.decode(bytes(recordPaths.aggregateTally(dir, id)));
}

export function writeAggregateTally(dir: string, t: AggregateTally): void {
  fs.writeFileSync(recordPaths.aggregateTally(dir, t.nodeId), AggregateTally.encode(t));
}

export function readPartial(dir: string, trusteeId: string): PartialDecryption {
  return PartialDecryption.decode(bytes(recordPaths.partial(dir, trusteeId)));
}

export function writePartial(dir: string, p: PartialDecryption, file = recordPaths.partial(dir, p.trusteeId)): void {
  fs.writeFileSync(file, PartialDecryption.encode(p));
}

export function readResult(dir: string): Result {
  return Result.decode(bytes(recordPaths.result(dir)));
}

export function writeResult(dir: string, r: Result): void {
  fs.writeFileSync(recordPaths.result(dir), Result.encode(r));
}

/** Re-reads a record folder (a thin wrapper so tests read like the CLI does). */
export function loadRecord(dir: string): ElectionRecord {
  return readRecord(dir);
}

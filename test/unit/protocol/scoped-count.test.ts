// Every contest counted at its scope: a definition with county, state and national contests, a
// congressional district crossing county lines and a multi-seat contest, run through the roles
// in process, decrypted per scope and verified; and the ballot-style refusals.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ballot, encryptBallot, validateBallot } from '../../../protocol/ballot.ts';
import { resultContests } from '../../../protocol/result.ts';
import { validatePrecinctTally } from '../../../protocol/tally.ts';
import { manifestFromJSON, manifestToJSON } from '../../../protocol/manifest.ts';
import { writeRecord } from '../../../record/record-files.ts';
import { verifyRecordDir } from '../../../record/verify-record-dir.ts';
import { generateElection, type GeneratedElection } from '../../../setup/election-setup.ts';
import { parseDefinition } from '../../../setup/definition/parse-definition.ts';
import { runInProcessElection, type InProcessOutcome } from '../../../sim/in-process-election.ts';
import { REPO_ROOT } from '../../support/paths.ts';
import { expectProtocolError } from '../../support/fixtures.ts';
import { PrecinctRole } from '../../../roles/precinct.ts';

const TWO_STATE = path.join(REPO_ROOT, 'docs/examples/definitions/two-state.json');

let election: GeneratedElection;
let run: InProcessOutcome;
let root: string;

beforeAll(() => {
  const definition = parseDefinition(JSON.parse(fs.readFileSync(TWO_STATE, 'utf8')), TWO_STATE);
  election = generateElection({ definition, keyBits: 1024, trustees: 3, threshold: 2 });
  run = runInProcessElection(election, { ballotsPerPrecinct: 4, seed: 'scoped' });
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'tm-scoped-'));
});

afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('scopes', () => {
  it('puts each contest at the lowest node covering its precincts: county, state or national', () => {
    const { scopes } = run.ctx;
    const scopeOf = (id: string) => scopes.contests.get(id)!.scopeId;
    expect(scopeOf('federal-president')).toBe(run.ctx.index.national.id);
    // A congressional district crossing county lines is counted at its state.
    const house2 = run.ctx.manifest.contests.find((c) => c.id === 'lk-house-2')!;
    const districtPrecincts = run.ctx.manifest.roster.filter((e) => e.role === 'precinct' && e.ballotStyles.some((s) => run.ctx.scopes.contestsOfStyle(s).some((p) => p.contest.id === house2.id)));
    expect(new Set(districtPrecincts.map((p) => p.parent)).size).toBeGreaterThan(1);
    expect(run.ctx.index.node(scopeOf('lk-house-2')).role).toBe('state');
    expect(run.ctx.index.node(scopeOf('copperfield-clerk')).role).toBe('county');
    // Every scope is a county, a state or the national node.
    for (const s of scopes.scopes) expect(['county', 'state', 'national']).toContain(run.ctx.index.node(s.scopeId).role);
  });

  it('gives every tally one group per scope on its path, its own first', () => {
    for (const t of run.record.precinctTallies) {
      expect(t.groups.map((g) => g.scopeId)).toEqual(run.ctx.scopes.groupsOf(t.precinctId).map((g) => g.scopeId));
    }
    for (const t of run.record.aggregateTallies) {
      const ids = t.groups.map((g) => g.scopeId);
      expect(ids).toEqual(run.ctx.scopes.groupsOf(t.nodeId).map((g) => g.scopeId));
      if (run.ctx.scopes.byScope.has(t.nodeId)) expect(ids[0]).toBe(t.nodeId);
    }
    // The national tally carries only the national contests' group.
    const national = run.record.aggregateTallies.find((t) => t.level === 'national')!;
    expect(national.groups.map((g) => g.scopeId)).toEqual([run.ctx.index.national.id]);
  });

  it('announces every contest at its scope with the counts the voters chose', () => {
    const announced = resultContests(run.ctx, run.result);
    expect(announced.map((c) => c.contestId)).toEqual(run.ctx.manifest.contests.map((c) => c.id));
    for (const c of announced) {
      expect(c.scopeId).toBe(run.ctx.scopes.contests.get(c.contestId)!.scopeId);
      expect(c.counts.map(BigInt)).toEqual(run.expected.get(c.contestId));
    }
    expect(run.result.scopes.map((s) => s.scopeId)).toEqual(run.ctx.scopes.scopes.map((s) => s.scopeId));
  });

  it('counts a multi-seat contest: a ballot may select up to its seats', () => {
    const multi = run.ctx.manifest.contests.find((c) => c.kind === 'approval' && c.selectionLimit > 1);
    expect(multi, 'the two-state sample has a multi-seat contest').toBeDefined();
    const total = resultContests(run.ctx, run.result).find((c) => c.contestId === multi!.id)!.counts.reduce((a, b) => a + b, 0);
    const scope = run.result.scopes.find((s) => s.scopeId === run.ctx.scopes.contests.get(multi!.id)!.scopeId)!;
    // More marks than ballots is only possible when ballots select several options.
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(scope.ballotCount * multi!.selectionLimit);
  });

  it('verifies: every check passes over the scoped record', async () => {
    const dir = path.join(root, 'record');
    writeRecord(dir, run.record);
    const v = await verifyRecordDir(dir, { jobs: 1 });
    expect(v.checks.filter((c) => c.status !== 'pass').map((c) => `${c.number}: ${c.details.join('; ')}`)).toEqual([]);
    expect(v.verdict).toBe('pass');
  });

  it('the manifest survives its JSON view with districts, parties and styles', () => {
    expect(manifestFromJSON(JSON.parse(JSON.stringify(manifestToJSON(run.ctx.manifest))))).toEqual(run.ctx.manifest);
  });
});

describe('ballot styles', () => {
  const precinctWithStyle = () => run.ctx.manifest.roster.find((e) => e.role === 'precinct')!;

  it('a ballot holds exactly its style\'s contests, in manifest order', () => {
    const p = precinctWithStyle();
    const b = encryptBallot(run.ctx, p.id, {});
    const order = run.ctx.manifest.contests.map((c) => c.id);
    const ids = b.contests.map((c) => c.contestId);
    expect(ids).toEqual(run.ctx.scopes.contestsOfStyle(b.ballotStyleId).map((x) => x.contest.id));
    expect([...ids].sort((a, c) => order.indexOf(a) - order.indexOf(c))).toEqual(ids);
    expect(ids.length).toBeLessThan(order.length);
    expect(validateBallot(run.ctx, b, p.id)).toBe(b);
  });

  it('refuses a contest that is not on the style', () => {
    const p = precinctWithStyle();
    const style = p.ballotStyles[0]!;
    const on = new Set(run.ctx.scopes.contestsOfStyle(style).map((x) => x.contest.id));
    const offId = run.ctx.manifest.contests.find((c) => !on.has(c.id))!.id;
    expectProtocolError(() => encryptBallot(run.ctx, p.id, { [offId]: [0] }), 'off-style', `choices.${offId}`);
    // A ballot carrying an extra contest taken from another precinct's ballot.
    const other = run.ctx.manifest.roster.find((e) => e.role === 'precinct' && run.ctx.scopes.contestsOfStyle(e.ballotStyles[0]!).some((x) => x.contest.id === offId))!;
    const foreign = encryptBallot(run.ctx, other.id, {});
    const mine = encryptBallot(run.ctx, p.id, {});
    const extra: Ballot = { ...mine, contests: [...mine.contests, foreign.contests.find((c) => c.contestId === offId)!] };
    expectProtocolError(() => validateBallot(run.ctx, extra, p.id), 'off-style', /ballot\.contests\[\d+\]\.contestId/);
  });

  it('refuses a ballot missing one of its style\'s contests', () => {
    const p = precinctWithStyle();
    const b = encryptBallot(run.ctx, p.id, {});
    const missing: Ballot = { ...b, contests: b.contests.slice(1) };
    const err = expectProtocolError(() => validateBallot(run.ctx, missing, p.id), 'off-style', 'ballot.contests');
    expect(err.message).toContain(`"${b.contests[0]!.contestId}"`);
    expect(err.message).toContain('missing');
  });

  it('refuses a style that is not the precinct\'s, and an unknown style', () => {
    const p = precinctWithStyle();
    const foreignStyle = run.ctx.manifest.ballotStyles.find((s) => !p.ballotStyles.includes(s.id))!.id;
    const b = encryptBallot(run.ctx, p.id, {});
    expectProtocolError(() => validateBallot(run.ctx, { ...b, ballotStyleId: foreignStyle }, p.id), 'off-style', 'ballot.ballotStyleId');
    expectProtocolError(() => validateBallot(run.ctx, { ...b, ballotStyleId: 'no-such-style' }, p.id), 'unknown-ballot-style', 'ballot.ballotStyleId');
    expectProtocolError(() => encryptBallot(run.ctx, p.id, {}, undefined, foreignStyle), 'off-style', 'ballotStyleId');
  });

  it('the precinct role refuses an off-style ballot and keeps its state', () => {
    const p = precinctWithStyle();
    const role = new PrecinctRole(run.ctx, p.id, election.nodeKeys.get(p.id)!.secretKey);
    const b = encryptBallot(run.ctx, p.id, {});
    expectProtocolError(() => role.validate({ ...b, contests: b.contests.slice(0, -1) }), 'off-style');
    expect(role.snapshot.count).toBe(0);
  });

  it('refuses a precinct tally whose groups are not its scopes', () => {
    const t = run.record.precinctTallies[0]!;
    const swapped = { ...t, groups: [...t.groups].reverse() };
    if (t.groups.length > 1) expectProtocolError(() => validatePrecinctTally(run.ctx, swapped), 'inconsistent', 'precinct-tally.groups[0].scopeId');
    expectProtocolError(() => validatePrecinctTally(run.ctx, { ...t, groups: t.groups.slice(1) }), 'inconsistent', 'precinct-tally.groups');
  });
});

// The status model behind the dashboard: the roster, the tallies, partial decryptions, result,
// equivocation evidence and peer health a node holds, turned into one HierarchyView. Pure
// functions of what the facade returns; no I/O of their own.
import { ApiError, type ElectionView, type EvidenceView, type HeldArtifact, type NodeApi, type NodeStatus, type ObserverApi, type PeerHealthView, type RecordCheckView } from '../api/node-api.ts';
import type { HierarchyView, LevelSummary, NodeDetailView, NodeEntry, PeerHealth, ReportStatus, ResultView, TrusteeEntry } from '../../dashboard/hierarchy-view.ts';

/** Everything the model reads, gathered once per view. */
export interface ModelInput {
  election: ElectionView;
  status: NodeStatus;
  held: HeldArtifact[];
  evidence: EvidenceView[];
  health: PeerHealthView[];
  result: unknown;
  recordCheck: RecordCheckView;
}

export async function gatherInput(api: NodeApi & ObserverApi): Promise<ModelInput> {
  const [status, evidence, result] = await Promise.all([api.status(), api.evidence(), api.result()]);
  return { election: api.election(), status, held: api.heldArtifacts(), evidence, health: api.peerHealth(), result, recordCheck: api.recordCheck() };
}

type Rostered = ElectionView['roster'][number];
type Level = NodeEntry['role'];

/** The hierarchy with every node's status, computed once and read by both views. */
class Model {
  readonly byId = new Map<string, Rostered>();
  readonly children = new Map<string, Rostered[]>();
  readonly tallies = new Map<string, HeldArtifact>();
  readonly entries = new Map<string, NodeEntry>();
  private readonly health = new Map<string, PeerHealthView>();

  constructor(readonly input: ModelInput) {
    for (const e of input.election.roster) {
      this.byId.set(e.id, e);
      if (e.parent) this.children.set(e.parent, [...(this.children.get(e.parent) ?? []), e]);
    }
    for (const h of input.held) if (h.type === 'precinct-tally' || h.type === 'aggregate-tally') this.tallies.set(h.sender, h);
    for (const h of input.health) this.health.set(h.nodeId, h);
    const problems = this.findProblems();
    // Children first, so that each summary can count its descendants' entries.
    const depth: Record<string, number> = { precinct: 0, county: 1, state: 2, national: 3 };
    const order = input.election.roster.filter((e) => e.role !== 'trustee').sort((a, b) => depth[a.role]! - depth[b.role]!);
    for (const e of order) this.entries.set(e.id, this.entry(e, problems.get(e.id) ?? []));
  }

  peerHealth(id: string): PeerHealth {
    const h = this.health.get(id);
    return { connected: h?.connected ?? false, ...(h?.latencyMs !== undefined ? { latencyMs: Math.round(h.latencyMs * 10) / 10 } : {}), ...(h?.lastSeen ? { lastSeen: h.lastSeen } : {}) };
  }

  /** Faults, by node id: equivocation evidence and tallies that contradict each other. */
  private findProblems(): Map<string, string[]> {
    const problems = new Map<string, string[]>();
    const add = (id: string, problem: string): void => {
      const list = problems.get(id) ?? [];
      if (!list.includes(problem)) list.push(problem);
      problems.set(id, list);
    };
    for (const e of this.input.evidence) if (e.slot.startsWith('tally/')) add(e.sender, 'signed two different tallies (equivocation; the second is kept as evidence, not counted)');
    for (const c of this.input.status.children) if (c.equivocated) add(c.id, 'sent its parent two different tallies (equivocation)');
    for (const [id, tally] of this.tallies) {
      if (!tally.children) continue;
      let sum = 0;
      let complete = true;
      for (const ref of tally.children) {
        const child = this.tallies.get(ref.id);
        if (!child) {
          complete = false;
          continue;
        }
        sum += child.ballotCount ?? 0;
        if (child.hash !== ref.tallyHash) add(id, `counted a tally of ${ref.id} (${ref.tallyHash.slice(0, 12)}…) other than the one ${ref.id} signed (${child.hash.slice(0, 12)}…)`);
      }
      if (complete && sum !== tally.ballotCount) add(id, `claims ${tally.ballotCount} ballots; its children's tallies hold ${sum}`);
    }
    return problems;
  }

  private entry(e: Rostered, problems: string[]): NodeEntry {
    const tally = this.tallies.get(e.id);
    const status: ReportStatus = problems.length ? 'faulty' : tally ? 'verified' : 'waiting';
    const entry: NodeEntry = {
      id: e.id,
      role: e.role as Level,
      name: e.name,
      fips: e.fips,
      parent: e.parent,
      status,
      problems,
      ...(tally ? { ballotCount: tally.ballotCount ?? 0, tallyHash: tally.hash } : {}),
      health: this.peerHealth(e.id),
    };
    if (e.role === 'county') entry.precincts = this.summary(this.children.get(e.id) ?? []);
    if (e.role === 'state' || e.role === 'national') {
      const counties = this.descendants(e.id, 'county');
      entry.counties = this.summary(counties);
      entry.precincts = this.summary(counties.flatMap((c) => this.children.get(c.id) ?? []));
    }
    return entry;
  }

  descendants(id: string, role: Level): Rostered[] {
    const out: Rostered[] = [];
    const walk = (parent: string): void => {
      for (const c of this.children.get(parent) ?? []) {
        if (c.role === role) out.push(c);
        else walk(c.id);
      }
    };
    walk(id);
    return out;
  }

  private summary(nodes: Rostered[]): LevelSummary {
    const s: LevelSummary = { total: nodes.length, verified: 0, faulty: 0, waiting: 0, ballots: 0 };
    for (const n of nodes) {
      const entry = this.entries.get(n.id);
      const status = entry?.status ?? 'waiting';
      s[status]++;
      if (status === 'verified') s.ballots += entry?.ballotCount ?? 0;
    }
    return s;
  }

  ofRole(role: Level): NodeEntry[] {
    return this.input.election.roster.filter((e) => e.role === role).map((e) => this.entries.get(e.id)!);
  }
}

function trustees(model: Model): TrusteeEntry[] {
  const { election, held, status } = model.input;
  const checked = new Map(status.partials.map((p) => [p.trusteeId, p]));
  return election.roster
    .filter((e) => e.role === 'trustee')
    .sort((a, b) => a.trusteeIndex - b.trusteeIndex)
    .map((e) => {
      const partial = held.find((h) => h.type === 'partial-decryption' && h.sender === e.id);
      const verdict = checked.get(e.id);
      const state: TrusteeEntry['partial'] = !partial ? 'missing' : !verdict ? 'received' : verdict.valid ? 'valid' : 'invalid';
      return {
        id: e.id,
        name: e.name,
        index: e.trusteeIndex,
        health: model.peerHealth(e.id),
        partial: state,
        ...(partial ? { partialHash: partial.hash } : {}),
        ...(verdict?.reason ? { reason: verdict.reason } : {}),
      };
    });
}

interface ResultJSON {
  combinerId?: unknown;
  tallyHash?: unknown;
  ballotCount?: unknown;
  scopes?: { scopeId?: unknown; ballotCount?: unknown; contests?: { contestId?: unknown; counts?: unknown }[] }[];
}

function resultView(model: Model): ResultView | undefined {
  const r = model.input.result as ResultJSON | undefined | null;
  const hash = model.input.held.find((h) => h.type === 'result')?.hash;
  if (!r || !hash || !Array.isArray(r.scopes)) return undefined;
  const nationalId = model.input.election.roster.find((e) => e.role === 'national')?.id ?? '';
  const found = new Map<string, { scopeId: string; counts: unknown }>();
  for (const s of r.scopes) {
    for (const c of Array.isArray(s.contests) ? s.contests : []) found.set(String(c.contestId), { scopeId: String(s.scopeId ?? ''), counts: c.counts });
  }
  const contests = model.input.election.contests.map((c) => {
    const hit = found.get(c.id);
    const counts = hit?.counts;
    return {
      id: c.id,
      title: c.title,
      scopeId: hit?.scopeId ?? c.scopeId,
      districtId: c.districtId,
      options: c.options.map((name, i) => ({ name, count: Array.isArray(counts) ? Number(counts[i] ?? 0) : 0 })),
    };
  });
  return {
    hash,
    combinerId: String(r.combinerId ?? ''),
    ballotCount: Number(r.ballotCount ?? 0),
    matchesNationalTally: typeof r.tallyHash === 'string' && r.tallyHash === model.tallies.get(nationalId)?.hash,
    contests,
  };
}

export function buildHierarchy(input: ModelInput): HierarchyView {
  const model = new Model(input);
  const { election, status, recordCheck } = input;
  const national = model.ofRole('national')[0];
  if (!national) throw new Error('the roster has no national node');
  const states = model.ofRole('state');
  const counties = model.ofRole('county');
  const result = resultView(model);
  return {
    generatedAt: new Date().toISOString(),
    node: { id: status.id, role: status.role, phase: status.phase, ...(status.waitingFor ? { waitingFor: status.waitingFor } : {}) },
    election: { id: election.electionId, title: election.title, hash: election.electionHash, contests: election.contests },
    hasMap: [...states, ...counties].some((e) => e.fips !== ''),
    national,
    states,
    counties,
    trustees: trustees(model),
    evidence: input.evidence.map((e) => ({ sender: e.sender, slot: e.slot, at: e.at })),
    ...(result ? { result } : {}),
    verification: {
      state: recordCheck.state,
      ok: recordCheck.state === 'done' && (recordCheck.verdict ? recordCheck.verdict !== 'fail' : recordCheck.checks.every((c) => c.status !== 'fail')),
      ...(recordCheck.verdict ? { verdict: recordCheck.verdict } : {}),
      checks: recordCheck.checks,
      ballots: recordCheck.ballots,
      ...(recordCheck.message ? { message: recordCheck.message } : {}),
      threshold: status.threshold,
    },
  };
}

/** One node and its children; ApiError 404 for an id outside the hierarchy. */
export function buildNodeDetail(input: ModelInput, nodeId: string): NodeDetailView {
  const model = new Model(input);
  const node = model.entries.get(nodeId);
  if (!node) throw new ApiError('unknown-node', `"${nodeId}" is not a national, state, county or precinct node of this election`);
  const children = (model.children.get(nodeId) ?? []).map((c) => model.entries.get(c.id)).filter((c): c is NodeEntry => c !== undefined);
  return { node, children };
}

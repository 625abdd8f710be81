// --rogue-peer: an extra peer, admitted as an observer, injects three kinds of bad tally into a
// county's topic and the board once the honest precinct tallies are in:
//   forged       an honest precinct tally with one word changed (its signature no longer holds)
//   foreign      a precinct tally of another election, signed by that election's precinct key
//   equivocating a second, different tally signed with the precinct's real key (a stolen key)
// None may be counted: the first two are rejected by every validator (and cost the rogue gossip
// score); the third is kept as evidence, the honest first tally stays counted.
import { join } from 'node:path';
import { PROTOCOL_VERSION } from '../../protocol/manifest.ts';
import { PrecinctTally } from '../../protocol/tally.ts';
import { ElectionContext } from '../../protocol/election.ts';
import { generateElection } from '../../setup/election-setup.ts';
import type { Topic } from '../../node/network/topics.ts';
import { loadSigningKey } from '../../setup/setup-files.ts';
import type { Progress } from './progress.ts';
import { rogueKey, startRoguePeer, type RogueKey } from './rogue-peer.ts';

export { rogueKey as newRogueKey };
import type { SimNetwork } from './sim-network.ts';

export interface RogueReport {
  peerId: string;
  target: string;
  published: string[];
  /** The target's metric lines about rejections and equivocations, filled in at the end. */
  metrics: string[];
}

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`rogue peer: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function runRogue(init: { ctx: ElectionContext; electionDir: string; net: SimNetwork; key: RogueKey; progress: Progress }): Promise<RogueReport> {
  const { ctx, net, key } = init;
  const precinct = ctx.manifest.roster.find((e) => e.role === 'precinct')!;
  const county = ctx.index.node(precinct.parent);
  const countyConfig = net.configs.get(county.id)!;
  const target = `${countyConfig.listen[0]}/p2p/${county.peerId}`;
  const topics: Topic[] = [{ kind: 'tallies', parentId: county.id }, { kind: 'board' }];
  const rogue = await startRoguePeer({ ctx, secretKey: key.secretKey, target, topics, observer: true, timeoutMs: 120_000 });
  const report: RogueReport = { peerId: key.peerId, target: county.id, published: [], metrics: [] };
  try {
    // The honest tally must be in first: equivocation means a second, different tally.
    let honest: PrecinctTally | undefined;
    await until(`${precinct.id}'s honest tally at the county`, async () => {
      const res = await fetch(`${net.url(county.id)}/tallies`).catch(() => undefined);
      const list = res?.ok ? ((await res.json()) as { type: string; sender: string; artifact: unknown }[]) : [];
      const found = list.find((a) => a.type === 'precinct-tally' && a.sender === precinct.id);
      if (found) honest = PrecinctTally.fromJSON(found.artifact);
      return !!honest;
    });
    const n2 = ctx.publicKey.n2;
    const extraVote = ctx.publicKey.encrypt(1n);
    const forged: PrecinctTally = {
      ...honest!,
      groups: honest!.groups.map((g, k) => ({ ...g, words: g.words.map((w, i) => (k === 0 && i === 0 ? (w * extraVote) % n2 : w)) })),
    };
    const other = generateElection({ keyBits: 1024, states: 1, countiesPerState: 1, precinctsPerCounty: 1, trustees: 1, threshold: 1 });
    const otherCtx = new ElectionContext(other.manifest);
    const otherPrecinct = other.manifest.roster.find((e) => e.role === 'precinct')!;
    const foreign = PrecinctTally.sign(
      { version: PROTOCOL_VERSION, electionHash: otherCtx.hash, precinctId: otherPrecinct.id, groups: [{ scopeId: otherCtx.scopes.scopes[0]!.scopeId, words: [otherCtx.publicKey.encrypt(1n)] }], ballotCount: 1, ballotsRoot: honest!.ballotsRoot, logHead: honest!.logHead },
      other.nodeKeys.get(otherPrecinct.id)!.secretKey,
    );
    const stolen = loadSigningKey(join(init.electionDir, 'keys', `${precinct.id}.key`));
    const { signature: _drop, ...body } = forged;
    const equivocating = PrecinctTally.sign({ ...body, ballotCount: honest!.ballotCount + 1 }, stolen.secretKey);
    for (const [name, tally] of [
      ['forged', forged],
      ['foreign', foreign],
      ['equivocating', equivocating],
    ] as const) {
      const envelope = { type: 'precinct-tally' as const, bytes: PrecinctTally.encode(tally) };
      for (const t of topics) await rogue.host.publish(t, envelope).catch(() => undefined);
      report.published.push(name);
      init.progress.note(`--rogue-peer: published ${name === 'equivocating' ? 'an' : 'a'} ${name} tally for ${name === 'foreign' ? otherPrecinct.id : precinct.id}`);
    }
    // Give gossip a moment to deliver before the rogue leaves.
    await new Promise((r) => setTimeout(r, 1000));
  } finally {
    await rogue.stop();
  }
  return report;
}

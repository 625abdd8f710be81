import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ballot, encryptBallot } from '../protocol/ballot.ts';
import { ElectionContext } from '../protocol/election.ts';
import { LocalNetwork } from '../node/local-network.ts';
import { writeTestElection } from './support/network-fixture.ts';
import { runStatus } from '../node/commands/status-command.ts';
it('probe', async () => {
  const folder = writeTestElection();
  const ctx = new ElectionContext(folder.election.manifest);
  const token = readFileSync(join(folder.dir, 'admin-token'), 'utf8').trim();
  const net = new LocalNetwork(folder.dir, { override: (c) => (c.role === 'trustee' ? { autoDecrypt: true } : {}), tickMs: 300 });
  await net.startAll();
  try {
    const precincts = ctx.manifest.roster.filter((e) => e.role === 'precinct').map((e) => e.id);
    const ballot = encryptBallot(ctx, precincts[0]!, {});
    const r = await fetch(`${net.url(precincts[0]!)}/ballots`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ voterId: 'v1', ballot: Ballot.toJSON(ballot) }) });
    console.log('vote', r.status, (await r.text()).slice(0, 200));
    for (const p of precincts) console.log('close', (await fetch(`${net.url(p)}/admin/close`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status);
    await new Promise((r) => setTimeout(r, 8000));
    for (const e of ctx.manifest.roster) {
      const u = net.url(e.id);
      for (const path of ['/health', '/status', '/peers', '/tallies', '/board', '/result', '/record', '/metrics', '/log']) {
        const res = await fetch(u + path);
        const t = await res.text();
        if (res.status >= 500 || path === '/result') console.log(e.id, path, res.status, t.slice(0, 200));
      }
    }
    try { const b = await net.nodes.get('national')!.node.board({ from: 0, limit: 100 }); console.log('board ok', JSON.stringify(b).slice(0, 600)); } catch (e) { console.log('board threw', e); }
    await runStatus({ node: net.url('national') });
    await runStatus({ node: net.url(precincts[0]!) });
  } finally {
    await net.stopAll();
    folder.cleanup();
  }
});

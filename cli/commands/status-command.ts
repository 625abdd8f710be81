// `tallymesh status --node URL`: a node's status and peers, readably: role, id, phase, counts,
// children reported (✓ reported, … waiting, ✗ equivocated), partial decryptions and peers.
import type { Command } from 'commander';
import { NodeClient } from '../http-client.ts';
import type { NodeStatus, PeerView } from '../../node/api/node-api.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';

export interface StatusOptions {
  node: string;
  print?: (line: string) => void;
}

/** Rows as aligned columns; `right` lists the columns to right-align. */
export function formatTable(rows: string[][], right: number[] = [], indent = '  '): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, [...cell].length)));
  return rows.map((row) =>
    (
      indent +
      row
        .map((cell, i) => {
          const pad = (widths[i] ?? 0) - [...cell].length;
          return right.includes(i) ? ' '.repeat(pad) + cell : cell + ' '.repeat(pad);
        })
        .join('  ')
    ).trimEnd(),
  );
}

const short = (hash: string | undefined, n = 12): string => (hash ? (hash.length > n ? `${hash.slice(0, n)}…` : hash) : '');

function fmtNumber(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : String(x);
}

export function formatStatus(status: NodeStatus, peers: PeerView[]): string[] {
  const lines: string[] = [];
  const field = (name: string, value: string): void => {
    lines.push(`${name.padEnd(14)}${value}`);
  };
  field('node', `${status.id} (${status.role}${status.parent ? `, parent ${status.parent}` : ''})`);
  field('election', `${status.electionId}  ${short(status.electionHash, 16)}`);
  field('phase', status.phase + (status.waitingFor ? `  (waiting for ${status.waitingFor})` : ''));
  if (status.ballots !== undefined) field('ballots', String(status.ballots));

  if (status.children.length > 0) {
    const reported = status.children.filter((c) => c.reported).length;
    field('children', `${reported} of ${status.children.length} reported`);
    lines.push(
      ...formatTable(
        status.children.map((c) => [
          `${c.equivocated ? '✗' : c.reported ? '✓' : '…'} ${c.id}`,
          c.role,
          c.ballotCount !== undefined ? `${c.ballotCount} ballots` : '',
          c.equivocated ? 'EQUIVOCATED (two different signed tallies)' : c.reported ? `tally ${short(c.tallyHash)}` : 'waiting',
        ]),
        [2],
      ),
    );
  }

  if (status.partials.length > 0 || status.role === 'trustee' || status.role === 'national') {
    field('partials', `${status.threshold.valid} valid of ${status.threshold.needed} needed`);
    const sorted = [...status.partials].sort((a, b) => a.trusteeIndex - b.trusteeIndex);
    lines.push(...formatTable(sorted.map((p) => [`${p.valid ? '✓' : '✗'} #${p.trusteeIndex}`, p.trusteeId, p.valid ? 'valid' : `invalid${p.reason ? `: ${p.reason}` : ''}`])));
  }
  field('result', status.hasResult ? 'yes' : 'not yet');
  field('equivocations', String(status.equivocations));

  field('peers', `${peers.length} connected`);
  if (peers.length > 0) {
    const rows = [['ROSTER ID', 'ROLE', 'LATENCY', 'SCORE', 'ADMISSION', 'PEER ID']];
    const ordered = [...peers].sort((a, b) => (a.nodeId ?? '~' + a.peerId).localeCompare(b.nodeId ?? '~' + b.peerId));
    for (const p of ordered) {
      rows.push([p.nodeId ?? '-', p.role ?? '-', p.latencyMs !== undefined ? `${fmtNumber(p.latencyMs, 0)} ms` : '-', fmtNumber(p.score, 2), p.admission, short(p.peerId, 16)]);
    }
    lines.push(...formatTable(rows, [2, 3]));
  }
  return lines;
}

export async function runStatus(o: StatusOptions): Promise<{ status: NodeStatus; peers: PeerView[] }> {
  const print = o.print ?? ((line: string) => process.stdout.write(line + '\n'));
  const client = new NodeClient(o.node);
  const [status, peers] = await Promise.all([client.status(), client.peers()]);
  for (const line of formatStatus(status, peers)) print(line);
  return { status, peers };
}

export function registerStatusCommand(program: Command): Command {
  return program
    .command('status')
    .description("print a node's status and peers")
    .requiredOption('--node <url>', "the node's REST URL, e.g. http://127.0.0.1:21001")
    .action(async (opts: { node: string }) => {
      try {
        await runStatus(opts);
      } catch (err) {
        process.stderr.write(`tallymesh status: ${errorMessage(err)}\n`);
        process.exitCode = 1;
      }
    });
}

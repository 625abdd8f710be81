// `tallymesh vote --manifest FILE --precinct URL --voter ID [--ballot-style ID] --choose CONTEST=OPTION ... [--receipt-out FILE]`:
// the voter client. Reads the precinct's ballot style from the manifest, encrypts and proves the ballot locally, submits it to the precinct's REST API
// and checks the signed receipt it gets back (precinct's roster key, this ballot's hash) before
// printing it.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { toHex, equalBytes } from '../../crypto/bytes.ts';
import { Ballot, encryptBallot, type Choices } from '../../protocol/ballot.ts';
import { ElectionContext } from '../../protocol/election.ts';
import type { Contest } from '../../protocol/manifest.ts';
import { Receipt, validateReceipt } from '../../protocol/receipt.ts';
import { NodeClient } from '../http-client.ts';
import { loadManifest } from '../../setup/setup-files.ts';
import { normalizeVoterId } from '../../protocol/voter-id.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';

export interface VoteOptions {
  manifest: string;
  precinct: string;
  voter: string;
  /** The ballot style, when the precinct has several (a primary); its only one by default. */
  ballotStyle?: string;
  choose?: string[];
  receiptOut?: string;
  /** Where the receipt JSON goes (default stdout). */
  print?: (line: string) => void;
  /** Notes such as "already submitted" (default stderr). */
  warn?: (line: string) => void;
}

export interface VoteOutcome {
  precinctId: string;
  ballotHash: string;
  receipt: Receipt;
  duplicate: boolean;
}

/**
 * Maps `contest=option` arguments to option indexes per contest of a ballot (its style's
 * contests). A contest not mentioned abstains when it allows abstention; every problem names the
 * contest or option.
 */
export function parseChoices(contests: readonly Contest[], choose: string[], style = 'the ballot'): Choices {
  const picked = new Map<string, number[]>();
  for (const arg of choose) {
    const eq = arg.indexOf('=');
    if (eq <= 0) throw new Error(`--choose "${arg}": expected CONTEST=OPTION`);
    const contestId = arg.slice(0, eq).trim();
    const optionName = arg.slice(eq + 1).trim();
    const contest = contests.find((c) => c.id === contestId);
    if (!contest) throw new Error(`--choose "${arg}": contest "${contestId}" is not on ${style} (its contests: ${contests.map((c) => c.id).join(', ')})`);
    let index = contest.options.indexOf(optionName);
    if (index < 0) {
      const folded = contest.options.flatMap((o, i) => (o.toLowerCase() === optionName.toLowerCase() ? [i] : []));
      if (folded.length === 1) index = folded[0]!;
    }
    if (index < 0) throw new Error(`--choose "${arg}": contest "${contestId}" has no option "${optionName}" (options: ${contest.options.join(', ')})`);
    const list = picked.get(contestId) ?? [];
    if (list.includes(index)) throw new Error(`--choose "${arg}": option "${contest.options[index]}" of contest "${contestId}" is chosen twice`);
    list.push(index);
    picked.set(contestId, list);
  }
  const choices: Choices = {};
  for (const contest of contests) {
    const list = picked.get(contest.id) ?? [];
    if (list.length === 0 && !contest.allowAbstain) {
      throw new Error(`contest "${contest.id}" does not allow abstaining: choose an option with --choose ${contest.id}=OPTION (options: ${contest.options.join(', ')})`);
    }
    const limit = contest.kind === 'plurality' ? 1 : contest.selectionLimit;
    if (list.length > limit) {
      throw new Error(`contest "${contest.id}" allows at most ${limit} choice${limit === 1 ? '' : 's'}, got ${list.length}`);
    }
    choices[contest.id] = [...list].sort((a, b) => a - b);
  }
  return choices;
}

export async function runVote(o: VoteOptions): Promise<VoteOutcome> {
  const print = o.print ?? ((line: string) => process.stdout.write(line + '\n'));
  const warn = o.warn ?? ((line: string) => process.stderr.write(line + '\n'));
  let voterId: string;
  try {
    voterId = normalizeVoterId(o.voter);
  } catch (err) {
    throw new Error(`--voter: ${errorMessage(err)}`);
  }
  const ctx = new ElectionContext(loadManifest(o.manifest));

  const client = new NodeClient(o.precinct);
  const health = await client.health();
  const entry = ctx.index.byId.get(health.id);
  if (!entry) throw new Error(`the node at ${client.baseUrl} is "${health.id}", which is not in this election's roster`);
  if (entry.role !== 'precinct') throw new Error(`the node at ${client.baseUrl} is ${entry.role} "${health.id}", not a precinct`);
  const styleId = o.ballotStyle ?? (entry.ballotStyles.length === 1 ? entry.ballotStyles[0]! : undefined);
  if (styleId === undefined) throw new Error(`precinct "${entry.id}" has ${entry.ballotStyles.length} ballot styles: choose one with --ballot-style (${entry.ballotStyles.join(', ')})`);
  if (!entry.ballotStyles.includes(styleId)) throw new Error(`--ballot-style "${styleId}" is not one of precinct "${entry.id}"'s ballot styles (${entry.ballotStyles.join(', ')})`);
  const contests = ctx.scopes.contestsOfStyle(styleId).map((p) => p.contest);
  const choices = parseChoices(contests, o.choose ?? [], `ballot style "${styleId}" of precinct "${entry.id}"`);

  const ballot = encryptBallot(ctx, entry.id, choices, undefined, styleId);
  const ballotHash = Ballot.hash(ballot);
  const submitted = await client.submitBallot(voterId, Ballot.toJSON(ballot));

  let receipt: Receipt;
  try {
    receipt = validateReceipt(ctx, Receipt.fromJSON(submitted.receipt));
  } catch (err) {
    throw new Error(`the precinct's receipt does not check out: ${errorMessage(err)}`);
  }
  if (receipt.precinctId !== entry.id) throw new Error(`the receipt is signed for precinct "${receipt.precinctId}", not "${entry.id}"`);
  if (!equalBytes(receipt.ballotHash, ballotHash)) {
    throw new Error(`the receipt is for ballot ${toHex(receipt.ballotHash)}, not the ballot just submitted (${toHex(ballotHash)})`);
  }
  if (submitted.duplicate) warn(`note: the precinct already had this ballot; this is its receipt`);

  const receiptJSON = Receipt.toJSON(receipt);
  // The precinct's address goes with it: `tallymesh receipt check` fetches the inclusion proof there.
  if (o.receiptOut) writeFileSync(o.receiptOut, JSON.stringify({ receipt: receiptJSON, precinct: client.baseUrl }, null, 2) + '\n');
  print(JSON.stringify(receiptJSON, null, 2));
  return { precinctId: entry.id, ballotHash: toHex(ballotHash), receipt, duplicate: submitted.duplicate };
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerVoteCommand(program: Command): Command {
  return program
    .command('vote')
    .description("encrypt a ballot, submit it to a precinct and print the signed receipt")
    .requiredOption('--manifest <file>', "the election's manifest.json")
    .requiredOption('--precinct <url>', "the precinct node's REST URL, e.g. http://127.0.0.1:21001")
    .requiredOption('--voter <id>', 'voter id as the poll book has it (1..128 characters, NFC; one ballot per voter)')
    .option('--ballot-style <id>', "the ballot style, when the precinct has several (one per party in a primary); default: the precinct's only style")
    .option('--choose <contest=option>', 'a choice, by option name; repeat for several contests and for approval contests', collect, [] as string[])
    .option('--receipt-out <file>', 'also save the receipt (with the precinct\'s address) for `tallymesh receipt check` and `tallymesh verify --receipt`')
    .action(async (opts: { manifest: string; precinct: string; voter: string; ballotStyle?: string; choose: string[]; receiptOut?: string }) => {
      try {
        await runVote(opts);
      } catch (err) {
        process.stderr.write(`tallymesh vote: ${errorMessage(err)}\n`);
        process.exitCode = 1;
      }
    });
}

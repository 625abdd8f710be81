// `tallymesh receipt check FILE --node URL [--manifest FILE] [--precinct URL]`: a voter checks
// one receipt without the record, in a second: the precinct's signature on it, the ballot's leaf
// under the precinct tally's Merkle root, and the chain of signed tallies from that tally up to
// the national tally that the result decrypts (protocol/verify/receipt-proof.ts). The chain comes
// from any node that holds it (GET /proof/:precinctId); the inclusion proof from the receipt file
// or the precinct (GET /receipts/:ballotHash). The manifest is the voter's own copy, or fetched
// and accepted only if its hash is the election hash the precinct signed into the receipt.
import type { Command } from 'commander';
import { equalBytes, fromHex, toHex } from '../../crypto/bytes.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';
import { readFileSync } from 'node:fs';
import { encodeManifest } from '../../protocol/manifest.ts';
import { receiptContext } from '../../protocol/manifest-excerpt.ts';
import { PartialDecryption } from '../../protocol/partial-decryption.ts';
import { Result } from '../../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../../protocol/tally.ts';
import { checkReceiptProof } from '../../protocol/verify/receipt-proof.ts';
import { formatCheck, type CheckResult } from '../../protocol/verify/index.ts';
import { loadManifest } from '../../setup/setup-files.ts';
import { NodeClient } from '../http-client.ts';
import { readReceiptFile } from './verify-command.ts';

export interface ReceiptCheckOptions {
  node: string;
  manifest?: string;
  precinct?: string;
  print?: (line: string) => void;
}

export interface ReceiptCheckOutcome {
  checks: CheckResult[];
  ok: boolean;
  /** Time from reading the file to the last check (ms). */
  ms: number;
}

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));

export async function runReceiptCheck(file: string, o: ReceiptCheckOptions): Promise<ReceiptCheckOutcome> {
  const print = o.print ?? ((line: string) => process.stdout.write(line + '\n'));
  const start = performance.now();
  const input = readReceiptFile(file);
  const { receipt } = input;
  const node = new NodeClient(o.node);

  // Only the excerpt of the manifest that this precinct's path needs is decoded: a U.S.-scale
  // roster takes seconds to decode and validate in full (protocol/manifest-excerpt.ts).
  const source = o.manifest ?? `${node.baseUrl}/manifest`;
  const bytes = o.manifest ? readManifestBytes(o.manifest) : b64((await node.manifest()).manifest);
  const ctx = receiptContext(bytes, receipt.precinctId);
  if (!equalBytes(ctx.hash, receipt.electionHash)) throw new Error(`${source} is the manifest of another election (hash ${ctx.hashHex}, the receipt is for ${toHex(receipt.electionHash)})`);

  let inclusion = input.inclusion;
  if (!inclusion) {
    const precinct = new NodeClient(o.precinct ?? input.precinct ?? o.node);
    try {
      const view = await precinct.receipt(toHex(receipt.ballotHash));
      if (view?.inclusion) inclusion = { size: view.inclusion.size, path: view.inclusion.path.map((h) => fromHex(h)) };
    } catch (err) {
      print(`note: no inclusion proof from ${precinct.baseUrl} (${errorMessage(err)})`);
    }
  }
  const proof = await node.proof(receipt.precinctId);
  const checks = checkReceiptProof(ctx, {
    receipt,
    inclusion,
    precinctTally: proof ? PrecinctTally.decode(b64(proof.precinctTally)) : undefined,
    path: proof ? proof.path.map((t) => AggregateTally.decode(b64(t))) : [],
    result: proof?.result ? Result.decode(b64(proof.result)) : undefined,
    partials: proof ? proof.partials.map((p) => PartialDecryption.decode(b64(p))) : [],
  });
  const ms = performance.now() - start;
  print(`TallyMesh receipt check: ${file} (ballot ${toHex(receipt.ballotHash).slice(0, 16)}… at ${receipt.precinctId} #${receipt.logPosition})`);
  if (!proof) print(`note: ${node.baseUrl} does not hold the tallies above ${receipt.precinctId}; ask its county or the national node`);
  for (const c of checks) print(formatCheck(c));
  const ok = checks.every((c) => c.status === 'pass');
  print(ok ? `PASS: the ballot is counted in the result (${ms.toFixed(0)} ms).` : `FAIL: checks ${checks.filter((c) => c.status !== 'pass').map((c) => c.number).join(', ')} did not pass.`);
  return { checks, ok, ms };
}

/** A manifest file: the record's canonical manifest.bin, or a setup's manifest.json (re-encoded). */
function readManifestBytes(file: string): Uint8Array {
  const raw = new Uint8Array(readFileSync(file));
  return raw[0] === 0x7b /* '{' */ ? encodeManifest(loadManifest(file)) : raw;
}

export function registerReceiptCommand(program: Command): void {
  const receipt = program.command('receipt').description('a voter\'s receipt');
  receipt
    .command('check')
    .description('check a receipt without the record: signature, inclusion, the signed chain up to the result')
    .argument('<file>', 'the receipt file (`tallymesh vote --receipt-out`, or GET /receipts/:ballotHash)')
    .requiredOption('--node <url>', 'any node holding the chain (the precinct, its county, ..., the national node)')
    .option('--manifest <file>', 'your copy of the manifest: the record\'s manifest.bin or a manifest.json (default: fetched from the node); either way checked against the receipt\'s election hash')
    .option('--precinct <url>', 'where to fetch the inclusion proof (default: the address in the receipt file, else --node)')
    .action(async (file: string, opts: ReceiptCheckOptions) => {
      const outcome = await runReceiptCheck(file, opts);
      process.exitCode = outcome.ok ? 0 : 1;
    });
}

// The one binary: `tallymesh <command>`. Each command's work lives in cli/commands/.
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { runSetup } from './commands/setup-command.ts';
import { registerVerifyCommand } from './commands/verify-command.ts';
import { registerReceiptCommand } from './commands/receipt-command.ts';
import { registerSimulateCommand } from './commands/simulate-command.ts';
import { registerNodeCommand } from './commands/node-command.ts';
import { registerVoteCommand } from './commands/vote-command.ts';
import { registerRecordCommand } from './commands/record-command.ts';
import { registerStatusCommand } from './commands/status-command.ts';
import { registerCloseCommand, registerDecryptCommand } from './commands/close-command.ts';
import { errorMessage } from '../errors/tallymesh-error.ts';

function int(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

export function buildProgram(): Command {
  // exitOverride (inherited by every command added below): a usage error throws instead of
  // exiting 1, so that main can exit 2 and 1 keeps meaning "a check failed" (verify, receipt).
  const program = new Command('tallymesh').description('Peer-to-peer counting of encrypted ballots').showHelpAfterError().exitOverride();
  program
    .command('setup')
    .description('generate a new election: manifest, node configs, keys and trustee shares')
    .requiredOption('--out <dir>', 'folder to write the election into (must not hold one already)')
    .option('--states <n>', 'number of states', int('--states'))
    .option('--counties <n>', 'counties per state', int('--counties'))
    .option('--precincts <n>', 'precincts per county', int('--precincts'))
    .option('--trustees <n>', 'number of trustees', int('--trustees'))
    .option('--threshold <n>', 'trustees needed to decrypt', int('--threshold'))
    .option('--key-bits <n>', 'Paillier modulus size: 2048 (default) or 3072', int('--key-bits'))
    .option('--definition <file>', 'the election definition: a native definition (docs/definition.md) or a VxSuite election.json; without it, a uniform shape of --states x --counties x --precincts')
    .option('--format <format>', 'the definition\'s format: tallymesh or vxsuite (default: detected)')
    .option('--state-id <id>', 'VxSuite: the id of the state node the file\'s county is placed under (VxSuite defines one county)')
    .option('--state-name <name>', 'VxSuite: that state\'s name (default: the file\'s state)')
    .option('--state-fips <code>', 'VxSuite: that state\'s 2-digit FIPS code')
    .option('--county-fips <code>', 'VxSuite: the county\'s 5-digit FIPS code')
    .option('--ballot <kind>', 'a uniform shape\'s ballot: single (the standard three contests everywhere, the default) or local (contests at every level, ballot styles by precinct)')
    .option('--checkpoint-interval <n>', 'ballots between precinct checkpoints', int('--checkpoint-interval'))
    .option('--base-port <n>', 'first port; node i uses base+2i (libp2p) and base+2i+1 (REST)', int('--base-port'))
    .option('--opens-at <time>', 'ISO time before which precincts take no ballot')
    .option('--closes-at <time>', 'ISO time at which the polls close by themselves')
    .option('--combiner <id>', 'the node that combines the partial decryptions and alone may sign the result (default: the national node)')
    .option('--election-id <id>', 'election identifier')
    .action((opts) => {
      const out = runSetup(opts);
      process.stdout.write(`wrote ${out.manifestPath} and ${out.nodes} node configs\n`);
    });
  registerVerifyCommand(program);
  registerReceiptCommand(program);
  registerSimulateCommand(program);
  registerNodeCommand(program);
  registerVoteCommand(program);
  registerCloseCommand(program);
  registerDecryptCommand(program);
  registerStatusCommand(program);
  registerRecordCommand(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed the usage error (or the help, exit code 0) already.
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`tallymesh: ${errorMessage(err)}\n`);
    process.exitCode = 2;
  }
}

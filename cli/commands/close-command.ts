// `tallymesh close --node URL --token-file FILE`: closes the polls at a precinct (POST /admin/close).
// `tallymesh decrypt --node URL --token-file FILE`: makes a trustee publish its partial
// decryption (POST /admin/decrypt). The token is the setup's DIR/admin-token.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { NodeClient, NodeRequestError } from '../http-client.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';

export interface AdminCommandOptions {
  node: string;
  tokenFile: string;
  print?: (line: string) => void;
}

export function readTokenFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the token file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const token = text.trim();
  if (token === '') throw new Error(`the token file ${path} is empty`);
  return token;
}

async function runAdmin(action: 'close' | 'decrypt', o: AdminCommandOptions): Promise<{ phase: string }> {
  const print = o.print ?? ((line: string) => process.stdout.write(line + '\n'));
  const token = readTokenFile(o.tokenFile);
  const client = new NodeClient(o.node, { adminToken: token });
  let out: { phase: string };
  try {
    out = action === 'close' ? await client.close() : await client.decrypt();
  } catch (err) {
    if (err instanceof NodeRequestError && err.status === 401) {
      throw new Error(`${client.baseUrl} rejected the admin token (401 ${err.serverMessage}): is ${o.tokenFile} this election's admin-token?`);
    }
    throw err;
  }
  print(`phase: ${out.phase}`);
  return out;
}

export function runClose(o: AdminCommandOptions): Promise<{ phase: string }> {
  return runAdmin('close', o);
}

export function runDecrypt(o: AdminCommandOptions): Promise<{ phase: string }> {
  return runAdmin('decrypt', o);
}

function register(program: Command, name: 'close' | 'decrypt', description: string): Command {
  return program
    .command(name)
    .description(description)
    .requiredOption('--node <url>', "the node's REST URL, e.g. http://127.0.0.1:21001")
    .requiredOption('--token-file <file>', "the election's admin token file (DIR/admin-token of the setup)")
    .action(async (opts: { node: string; tokenFile: string }) => {
      try {
        await runAdmin(name, opts);
      } catch (err) {
        process.stderr.write(`tallymesh ${name}: ${errorMessage(err)}\n`);
        process.exitCode = 1;
      }
    });
}

export function registerCloseCommand(program: Command): Command {
  return register(program, 'close', 'close the polls at a precinct (admin)');
}

export function registerDecryptCommand(program: Command): Command {
  return register(program, 'decrypt', "make a trustee publish its partial decryption of the national tally (admin)");
}

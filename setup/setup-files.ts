// Writing and reading what `tallymesh setup` produces:
//   DIR/manifest.json            the public manifest
//   DIR/nodes/<id>.json          one config per node (role, parent, key file, data dir, ports)
//   DIR/keys/<id>.key            each node's Ed25519 secret key (mode 0600)
//   DIR/shares/<trustee>.share   each trustee's threshold key share (mode 0600)
//   DIR/admin-token              the token for admin actions such as closing the polls (0600)
// The Paillier factorisation is never written anywhere.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fromHex, toHex } from '../crypto/bytes.ts';
import { signingKeyFromSecret } from '../crypto/signature.ts';
import type { TrusteeShare } from '../crypto/threshold.ts';
import { manifestFromJSON, manifestToJSON, type Manifest, type Role } from '../protocol/manifest.ts';
import type { GeneratedElection } from './election-setup.ts';
import { writeJSON } from '../record/record-files.ts';

export interface NodeConfig {
  id: string;
  role: Role;
  parent: string;
  /** Paths are relative to the config file's folder. */
  manifest: string;
  keyFile: string;
  shareFile?: string;
  /** The admin token that authorises closing the polls and trustee decryption on this node. */
  adminTokenFile?: string;
  /** Trustees: publish the partial decryption as soon as the hierarchy checks out (else on an admin command). */
  autoDecrypt?: boolean;
  dataDir: string;
  listen: string[];
  bootstrap: string[];
  rest: { host: string; port: number };
}

export interface PortPlan {
  host: string;
  /** libp2p port of node i is base + 2i, its REST port base + 2i + 1. */
  basePort: number;
  /** The address of each node's host, where nodes run on several (default: `host` for all). */
  hostOf?: (nodeId: string) => string;
}

export const DEFAULT_PORTS: PortPlan = { host: '127.0.0.1', basePort: 21000 };

const SECRET = 0o600;

export function writeSetup(dir: string, election: GeneratedElection, ports: PortPlan = DEFAULT_PORTS): string[] {
  if (existsSync(join(dir, 'manifest.json'))) {
    throw new Error(`${join(dir, 'manifest.json')} exists: setup refuses to overwrite an existing election`);
  }
  for (const sub of ['nodes', 'keys', 'shares', 'data']) mkdirSync(join(dir, sub), { recursive: true });
  const { manifest } = election;
  writeJSON(join(dir, 'manifest.json'), manifestToJSON(manifest));
  writeFileSecret(join(dir, 'admin-token'), election.adminToken + '\n');
  const hostOf = (i: number): string => ports.hostOf?.(manifest.roster[i]!.id) ?? ports.host;
  const addr = (i: number): string => `/ip4/${hostOf(i)}/tcp/${ports.basePort + 2 * i}`;
  const national = manifest.roster.findIndex((e) => e.role === 'national');
  const written: string[] = [];
  manifest.roster.forEach((entry, i) => {
    const secret = election.nodeKeys.get(entry.id)!;
    writeJSON(join(dir, 'keys', `${entry.id}.key`), { id: entry.id, secretKey: toHex(secret.secretKey) }, SECRET);
    const share = election.shares.get(entry.id);
    if (share) writeJSON(join(dir, 'shares', `${entry.id}.share`), { id: entry.id, index: share.index, share: share.share.toString(16) }, SECRET);
    const parentIndex = manifest.roster.findIndex((e) => e.id === entry.parent);
    const dial = parentIndex >= 0 ? parentIndex : national;
    const config: NodeConfig = {
      id: entry.id,
      role: entry.role,
      parent: entry.parent,
      manifest: '../manifest.json',
      keyFile: `../keys/${entry.id}.key`,
      ...(share ? { shareFile: `../shares/${entry.id}.share` } : {}),
      adminTokenFile: '../admin-token',
      dataDir: `../data/${entry.id}`,
      listen: [addr(i)],
      bootstrap: i === dial ? [] : [`${addr(dial)}/p2p/${manifest.roster[dial]!.peerId}`],
      rest: { host: hostOf(i), port: ports.basePort + 2 * i + 1 },
    };
    const path = join(dir, 'nodes', `${entry.id}.json`);
    writeJSON(path, config);
    written.push(path);
  });
  return written;
}

function writeFileSecret(path: string, text: string): void {
  writeFileSync(path, text, { mode: SECRET });
}

export function loadManifest(path: string): Manifest {
  return manifestFromJSON(JSON.parse(readFileSync(path, 'utf8')));
}

export function loadSigningKey(path: string): { id: string; secretKey: Uint8Array; publicKey: Uint8Array } {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { id?: unknown; secretKey?: unknown };
  if (typeof json.id !== 'string' || typeof json.secretKey !== 'string') throw new Error(`${path}: a key file needs "id" and "secretKey"`);
  const pair = signingKeyFromSecret(fromHex(json.secretKey));
  return { id: json.id, ...pair };
}

export function loadShare(path: string): TrusteeShare & { id: string } {
  const json = JSON.parse(readFileSync(path, 'utf8')) as { id?: unknown; index?: unknown; share?: unknown };
  if (typeof json.id !== 'string' || typeof json.index !== 'number' || typeof json.share !== 'string' || !/^[0-9a-f]+$/.test(json.share)) {
    throw new Error(`${path}: a share file needs "id", "index" and a hex "share"`);
  }
  return { id: json.id, index: json.index, share: BigInt('0x' + json.share) };
}

/** Resolves a path in a config relative to the config file. */
export function resolveFrom(configPath: string, path: string): string {
  return resolve(dirname(configPath), path);
}

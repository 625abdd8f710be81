// Loading a node's config file: every field checked, every path resolved against the file's
// folder, and every error naming the field and the file.
import { readFileSync } from 'node:fs';
import { TallyMeshError, errorMessage } from '../errors/tallymesh-error.ts';
import { ROLES, type Role } from '../protocol/manifest.ts';
import { resolveFrom, type NodeConfig } from '../setup/setup-files.ts';

export class ConfigError extends TallyMeshError {
  override readonly name = 'ConfigError';
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super('invalid-config', `${file}: ${field}: ${detail}`);
  }
}

/** A config with its paths made absolute, plus the options setup leaves to the operator. */
export interface LoadedConfig extends NodeConfig {
  configPath: string;
  /** Trustees: publish the partial decryption as soon as the hierarchy checks out. */
  autoDecrypt: boolean;
  /** PeerIds let in read-only besides the roster, or true for any peer. */
  observers: string[] | true;
}

const KNOWN = new Set(['id', 'role', 'parent', 'manifest', 'keyFile', 'shareFile', 'adminTokenFile', 'dataDir', 'listen', 'bootstrap', 'rest', 'autoDecrypt', 'observers']);

export function loadNodeConfig(path: string): LoadedConfig {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(path, '(file)', errorMessage(err));
  }
  return parseNodeConfig(json, path);
}

export function parseNodeConfig(json: unknown, path: string): LoadedConfig {
  const fail = (field: string, detail: string): never => {
    throw new ConfigError(path, field, detail);
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('(file)', 'must be a JSON object');
  const c = json as Record<string, unknown>;
  if ('combine' in c) fail('combine', 'the manifest names the combiner (tallymesh setup --combiner ID); a config cannot');
  for (const key of Object.keys(c)) if (!KNOWN.has(key)) fail(key, 'unknown field');
  const str = (field: string, optional = false): string | undefined => {
    const v = c[field];
    if (v === undefined && optional) return undefined;
    if (typeof v !== 'string') return fail(field, v === undefined ? 'missing' : 'must be a string');
    return v;
  };
  const strings = (field: string): string[] => {
    const v = c[field];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) return fail(field, 'must be a list of strings');
    return v as string[];
  };
  const bool = (field: string): boolean => {
    const v = c[field];
    if (v === undefined) return false;
    if (typeof v !== 'boolean') return fail(field, 'must be true or false');
    return v;
  };
  const role = str('role') as string;
  if (!(ROLES as readonly string[]).includes(role)) fail('role', `must be one of ${ROLES.join(', ')}`);
  const rest = c.rest as { host?: unknown; port?: unknown } | undefined;
  if (typeof rest !== 'object' || rest === null) fail('rest', 'must be an object { host, port }');
  if (typeof rest!.host !== 'string' || !rest!.host) fail('rest.host', 'must be a host name or address');
  if (typeof rest!.port !== 'number' || !Number.isInteger(rest!.port) || rest!.port < 0 || rest!.port > 65535) fail('rest.port', 'must be a port number 0..65535');
  const observers = c.observers;
  if (observers !== undefined && observers !== true && !(Array.isArray(observers) && observers.every((x) => typeof x === 'string'))) {
    fail('observers', 'must be true or a list of PeerIds');
  }
  const shareFile = str('shareFile', true);
  const adminTokenFile = str('adminTokenFile', true);
  if (role === 'trustee' && !shareFile) fail('shareFile', 'a trustee needs its share file');
  const listen = strings('listen');
  for (const [i, a] of listen.entries()) if (!a.startsWith('/')) fail(`listen[${i}]`, `"${a}" is not a multiaddr`);
  const bootstrap = strings('bootstrap');
  for (const [i, a] of bootstrap.entries()) if (!a.includes('/p2p/')) fail(`bootstrap[${i}]`, `"${a}" must end in /p2p/<PeerId>`);
  const at = (p: string): string => resolveFrom(path, p);
  return {
    configPath: path,
    id: str('id') as string,
    role: role as Role,
    parent: (str('parent', true) ?? '') as string,
    manifest: at(str('manifest') as string),
    keyFile: at(str('keyFile') as string),
    ...(shareFile ? { shareFile: at(shareFile) } : {}),
    ...(adminTokenFile ? { adminTokenFile: at(adminTokenFile) } : {}),
    dataDir: at(str('dataDir') as string),
    listen,
    bootstrap,
    rest: { host: rest!.host as string, port: rest!.port as number },
    autoDecrypt: bool('autoDecrypt'),
    observers: observers === true ? true : ((observers as string[] | undefined) ?? []),
  };
}

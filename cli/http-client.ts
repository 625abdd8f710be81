// A tiny client of a node's REST API (node/rest/), on Node's global fetch. Errors carry the
// server's { error, message }; a node that cannot be reached is an error with status 0.
import type { LogEntryView, NodeStatus, PeerView, ArtifactView, ReceiptProofView, ReceiptView, RecordExport } from '../node/api/node-api.ts';
import type { Role } from '../protocol/manifest.ts';
import { TallyMeshError } from '../errors/tallymesh-error.ts';

export const DEFAULT_TIMEOUT_MS = 30_000;
const GET_ATTEMPTS = 3;

export class NodeRequestError extends TallyMeshError {
  override readonly name = 'NodeRequestError';
  constructor(
    /** HTTP status; 0 when no response came (connection refused, timeout, bad URL). */
    readonly status: number,
    /** The server's error code (e.g. "voter-already-voted"), or "unreachable" / "bad-response". */
    code: string,
    /** The server's message, or what went wrong on the way. */
    readonly serverMessage: string,
    readonly method: string,
    readonly url: string,
  ) {
    super(code, status === 0 ? `${method} ${url}: ${serverMessage}` : `${method} ${url}: ${status} ${code}: ${serverMessage}`);
  }
}

export interface Health {
  ok: boolean;
  id: string;
  role: Role;
  faults: string[];
}

export interface SubmitResult {
  receipt: unknown;
  duplicate: boolean;
  /** 201 for a new ballot, 200 for a duplicate. */
  status: number;
}

/** "127.0.0.1:21001" or "http://host:port/" -> "http://host:port" (no trailing slash). */
export function normalizeBaseUrl(url: string): string {
  const trimmed = url.trim();
  if (trimmed === '') throw new Error('node URL is empty');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `http://${trimmed}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new Error(`"${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error(`"${url}": only http and https URLs are supported`);
  return parsed.toString().replace(/\/+$/, '');
}

export interface NodeClientOptions {
  timeoutMs?: number;
  /** Admin token sent as a bearer token on admin actions. */
  adminToken?: string;
}

export class NodeClient {
  readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly adminToken: string | undefined;

  constructor(url: string, options: NodeClientOptions = {}) {
    this.baseUrl = normalizeBaseUrl(url);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.adminToken = options.adminToken;
  }

  /** One request; resolves with the status and the parsed body (JSON) or text. */
  async request(method: string, path: string, init: { body?: unknown; token?: string; accept?: string } = {}): Promise<{ status: number; body: unknown; text: string }> {
    const url = this.baseUrl + path;
    const headers: Record<string, string> = { accept: init.accept ?? 'application/json' };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    let response: Response | undefined;
    // A GET is tried again when the connection failed without an answer: a kept-alive socket the
    // server closed just as it was reused fails that way, and says nothing about the node.
    for (let attempt = 1; !response; attempt++) {
      try {
        response = await fetch(url, {
          method,
          headers,
          ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
          signal: AbortSignal.timeout(this.timeoutMs),
        });
      } catch (err) {
        const timedOut = (err as Error).name === 'TimeoutError';
        if (method === 'GET' && !timedOut && attempt < GET_ATTEMPTS) continue;
        const cause = (err as { cause?: { code?: string; message?: string } }).cause;
        const detail = timedOut ? `no answer within ${this.timeoutMs} ms` : (cause?.code ?? cause?.message ?? (err as Error).message);
        throw new NodeRequestError(0, 'unreachable', `cannot reach the node (${detail})`, method, url);
      }
    }
    const text = await response.text();
    const isJson = (response.headers.get('content-type') ?? '').includes('json');
    let body: unknown = text;
    if (isJson && text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        throw new NodeRequestError(response.status, 'bad-response', 'response is not valid JSON', method, url);
      }
    }
    if (!response.ok) {
      const e = body as { error?: unknown; message?: unknown } | undefined;
      const code = typeof e?.error === 'string' ? e.error : `http-${response.status}`;
      const message = typeof e?.message === 'string' ? e.message : response.statusText || 'request failed';
      throw new NodeRequestError(response.status, code, message, method, url);
    }
    return { status: response.status, body, text };
  }

  private async getJSON<T>(path: string): Promise<T> {
    return (await this.request('GET', path)).body as T;
  }

  /** GET that maps a 404 to undefined. */
  private async getOptional<T>(path: string): Promise<T | undefined> {
    try {
      return await this.getJSON<T>(path);
    } catch (err) {
      if (err instanceof NodeRequestError && err.status === 404) return undefined;
      throw err;
    }
  }

  health(): Promise<Health> {
    return this.getJSON('/health');
  }
  status(): Promise<NodeStatus> {
    return this.getJSON('/status');
  }
  peers(): Promise<PeerView[]> {
    return this.getJSON('/peers');
  }
  tallies(): Promise<ArtifactView[]> {
    return this.getJSON('/tallies');
  }
  board(page: { from?: number; limit?: number } = {}): Promise<{ items: ArtifactView[]; next?: number }> {
    return this.getJSON(`/board${query(page)}`);
  }
  log(page: { from?: number; limit?: number } = {}): Promise<LogEntryView[]> {
    return this.getJSON(`/log${query(page)}`);
  }
  /** undefined when the node knows no such ballot. */
  receipt(ballotHashHex: string): Promise<ReceiptView | undefined> {
    return this.getOptional(`/receipts/${encodeURIComponent(ballotHashHex)}`);
  }
  /** The chain from a precinct's tally up to the result; undefined when the node does not hold it. */
  proof(precinctId: string): Promise<ReceiptProofView | undefined> {
    return this.getOptional(`/proof/${encodeURIComponent(precinctId)}`);
  }
  manifest(): Promise<{ manifest: string; electionHash: string }> {
    return this.getJSON('/manifest');
  }
  /** undefined until there is a result. */
  result(): Promise<unknown | undefined> {
    return this.getOptional('/result');
  }
  record(): Promise<RecordExport> {
    return this.getJSON('/record');
  }
  async metrics(): Promise<string> {
    return (await this.request('GET', '/metrics', { accept: 'text/plain' })).text;
  }
  async submitBallot(voterId: string, ballot: unknown): Promise<SubmitResult> {
    const { status, body } = await this.request('POST', '/ballots', { body: { voterId, ballot } });
    const b = body as { receipt?: unknown; duplicate?: unknown };
    return { receipt: b.receipt, duplicate: b.duplicate === true, status };
  }
  close(token = this.adminToken): Promise<{ phase: string }> {
    return this.admin('/admin/close', token);
  }
  decrypt(token = this.adminToken): Promise<{ phase: string }> {
    return this.admin('/admin/decrypt', token);
  }

  private async admin(path: string, token: string | undefined): Promise<{ phase: string }> {
    if (token === undefined) throw new Error(`${path}: an admin token is required`);
    return (await this.request('POST', path, { token })).body as { phase: string };
  }
}

function query(page: { from?: number; limit?: number }): string {
  const params = new URLSearchParams();
  if (page.from !== undefined) params.set('from', String(page.from));
  if (page.limit !== undefined) params.set('limit', String(page.limit));
  const s = params.toString();
  return s ? `?${s}` : '';
}

// The pull protocol, /tallymesh/pull/1.0.0: how a node fetches an artifact it missed (a parent
// restarting after its children published) and how anything too large for gossip travels.
//
// One request/response exchange per stream, every message a length-prefixed frame (framing.ts):
//   client -> server  frame: JSON request, {"by":"hash","hash":"<64 hex>"} or
//                            {"by":"sender","type":"<artifact type>","sender":"<node id>"}
//   server -> client  frame: JSON header, {"status":"ok","count":N} | {"status":"not-found"}
//                            | {"status":"error","message":"..."}
//                     then N frames, each an artifact envelope (envelope.ts)
// The server only answers: storage stays behind a lookup function. The client checks that a
// by-hash answer hashes to what it asked for; validating artifacts is the caller's job (the host
// offers the same validators gossip uses).
import type { Libp2p, PeerId, Stream } from '@libp2p/interface';
import { toHex } from '../../crypto/bytes.ts';
import { TallyMeshError, errorMessage } from '../../errors/tallymesh-error.ts';
import { ARTIFACT_TYPES, contentHash, type ArtifactType } from '../../protocol/artifact.ts';
import { ID_PATTERN } from '../../protocol/manifest.ts';
import { decodeEnvelope, encodeEnvelope, type Envelope } from './envelope.ts';
import { frame, FrameReader } from './framing.ts';
import type { NetworkMetrics } from './metrics.ts';
import { NETWORK_DEFAULTS, type NetworkOptions } from './options.ts';

export type PullRequest = { by: 'hash'; hash: string } | { by: 'sender'; type: ArtifactType; sender: string };

/** Serves pull requests: the artifacts that answer it, [] for not found. */
export type PullLookup = (request: PullRequest, context: { peerId: string }) => Promise<Envelope[]>;

type PullHeader = { status: 'ok'; count: number } | { status: 'not-found' } | { status: 'error'; message: string };

export type PullErrorCode = 'bad-request' | 'remote-error' | 'bad-response' | 'hash-mismatch' | 'timeout';

export class PullError extends TallyMeshError {
  override readonly name = 'PullError';
  declare readonly code: PullErrorCode;
  constructor(code: PullErrorCode, detail: string) {
    super(code, `pull ${code}: ${detail}`);
  }
}

const json = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));

function parseJSON(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
}

/** Strict: exactly the fields of one request form, well formed. */
export function parsePullRequest(value: unknown): PullRequest {
  const bad = (why: string): never => {
    throw new PullError('bad-request', why);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad('request is not an object');
  const r = value as Record<string, unknown>;
  const keys = Object.keys(r).sort().join(',');
  if (r.by === 'hash') {
    if (keys !== 'by,hash') bad('a by-hash request has exactly "by" and "hash"');
    if (typeof r.hash !== 'string' || !/^[0-9a-f]{64}$/.test(r.hash)) bad('hash must be 64 lowercase hex digits');
    return { by: 'hash', hash: r.hash as string };
  }
  if (r.by === 'sender') {
    if (keys !== 'by,sender,type') bad('a by-sender request has exactly "by", "type" and "sender"');
    if (!ARTIFACT_TYPES.includes(r.type as ArtifactType)) bad('unknown artifact type');
    if (typeof r.sender !== 'string' || !ID_PATTERN.test(r.sender)) bad('sender must be a node id');
    return { by: 'sender', type: r.type as ArtifactType, sender: r.sender as string };
  }
  return bad('"by" must be "hash" or "sender"');
}

/** Aborts the stream when the signal fires; returns the cleanup. */
function abortOn(stream: Stream, signal: AbortSignal): () => void {
  const onAbort = (): void => stream.abort(new PullError('timeout', 'pull exchange timed out'));
  if (signal.aborted) onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  return () => signal.removeEventListener('abort', onAbort);
}

/** Registers the server side on a libp2p node. */
export async function servePull(
  libp2p: Libp2p,
  lookup: PullLookup,
  options: NetworkOptions['pull'] = NETWORK_DEFAULTS.pull,
  metrics?: NetworkMetrics,
): Promise<void> {
  await libp2p.handle(
    options.protocol,
    async ({ stream, connection }) => {
      const cleanup = abortOn(stream, AbortSignal.timeout(options.timeoutMs));
      let outcome = 'ok';
      try {
        const reader = new FrameReader(stream.source, options.maxRequestBytes);
        let header: PullHeader;
        let items: Uint8Array[] = [];
        try {
          const request = parsePullRequest(parseJSON(await reader.require('request')));
          const found = await lookup(request, { peerId: connection.remotePeer.toString() });
          if (found.length > options.maxItems) throw new Error(`answer has ${found.length} artifacts, above the limit of ${options.maxItems}`);
          items = found.map((e) => encodeEnvelope(e));
          const big = items.find((b) => b.length > options.maxFrameBytes);
          if (big) throw new Error(`an artifact of ${big.length} bytes exceeds the frame limit of ${options.maxFrameBytes}`);
          header = items.length === 0 ? { status: 'not-found' } : { status: 'ok', count: items.length };
          outcome = header.status;
        } catch (err) {
          outcome = err instanceof PullError ? err.code : 'error';
          header = { status: 'error', message: errorMessage(err) };
          items = [];
        }
        const frames = [frame(json(header)), ...items.map((b) => frame(b))];
        await stream.sink(
          (async function* () {
            for (const parts of frames) yield* parts;
          })(),
        );
        await stream.close().catch(() => undefined);
      } catch (err) {
        outcome = 'stream-error';
        stream.abort(err instanceof Error ? err : new Error(String(err)));
      } finally {
        cleanup();
        metrics?.pullRequests.inc({ side: 'server', outcome });
      }
    },
    { maxInboundStreams: options.maxInboundStreams, maxOutboundStreams: options.maxOutboundStreams },
  );
}

/** The client side: asks `peer` and returns its answer ([] for not found). */
export async function pullFrom(
  libp2p: Libp2p,
  peer: PeerId,
  request: PullRequest,
  options: NetworkOptions['pull'] = NETWORK_DEFAULTS.pull,
  metrics?: NetworkMetrics,
  signal?: AbortSignal,
): Promise<Envelope[]> {
  parsePullRequest(request);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let outcome = 'ok';
  try {
    const stream = await libp2p.dialProtocol(peer, options.protocol, { signal: combined });
    const cleanup = abortOn(stream, combined);
    try {
      const sent = stream.sink(frame(json(request)));
      const reader = new FrameReader(stream.source, options.maxFrameBytes);
      const header = parseJSON(await reader.require('response header', options.maxRequestBytes)) as PullHeader | undefined;
      const items: Envelope[] = [];
      if (header?.status === 'ok' && Number.isInteger(header.count) && header.count > 0 && header.count <= options.maxItems) {
        for (let i = 0; i < header.count; i++) items.push(decodeEnvelope(await reader.require(`artifact ${i + 1} of ${header.count}`)));
      } else if (header?.status === 'error') {
        throw new PullError('remote-error', String(header.message));
      } else if (header?.status !== 'not-found') {
        throw new PullError('bad-response', 'malformed response header');
      }
      await sent;
      await stream.close().catch(() => undefined);
      if (request.by === 'hash') {
        for (const item of items) {
          if (toHex(contentHash(item.type, item.bytes)) !== request.hash) throw new PullError('hash-mismatch', `peer answered with a ${item.type} of another hash`);
        }
      }
      outcome = items.length === 0 ? 'not-found' : 'ok';
      return items;
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)));
      throw err;
    } finally {
      cleanup();
    }
  } catch (err) {
    outcome = err instanceof PullError ? err.code : combined.aborted ? 'timeout' : 'error';
    if (combined.aborted && !(err instanceof PullError)) throw new PullError('timeout', `no complete answer within ${options.timeoutMs} ms`);
    throw err;
  } finally {
    metrics?.pullRequests.inc({ side: 'client', outcome });
  }
}

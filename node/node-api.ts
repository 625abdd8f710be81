// What a running node offers its REST API (and the dashboard): a facade over the role, the
// store and the network, so that node/rest/ depends on this interface and nothing else.
import type { Role } from '../protocol/manifest.ts';
import type { ArtifactType } from '../protocol/artifact.ts';

/** An error a REST client caused: its HTTP status, a stable code and a message naming the problem. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface ChildStatus {
  id: string;
  role: Role;
  reported: boolean;
  /** Hex content hash of the child's accepted tally. */
  tallyHash?: string;
  ballotCount?: number;
  /** Set when the child sent two different signed tallies. */
  equivocated?: boolean;
}

export interface NodeStatus {
  id: string;
  role: Role;
  parent: string;
  /** 'voting' | 'closed' for precincts; 'collecting' | 'aggregated' for aggregators;
   *  'waiting' | 'decrypted' for trustees; plus 'result' once a result is known. */
  phase: string;
  electionId: string;
  electionHash: string;
  ballots?: number;
  children: ChildStatus[];
  /** Trustees: which partial decryptions this node holds and whether their proofs verify. */
  partials: { trusteeId: string; trusteeIndex: number; valid: boolean; reason?: string }[];
  threshold: { needed: number; valid: number };
  hasResult: boolean;
  /** Why the node is waiting, when it is (e.g. "4 of 5 partial decryptions"). */
  waitingFor?: string;
  equivocations: number;
  peers: number;
}

export interface PeerView {
  peerId: string;
  nodeId?: string;
  role?: Role;
  admission: string;
  addresses: string[];
  latencyMs?: number;
  score: number;
  lastSeen?: string;
}

export interface ArtifactView {
  type: ArtifactType;
  /** Hex content hash. */
  hash: string;
  sender: string;
  /** The artifact's JSON view (protocol codecs' toJSON). */
  artifact: unknown;
}

export interface LogEntryView {
  seq: number;
  ballotHash: string;
  prevHash: string;
  entryHash: string;
}

export interface ReceiptView {
  receipt: unknown;
  /** Present once the precinct tally exists: RFC 9162 audit path to its ballotsRoot. */
  inclusion?: { index: number; size: number; path: string[]; root: string };
}

/** An election record as JSON: every artifact in canonical bytes (base64) for `tallymesh record`. */
export interface RecordExport {
  manifest: unknown;
  artifacts: { type: ArtifactType; data: string }[];
  /** Ballots this node published (precincts), by precinct id, canonical bytes in base64, log order. */
  ballots: Record<string, string[]>;
}

export interface NodeApi {
  readonly id: string;
  readonly role: Role;
  status(): Promise<NodeStatus>;
  peers(): Promise<PeerView[]>;
  tallies(): Promise<ArtifactView[]>;
  board(page: { from: number; limit: number }): Promise<{ items: ArtifactView[]; next?: number }>;
  /** Precincts only (others throw ApiError 404). */
  log(page: { from: number; limit: number }): Promise<LogEntryView[]>;
  receipt(ballotHashHex: string): Promise<ReceiptView | undefined>;
  result(): Promise<unknown | undefined>;
  record(): Promise<RecordExport>;
  /** Prometheus text format. */
  metrics(): Promise<string>;
  /** Precincts only: validates, logs durably, returns the signed receipt. */
  submitBallot(voterId: string, ballot: unknown): Promise<{ receipt: unknown; duplicate: boolean }>;
  /** Admin: closes the polls (precincts) or publishes a trustee's decryption; idempotent. */
  close(): Promise<{ phase: string }>;
  decrypt(): Promise<{ phase: string }>;
  /** Checks an admin bearer token in constant time. */
  checkAdminToken(token: string): boolean;
}

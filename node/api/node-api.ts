// What a running node offers its REST API (and the dashboard): a facade over the role, the
// store and the network, so that node/rest/ depends on this interface and nothing else.
import { TallyMeshError } from '../../errors/tallymesh-error.ts';
import type { Role } from '../../protocol/manifest.ts';
import type { ArtifactType } from '../../protocol/artifact.ts';

/** What the facade refuses on its own account. The REST layer gives each code its HTTP status. */
export type ApiErrorCode =
  | 'not-a-precinct'
  | 'not-a-trustee'
  | 'unknown-node'
  | 'unknown-ballot'
  | 'no-result'
  | 'not-held'
  | 'no-national-tally'
  | 'hierarchy-incomplete'
  | 'unauthorized'
  | 'too-many-listeners';

/** A request the node cannot serve, with a stable code and a message naming the problem. */
export class ApiError extends TallyMeshError {
  override readonly name = 'ApiError';
  declare readonly code: ApiErrorCode;
  constructor(code: ApiErrorCode, message: string) {
    super(code, message);
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
  /** Results this node refused because they fail check 9 (kept as evidence). */
  refusedResults: number;
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
  /** Hex commitment to the voter id (never the id). */
  voter: string;
  ballotHash: string;
  prevHash: string;
  entryHash: string;
}

export type { RecordExport } from '../../record/record-export.ts';
export type { ReceiptProofView, ReceiptView } from '../../protocol/receipt-proof-view.ts';
import type { ReceiptProofView, ReceiptView } from '../../protocol/receipt-proof-view.ts';
import type { RecordExport } from '../../record/record-export.ts';

export interface HealthView {
  ok: boolean;
  id: string;
  role: Role;
  /** Why the node cannot do its work; empty when ok. */
  faults: string[];
}

export interface NodeApi {
  readonly id: string;
  readonly role: Role;
  health(): Promise<HealthView>;
  /** The chain from a precinct's counted tally up to the result, as far as this node holds it. */
  receiptProof(precinctId: string): Promise<ReceiptProofView | undefined>;
  /** The manifest's canonical bytes (its hash is the election hash), base64. */
  manifest(): Promise<{ manifest: string; electionHash: string }>;
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

// ---------------------------------------------------------------------------------------------
// What the dashboard's read-only endpoints (node/rest/routes-hierarchy.ts) need beyond NodeApi.
// Everything here is public: roster facts without keys, hashes, peer health, verification.

/** The manifest's public facts the dashboard shows. */
export interface ElectionView {
  electionId: string;
  title: string;
  electionHash: string;
  /** Every contest with its district and its scope: the roster node where it is counted complete. */
  contests: { id: string; title: string; options: string[]; districtId: string; scopeId: string }[];
  threshold: { needed: number; trustees: number };
  roster: { id: string; role: Role; parent: string; name: string; fips: string; trusteeIndex: number }[];
}

/** An artifact of the count this node holds (the first of its signer's slot), without its body. */
export interface HeldArtifact {
  type: 'precinct-tally' | 'aggregate-tally' | 'partial-decryption' | 'result';
  sender: string;
  /** Hex content hash. */
  hash: string;
  ballotCount?: number;
  /** Aggregates: the children's tally hashes they multiplied. */
  children?: { id: string; tallyHash: string }[];
}

/** Equivocation evidence: a signer's second, different artifact for one slot. */
export interface EvidenceView {
  sender: string;
  slot: string;
  first: string;
  second: string;
  /** ISO time the evidence was found. */
  at: string;
}

/** A roster node's connection to this node. */
export interface PeerHealthView {
  nodeId: string;
  connected: boolean;
  latencyMs?: number;
  /** ISO time this node last saw a connection to it (absent: never, since this node started). */
  lastSeen?: string;
}

/** This node's verification of its own election record (protocol/verify.ts), once a result exists. */
export interface RecordCheckView {
  state: 'waiting' | 'running' | 'done' | 'error';
  checks: { number: number | string; name: string; title: string; status: 'pass' | 'fail' | 'skip'; details: string[] }[];
  /** Ballots in the checked record (a precinct publishes its own; others hold none). */
  ballots: number;
  /** pass, or partial: every check that ran passed but the node holds no ballots of some precincts. */
  verdict?: 'pass' | 'partial' | 'fail';
  message?: string;
}

export interface ObserverApi {
  election(): ElectionView;
  heldArtifacts(): HeldArtifact[];
  evidence(): Promise<EvidenceView[]>;
  peerHealth(): PeerHealthView[];
  /** Starts the check the first time it is asked for after the result exists; never blocks. */
  recordCheck(): RecordCheckView;
}

/** True when a NodeApi also offers the dashboard's accessors (TallyNode does; test fakes may not). */
export function isObserverApi(api: NodeApi): api is NodeApi & ObserverApi {
  const a = api as Partial<ObserverApi>;
  return typeof a.election === 'function' && typeof a.heldArtifacts === 'function' && typeof a.evidence === 'function' && typeof a.peerHealth === 'function' && typeof a.recordCheck === 'function';
}

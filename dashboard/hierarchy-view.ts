// The shapes of GET /hierarchy, GET /hierarchy/:nodeId and the `hierarchy` events of GET /events:
// the count as one node sees it. Types only, so that the dashboard's client code (dashboard/client)
// imports them too and the two sides cannot drift apart.

/**
 * A node's reporting status:
 * - waiting:  no tally from it yet;
 * - verified: its signed tally arrived, the signature and the roster check passed, and it agrees
 *             with the tallies above and below it that this node holds (hashes and ballot counts);
 * - faulty:   it signed two different tallies (equivocation), or its tally contradicts another one.
 */
export type ReportStatus = 'waiting' | 'verified' | 'faulty';

export interface PeerHealth {
  /** Connected to the node serving this view right now. */
  connected: boolean;
  latencyMs?: number;
  /** ISO time of the last connection seen; absent if never (since the serving node started). */
  lastSeen?: string;
}

/** How many of a node's descendants of one level are in each status. */
export interface LevelSummary {
  total: number;
  verified: number;
  faulty: number;
  waiting: number;
  /** Ballots in the verified tallies of that level. */
  ballots: number;
}

export interface NodeEntry {
  id: string;
  role: 'national' | 'state' | 'county' | 'precinct';
  name: string;
  /** State (2 digits) or county (5 digits) FIPS code from the manifest; empty when it has none. */
  fips: string;
  parent: string;
  status: ReportStatus;
  /** Why it is faulty. */
  problems: string[];
  ballotCount?: number;
  tallyHash?: string;
  health: PeerHealth;
  /** States and the national node: their counties; counties: their precincts. */
  counties?: LevelSummary;
  precincts?: LevelSummary;
}

export interface TrusteeEntry {
  id: string;
  name: string;
  index: number;
  health: PeerHealth;
  /**
   * missing: no partial decryption from this trustee here; received: it arrived but this node does
   * not combine, so it did not check the proofs; valid / invalid: checked by this node (a combiner).
   */
  partial: 'missing' | 'received' | 'valid' | 'invalid';
  partialHash?: string;
  reason?: string;
}

export interface ResultView {
  hash: string;
  combinerId: string;
  ballotCount: number;
  /** The result decrypts the national tally this node holds (same hash). */
  matchesNationalTally: boolean;
  /** Every contest with the scope where it was counted complete (and its district). */
  contests: { id: string; title: string; scopeId: string; districtId: string; options: { name: string; count: number }[] }[];
}

export interface VerificationView {
  /** waiting: no result yet; running; done; error: the record could not be checked. */
  state: 'waiting' | 'running' | 'done' | 'error';
  /** Every check that ran passed (only when done). */
  ok: boolean;
  /** pass: everything checked; partial: passed, but this node holds no ballots of some precincts. */
  verdict?: 'pass' | 'partial' | 'fail';
  checks: { number: number | string; name: string; title: string; status: 'pass' | 'fail' | 'skip'; details: string[] }[];
  /** Ballots in the checked record: checks 3 to 6 cover only those. */
  ballots: number;
  message?: string;
  threshold: { needed: number; valid: number };
}

export interface HierarchyView {
  generatedAt: string;
  /** The node serving this view. */
  node: { id: string; role: string; phase: string; waitingFor?: string };
  /** The contests are known before the result, so the results panel can lay itself out early. */
  election: { id: string; title: string; hash: string; contests: { id: string; title: string; options: string[]; districtId: string; scopeId: string }[] };
  /** The map has something to show: some state or county carries a FIPS code. */
  hasMap: boolean;
  national: NodeEntry;
  states: NodeEntry[];
  counties: NodeEntry[];
  trustees: TrusteeEntry[];
  /** Equivocation evidence this node holds, newest last. */
  evidence: { sender: string; slot: string; at: string }[];
  result?: ResultView;
  verification: VerificationView;
}

/** GET /hierarchy/:nodeId: one node and its children (a county's precincts, with hashes). */
export interface NodeDetailView {
  node: NodeEntry;
  children: NodeEntry[];
}

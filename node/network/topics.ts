// Gossip topics as typed values, and the ONE function that turns them into topic strings (and
// back). Per election there is one topic per parent, carrying its children's tallies, and one
// public board carrying every artifact (subscribed by every node but the precincts):
//   /tallymesh/1/<election-hash-prefix>/tallies/<parentId>
//   /tallymesh/1/<election-hash-prefix>/board
// The hash prefix only keeps elections apart on a shared network; validators still compare the
// full election hash inside each artifact.
import type { ElectionContext } from '../../protocol/election.ts';
import { ID_PATTERN, PROTOCOL_VERSION, type RosterEntry } from '../../protocol/manifest.ts';
import { NETWORK_DEFAULTS } from './options.ts';

export type Topic = { kind: 'tallies'; parentId: string } | { kind: 'board' };
export type TopicKind = Topic['kind'];

const ROOT = 'tallymesh';

function electionPrefix(electionHashHex: string, prefixHex: number): string {
  if (!/^[0-9a-f]{64}$/.test(electionHashHex)) throw new TypeError('election hash must be 64 lowercase hex digits');
  return electionHashHex.slice(0, prefixHex);
}

export function topicString(electionHashHex: string, topic: Topic, prefixHex = NETWORK_DEFAULTS.topics.electionHashPrefixHex): string {
  const base = `/${ROOT}/${PROTOCOL_VERSION}/${electionPrefix(electionHashHex, prefixHex)}`;
  switch (topic.kind) {
    case 'tallies':
      if (!ID_PATTERN.test(topic.parentId)) throw new TypeError(`"${topic.parentId}" is not a node id`);
      return `${base}/tallies/${topic.parentId}`;
    case 'board':
      return `${base}/board`;
  }
}

export interface ParsedTopic {
  version: number;
  electionPrefix: string;
  topic: Topic;
}

/** The topic a string names, or undefined for anything that is not a well-formed TallyMesh topic. */
export function parseTopic(value: string): ParsedTopic | undefined {
  const parts = value.split('/');
  // '', 'tallymesh', version, prefix, kind, [parentId]
  if (parts[0] !== '' || parts[1] !== ROOT) return undefined;
  const version = Number(parts[2]);
  const prefix = parts[3] ?? '';
  if (!Number.isInteger(version) || String(version) !== parts[2] || !/^[0-9a-f]{1,64}$/.test(prefix)) return undefined;
  if (parts.length === 5 && parts[4] === 'board') return { version, electionPrefix: prefix, topic: { kind: 'board' } };
  const parentId = parts[5];
  if (parts.length === 6 && parts[4] === 'tallies' && parentId !== undefined && ID_PATTERN.test(parentId)) {
    return { version, electionPrefix: prefix, topic: { kind: 'tallies', parentId } };
  }
  return undefined;
}

/**
 * Whether a roster node subscribes to the board. Precincts do not: they are nine in ten of the
 * nodes and need nothing from the board but the result, which they pull from their county; their
 * county brings their tallies to the board. Otherwise every precinct would validate every artifact
 * of the election, work that grows with the square of the network.
 */
export function subscribesToBoard(entry: Pick<RosterEntry, 'role'>): boolean {
  return entry.role !== 'precinct';
}

/**
 * The topics a roster node subscribes to: its parent's tally topic (where it publishes, and relays
 * its siblings' tallies), its own tally topic if it has children (where it receives), the board
 * unless it is a precinct. A node outside the roster (an observer) gets only the board.
 */
export function topicsForNode(ctx: ElectionContext, nodeId: string | undefined): Topic[] {
  const topics: Topic[] = [];
  const entry = nodeId === undefined ? undefined : ctx.index.node(nodeId);
  if (entry?.parent) topics.push({ kind: 'tallies', parentId: entry.parent });
  if (entry && ctx.index.childrenOf(entry.id).length > 0) topics.push({ kind: 'tallies', parentId: entry.id });
  if (!entry || subscribesToBoard(entry)) topics.push({ kind: 'board' });
  return topics;
}

/** Every topic of the election: the tally topic of each node that has children, and the board. */
export function allElectionTopics(ctx: ElectionContext): Topic[] {
  const parents: Topic[] = [...ctx.index.children.keys()].map((parentId) => ({ kind: 'tallies', parentId }));
  return [...parents, { kind: 'board' }];
}

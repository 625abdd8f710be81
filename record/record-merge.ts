// Merging nodes' record exports (GET /record) into one election record: artifacts deduplicated
// by content hash, ballots by precinct. Where nodes disagree (two versions of one node's tally,
// several results) the first version that looks valid (right election, roster signer, good
// signature) is kept and the disagreement reported; proving the record right is the verifier's
// job. Used by `tallymesh record` and by a node checking its own record for the dashboard.
import { equalBytes, toHex } from '../crypto/bytes.ts';
import { contentHash } from '../protocol/artifact.ts';
import { Ballot } from '../protocol/ballot.ts';
import { ElectionContext } from '../protocol/election.ts';
import { ID_PATTERN, ManifestSchema, manifestHash, type Manifest, type Role } from '../protocol/manifest.ts';
import { PartialDecryption } from '../protocol/partial-decryption.ts';
import type { ElectionRecord } from '../protocol/record.ts';
import { Result, validateResult } from '../protocol/result.ts';
import { AggregateTally, PrecinctTally } from '../protocol/tally.ts';
import type { RecordExport } from './record-export.ts';
import { errorMessage } from '../errors/tallymesh-error.ts';

interface Candidate<T> {
  value: T;
  hash: string;
  source: string;
}

type Signed = { electionHash: Uint8Array; signature: Uint8Array };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64Bytes(data: unknown): Uint8Array {
  if (typeof data !== 'string' || !BASE64.test(data)) throw new Error('data is not base64');
  return new Uint8Array(Buffer.from(data, 'base64'));
}

/** Merges nodes' record exports into one election record; pure apart from warn. */
export function mergeRecordExports(exports: { source: string; data: RecordExport }[], warn: (line: string) => void): { record: ElectionRecord; sources: string[] } {
  // The manifest: the first source's; a source serving another election is left out.
  let manifest: Manifest | undefined;
  let hash: Uint8Array | undefined;
  const used: { source: string; data: RecordExport }[] = [];
  for (const e of exports) {
    let m: Manifest;
    try {
      m = ManifestSchema.fromJSON(e.data.manifest, 'manifest');
    } catch (err) {
      warn(`${e.source}: manifest cannot be read (${errorMessage(err)}); this source is left out`);
      continue;
    }
    const h = manifestHash(m);
    if (!manifest || !hash) {
      manifest = m;
      hash = h;
    } else if (!equalBytes(h, hash)) {
      warn(`${e.source}: serves another election (manifest hash ${toHex(h)}, not ${toHex(hash)}); this source is left out`);
      continue;
    }
    used.push(e);
  }
  if (!manifest || !hash) throw new Error('no source served a readable manifest');
  const electionHash = hash;
  let ctx: ElectionContext | undefined;
  try {
    ctx = new ElectionContext(manifest);
  } catch (err) {
    warn(`the manifest is not consistent (${errorMessage(err)}); writing the record anyway, verify will report it`);
  }
  const roster = new Map(manifest.roster.map((r) => [r.id, r]));

  /** Why a signed artifact does not look valid, or undefined when it does. */
  const problem = <T extends Signed>(value: T, signer: string, roles: Role[] | undefined, verify: (value: T, publicKey: Uint8Array) => void): string | undefined => {
    if (!equalBytes(value.electionHash, electionHash)) return 'it belongs to another election';
    const entry = roster.get(signer);
    if (!entry) return `its signer "${signer}" is not in the roster`;
    if (roles && !roles.includes(entry.role)) return `its signer "${signer}" is a ${entry.role}`;
    try {
      verify(value, entry.publicKey);
    } catch (err) {
      return errorMessage(err);
    }
    return undefined;
  };

  const seen = new Set<string>();
  const precinctTallies = new Map<string, Candidate<PrecinctTally>[]>();
  const aggregateTallies = new Map<string, Candidate<AggregateTally>[]>();
  const partials = new Map<string, Candidate<PartialDecryption>[]>();
  const results: Candidate<Result>[] = [];
  let ignored = 0;
  const add = <T>(slots: Map<string, Candidate<T>[]>, key: string, c: Candidate<T>): void => {
    const list = slots.get(key) ?? [];
    list.push(c);
    slots.set(key, list);
  };

  for (const { source, data } of used) {
    const artifacts = Array.isArray(data.artifacts) ? data.artifacts : [];
    artifacts.forEach((a, i) => {
      const what = `${source}: artifact ${i + 1} (${String(a?.type)})`;
      let bytes: Uint8Array;
      try {
        bytes = base64Bytes(a?.data);
      } catch (err) {
        warn(`${what}: ${errorMessage(err)}; skipped`);
        return;
      }
      const type = a.type;
      if (type === 'ballot' || type === 'receipt') {
        ignored++;
        return;
      }
      const h = toHex(contentHash(type, bytes));
      const key = `${type}:${h}`;
      if (seen.has(key)) return;
      seen.add(key);
      try {
        switch (type) {
          case 'precinct-tally': {
            const t = PrecinctTally.decode(bytes);
            add(precinctTallies, t.precinctId, { value: t, hash: h, source });
            break;
          }
          case 'aggregate-tally': {
            const t = AggregateTally.decode(bytes);
            add(aggregateTallies, t.nodeId, { value: t, hash: h, source });
            break;
          }
          case 'partial-decryption': {
            const p = PartialDecryption.decode(bytes);
            add(partials, p.trusteeId, { value: p, hash: h, source });
            break;
          }
          case 'result':
            results.push({ value: Result.decode(bytes), hash: h, source });
            break;
          default:
            warn(`${what}: unknown artifact type; skipped`);
        }
      } catch (err) {
        seen.delete(key);
        warn(`${what}: cannot be decoded (${errorMessage(err)}); skipped`);
      }
    });
  }
  if (ignored > 0) warn(`ignored ${ignored} loose ballot or receipt artifact${ignored === 1 ? '' : 's'} (ballots come from the precincts' logs)`);

  /** The first candidate that looks valid (else the first), with a note when there is a choice. */
  const choose = <T extends Signed>(
    what: string,
    list: Candidate<T>[],
    signer: (v: T) => string,
    roles: Role[] | undefined,
    verify: (value: T, publicKey: Uint8Array) => void,
  ): T => {
    const checked = list.map((c) => ({ c, why: problem(c.value, signer(c.value), roles, verify) }));
    const pick = checked.find((x) => x.why === undefined) ?? checked[0]!;
    if (list.length > 1) {
      warn(
        `${what}: ${list.length} different versions (${list.map((c) => `${c.hash.slice(0, 12)}… from ${c.source}`).join(', ')}); ` +
          (pick.why === undefined ? `kept the first valid-looking one, ${pick.c.hash.slice(0, 12)}… from ${pick.c.source}` : `none looks valid; kept the first (${pick.why})`),
      );
    } else if (pick.why !== undefined) {
      warn(`${what} from ${pick.c.source} does not look valid (${pick.why}); kept for the verifier to judge`);
    }
    return pick.c.value;
  };

  const chosenPrecinct = new Map<string, PrecinctTally>();
  for (const [id, list] of precinctTallies) {
    chosenPrecinct.set(id, choose(`precinct tally of ${id}`, list, (t) => t.precinctId, ['precinct'], PrecinctTally.verifySignature));
  }
  const chosenAggregate = [...aggregateTallies].map(([id, list]) =>
    choose(`aggregate tally of ${id}`, list, (t) => t.nodeId, ['county', 'state', 'national'], AggregateTally.verifySignature),
  );
  const chosenPartials = [...partials].map(([id, list]) => choose(`partial decryption of ${id}`, list, (p) => p.trusteeId, ['trustee'], PartialDecryption.verifySignature));
  const verifyResult = (r: Result, publicKey: Uint8Array): void => {
    Result.verifySignature(r, publicKey);
    if (ctx) validateResult(ctx, r);
  };
  const result = results.length > 0 ? choose('result', results, (r) => r.combinerId, undefined, verifyResult) : undefined;

  // Ballots, by precinct: identical lists merge; differing ones prefer the list matching the
  // precinct tally's count, else the longest.
  const ballotLists = new Map<string, { source: string; ballots: Ballot[]; key: string }[]>();
  for (const { source, data } of used) {
    const byPrecinct = data.ballots && typeof data.ballots === 'object' ? data.ballots : {};
    for (const [precinct, items] of Object.entries(byPrecinct)) {
      if (!ID_PATTERN.test(precinct)) {
        warn(`${source}: ballots under "${precinct.slice(0, 80)}", which is not a node id; skipped`);
        continue;
      }
      if (!Array.isArray(items)) {
        warn(`${source}: ballots of ${precinct} are not a list; skipped`);
        continue;
      }
      let ballots: Ballot[];
      try {
        ballots = items.map((b, i) => {
          try {
            return Ballot.decode(base64Bytes(b));
          } catch (err) {
            throw new Error(`ballot ${i + 1}: ${errorMessage(err)}`);
          }
        });
      } catch (err) {
        warn(`${source}: ballots of ${precinct} cannot be decoded (${errorMessage(err)}); skipped`);
        continue;
      }
      const list = ballotLists.get(precinct) ?? [];
      const key = items.join(',');
      if (!list.some((l) => l.key === key)) list.push({ source, ballots, key });
      ballotLists.set(precinct, list);
    }
  }
  const ballots = new Map<string, Ballot[]>();
  for (const [precinct, lists] of [...ballotLists].sort(([a], [b]) => a.localeCompare(b))) {
    let pick = lists[0]!;
    if (lists.length > 1) {
      const count = chosenPrecinct.get(precinct)?.ballotCount;
      pick = lists.find((l) => l.ballots.length === count) ?? [...lists].sort((a, b) => b.ballots.length - a.ballots.length)[0]!;
      warn(`ballots of ${precinct}: sources disagree (${lists.map((l) => `${l.ballots.length} from ${l.source}`).join(', ')}); kept the ${pick.ballots.length} from ${pick.source}`);
    }
    ballots.set(precinct, pick.ballots);
  }

  const byId = <T>(items: T[], id: (t: T) => string): T[] => [...items].sort((a, b) => id(a).localeCompare(id(b)));
  return {
    record: {
      manifest,
      ballots,
      precinctTallies: byId([...chosenPrecinct.values()], (t) => t.precinctId),
      aggregateTallies: byId(chosenAggregate, (t) => t.nodeId),
      partials: [...chosenPartials].sort((a, b) => a.trusteeIndex - b.trusteeIndex),
      result,
    },
    sources: used.map((u) => u.source),
  };
}

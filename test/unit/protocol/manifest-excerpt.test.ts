// The receipt check's manifest excerpt: the same election hash as the full manifest, exactly the
// roster entries a receipt's path needs, and every rule that concerns those entries enforced.
import { beforeAll, describe, expect, it } from 'vitest';
import { generateElection, type GeneratedElection } from '../../../setup/election-setup.ts';
import { ElectionContext } from '../../../protocol/election.ts';
import { encodeManifest, manifestHash, type Manifest, type RosterEntry } from '../../../protocol/manifest.ts';
import { manifestExcerpt, receiptContext } from '../../../protocol/manifest-excerpt.ts';
import { toHex } from '../../../crypto/bytes.ts';
import { expectProtocolError, protocolError } from '../../support/fixtures.ts';

let election: GeneratedElection;
let manifest: Manifest;
let precinct: RosterEntry;

const byId = (id: string): RosterEntry => manifest.roster.find((e) => e.id === id)!;
const withRoster = (roster: RosterEntry[]): Uint8Array => encodeManifest({ ...manifest, roster });

beforeAll(() => {
  election = generateElection({ keyBits: 1024, states: 2, countiesPerState: 2, precinctsPerCounty: 2 });
  manifest = election.manifest;
  precinct = manifest.roster.find((e) => e.role === 'precinct')!;
});

describe('manifestExcerpt', () => {
  it('hashes all the bytes and keeps only the entries a receipt of one precinct is checked against', () => {
    const bytes = encodeManifest(manifest);
    const { manifest: excerpt, hash, rosterSize } = manifestExcerpt(bytes, precinct.id);
    expect(toHex(hash)).toBe(toHex(manifestHash(manifest)));
    expect(rosterSize).toBe(manifest.roster.length);
    const county = byId(precinct.parent);
    const state = byId(county.parent);
    const expected = manifest.roster.filter(
      (e) =>
        e.role === 'national' ||
        e.role === 'trustee' ||
        e.role === 'state' ||
        (e.role === 'county' && e.parent === state.id) ||
        (e.role === 'precinct' && e.parent === county.id),
    );
    expect(excerpt.roster.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    // Another state's counties and precincts are left out.
    expect(excerpt.roster.length).toBeLessThan(manifest.roster.length);
    expect(excerpt.roster.some((e) => e.role === 'county' && e.parent !== state.id)).toBe(false);
    // Kept entries are decoded in full.
    for (const e of excerpt.roster) expect(e).toEqual(byId(e.id));
    expect({ ...excerpt, roster: [] }).toEqual({ ...manifest, roster: [] });
  });

  it('gives an election context with the full manifest\'s hash and parameters', () => {
    const ctx = receiptContext(encodeManifest(manifest), precinct.id);
    const full = new ElectionContext(manifest);
    expect(ctx.hashHex).toBe(full.hashHex);
    expect(ctx.threshold).toEqual(full.threshold);
    expect(ctx.scopes.scopes).toEqual(full.scopes.scopes);
    expect([...ctx.scopes.contests]).toEqual([...full.scopes.contests]);
    expect(ctx.scopes.groupsOf(precinct.id)).toEqual(full.scopes.groupsOf(precinct.id));
    expect(ctx.index.node(precinct.id)).toEqual(full.index.node(precinct.id));
  });

  it('refuses a precinct the roster does not have, or a node that is not a precinct', () => {
    expectProtocolError(() => manifestExcerpt(encodeManifest(manifest), 'no-such-precinct'), 'inconsistent', 'manifest.roster');
    expectProtocolError(() => manifestExcerpt(encodeManifest(manifest), precinct.parent), 'unknown-signer', 'receipt.precinctId');
  });

  it('refuses a path id that appears twice anywhere in the roster', () => {
    const county = byId(precinct.parent);
    const otherState = manifest.roster.find((e) => e.role === 'state' && e.id !== county.parent)!;
    // A second county of the same id under another state: the skimmed path would be ambiguous.
    const twin: RosterEntry = { ...manifest.roster.find((e) => e.role === 'county' && e.parent === otherState.id)!, id: county.id };
    const err = expectProtocolError(() => manifestExcerpt(withRoster([...manifest.roster, twin]), precinct.id), 'inconsistent');
    expect(err.message).toContain(`"${county.id}" appears 2 times`);
    const twinPrecinct: RosterEntry = { ...precinct };
    expectProtocolError(() => manifestExcerpt(withRoster([...manifest.roster, twinPrecinct]), precinct.id), 'inconsistent');
  });

  it('refuses a path whose parents are not of the right roles', () => {
    const county = byId(precinct.parent);
    const roster = manifest.roster.map((e) => (e.id === precinct.id ? { ...e, parent: county.parent } : e));
    const err = expectProtocolError(() => manifestExcerpt(withRoster(roster), precinct.id), 'inconsistent', 'manifest.roster');
    expect(err.message).toContain('not a county');
  });

  it('refuses a kept entry whose PeerId is not derived from its key, and duplicate keys', () => {
    const sibling = manifest.roster.find((e) => e.role === 'precinct' && e.parent === precinct.parent && e.id !== precinct.id)!;
    const badPeer = manifest.roster.map((e) => (e.id === sibling.id ? { ...e, peerId: precinct.peerId } : e));
    expectProtocolError(() => manifestExcerpt(withRoster(badPeer), precinct.id), 'inconsistent', /peerId$/);
    const sameKey = manifest.roster.map((e) => (e.id === sibling.id ? { ...e, publicKey: precinct.publicKey, peerId: precinct.peerId } : e));
    expectProtocolError(() => manifestExcerpt(withRoster(sameKey), precinct.id), 'inconsistent', /publicKey$/);
  });

  it('refuses bytes that are not a canonical manifest', () => {
    const bytes = encodeManifest(manifest);
    protocolError(() => manifestExcerpt(bytes.subarray(0, bytes.length - 1), precinct.id));
    protocolError(() => manifestExcerpt(new Uint8Array([...bytes, 0]), precinct.id));
  });
});

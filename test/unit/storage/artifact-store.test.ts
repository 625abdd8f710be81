import { afterEach, describe, expect, it } from 'vitest';
import { utf8 } from '../../../crypto/bytes.ts';
import { hashParts } from '../../../crypto/hash.ts';
import { ArtifactStore } from '../../../storage/artifact-store.ts';
import type { ArtifactInput, StoredArtifact } from '../../../storage/artifact-store.ts';
import { collect, tempStorage } from '../../support/temp-storage.ts';

const storage = tempStorage();
const { tempDir, freshDb } = storage;
afterEach(() => storage.cleanup());

function artifact(type: string, sender: string, body: string, slot = `${type}/${sender}/e1`): ArtifactInput {
  const bytes = utf8(body);
  return { hash: hashParts('test/artifact/v1', bytes), type, sender, slot, bytes };
}

const bodies = (items: StoredArtifact[]): string[] => items.map((a) => new TextDecoder().decode(a.bytes));

describe('ArtifactStore', () => {
  it('stores an artifact and finds it by hash, type, sender and slot', async () => {
    const store = ArtifactStore.open(await freshDb());
    const tally = artifact('tally', 'county-1', 'tally-body');

    expect(await store.put(tally)).toEqual({ stored: true });
    expect(await store.get(tally.hash)).toEqual({ ...tally, seq: 1 });
    expect(await store.get(new Uint8Array(32))).toBeUndefined();
    expect(bodies(await collect(store.byType('tally')))).toEqual(['tally-body']);
    expect(bodies(await collect(store.bySender('county-1')))).toEqual(['tally-body']);
    expect(bodies(await collect(store.bySlot(tally.slot)))).toEqual(['tally-body']);
    expect(await collect(store.byType('receipt'))).toEqual([]);
    expect(await collect(store.equivocations())).toEqual([]);
  });

  it('treats the same hash again as a no-op', async () => {
    const store = ArtifactStore.open(await freshDb());
    const tally = artifact('tally', 'county-1', 'tally-body');
    await store.put(tally);

    expect(await store.put(tally)).toEqual({ stored: false });
    expect(await collect(store.list())).toHaveLength(1);
    expect(await collect(store.bySlot(tally.slot))).toHaveLength(1);
    expect(await collect(store.equivocations())).toEqual([]);
  });

  it('refuses different bytes under a stored hash', async () => {
    const store = ArtifactStore.open(await freshDb());
    const tally = artifact('tally', 'county-1', 'tally-body');
    await store.put(tally);
    const forged = store.put({ ...tally, bytes: utf8('other') });
    await expect(forged).rejects.toMatchObject({ code: 'artifact-conflict' });
    expect((await store.get(tally.hash))?.bytes).toEqual(tally.bytes);
  });

  it('keeps both artifacts of an equivocation, the first holding the slot, and records evidence', async () => {
    const store = ArtifactStore.open(await freshDb(), { now: () => 1_700_000_000_000 });
    const slot = 'tally/county-1/e1';
    const first = artifact('tally', 'county-1', 'first', slot);
    const second = artifact('tally', 'county-1', 'second', slot);
    const third = artifact('tally', 'county-1', 'third', slot);

    expect(await store.put(first)).toEqual({ stored: true });
    expect(await store.put(second)).toEqual({ stored: true, equivocation: { slot, first: first.hash, second: second.hash } });
    expect(await store.put(second)).toEqual({ stored: false });
    expect(await store.put(third)).toEqual({ stored: true, equivocation: { slot, first: first.hash, second: third.hash } });

    expect(bodies(await collect(store.bySlot(slot)))).toEqual(['first', 'second', 'third']);
    expect((await store.get(second.hash))?.bytes).toEqual(second.bytes);
    expect(await collect(store.equivocations())).toEqual([
      { seq: 1, slot, first: first.hash, second: second.hash, at: 1_700_000_000_000 },
      { seq: 2, slot, first: first.hash, second: third.hash, at: 1_700_000_000_000 },
    ]);
    expect(await collect(store.equivocations({ from: 2 }))).toHaveLength(1);
  });

  it('lets exactly one of concurrent puts hold a slot', async () => {
    const store = ArtifactStore.open(await freshDb());
    const slot = 'tally/county-1/e1';
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.put(artifact('tally', 'county-1', `v${i}`, slot))));

    expect(results.filter((r) => r.equivocation === undefined)).toHaveLength(1);
    expect(await collect(store.equivocations())).toHaveLength(7);
    expect((await collect(store.list())).map((a) => a.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('pages through type, sender and arrival order without mixing groups', async () => {
    const store = ArtifactStore.open(await freshDb());
    // 'a' and 'ab' share a byte prefix: length framing must keep their groups apart.
    for (let i = 0; i < 25; i++) {
      await store.put(artifact(i % 2 === 0 ? 'a' : 'ab', `node-${i % 3}`, `body-${i}`));
    }

    const pages: StoredArtifact[][] = [];
    let from = 1;
    for (;;) {
      const page = await collect(store.byType('a', { from, limit: 5 }));
      if (page.length === 0) break;
      pages.push(page);
      from = page[page.length - 1]!.seq + 1;
    }
    expect(pages.map((p) => p.length)).toEqual([5, 5, 3]);
    const everyA = pages.flat();
    expect(everyA.every((a) => a.type === 'a')).toBe(true);
    expect(bodies(everyA)).toEqual(bodies(await collect(store.byType('a'))));
    expect(await collect(store.byType('ab'))).toHaveLength(12);

    const node1 = await collect(store.bySender('node-1', { limit: 3 }));
    expect(bodies(node1)).toEqual(['body-1', 'body-4', 'body-7']);
    expect(bodies(await collect(store.bySender('node-1', { from: node1[2]!.seq + 1, limit: 2 })))).toEqual(['body-10', 'body-13']);

    expect((await collect(store.list({ from: 24 }))).map((a) => a.seq)).toEqual([24, 25]);
    expect(await collect(store.list({ limit: 0 }))).toEqual([]);
  });

  it('keeps artifacts and evidence across a close and reopen', async () => {
    const dir = tempDir();
    const db = await freshDb(dir);
    const slot = 'tally/county-1/e1';
    const first = artifact('tally', 'county-1', 'first', slot);
    await ArtifactStore.open(db).put(first);
    await db.close();

    const store = ArtifactStore.open(await freshDb(dir));
    const second = artifact('tally', 'county-1', 'second', slot);
    expect((await store.put(second)).equivocation).toEqual({ slot, first: first.hash, second: second.hash });
    expect((await store.get(second.hash))?.seq).toBe(2);
  });

  it('rejects malformed inputs', async () => {
    const store = ArtifactStore.open(await freshDb());
    const good = artifact('tally', 'county-1', 'x');
    await expect(store.put({ ...good, hash: new Uint8Array(31) })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(store.put({ ...good, slot: '' })).rejects.toMatchObject({ code: 'invalid-argument' });
    await expect(collect(store.byType('tally', { limit: -1 }))).rejects.toMatchObject({ code: 'invalid-argument' });
    expect(await collect(store.list())).toEqual([]);
  });
});

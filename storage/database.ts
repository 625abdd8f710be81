// The node's one LevelDB database. It owns the Level instance, hands out one sublevel per
// keyspace (binary keys and values), commits multi-keyspace writes as one synced batch, and
// provides the named queues that serialise read-check-write sequences on this database.
import fs from 'node:fs';
import path from 'node:path';
import { Level } from 'level';
import { SerialQueue } from './serial-queue.ts';
import { StorageError } from './storage-error.ts';

/** Every keyspace in the database: the on-disk layout, listed in one place. */
export const KEYSPACES = [
  'meta',
  'log-entry',
  'log-voter',
  'log-ballot',
  'log-ballot-id',
  'log-head',
  'checkpoint',
  'artifact',
  'artifact-order',
  'artifact-type',
  'artifact-sender',
  'artifact-slot',
  'artifact-slot-first',
  'equivocation',
] as const;

/** The name of one keyspace. */
export type KeyspaceName = (typeof KEYSPACES)[number];

type RootLevel = Level<Uint8Array, Uint8Array>;

function makeKeyspace(root: RootLevel, name: KeyspaceName) {
  return root.sublevel<Uint8Array, Uint8Array>(name, { keyEncoding: 'view', valueEncoding: 'view' });
}

/** A LevelDB sublevel with Uint8Array keys and values. */
export type Keyspace = ReturnType<typeof makeKeyspace>;

/** One operation of an atomic write. */
export type WriteOp =
  | { readonly type: 'put'; readonly keyspace: Keyspace; readonly key: Uint8Array; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly keyspace: Keyspace; readonly key: Uint8Array };

/** Bumped when the layout of any keyspace changes incompatibly. */
const SCHEMA_VERSION = 2;
const SCHEMA_KEY = new TextEncoder().encode('schema-version');

// LevelDB also locks its directory, but its error does not say which directory or why.
const openLocations = new Set<string>();

/** The node's database; open it once per process with openNodeDatabase. */
export class NodeDatabase {
  private readonly keyspaces = new Map<KeyspaceName, Keyspace>();
  private readonly queues = new Map<string, SerialQueue>();
  private closed = false;

  private constructor(
    /** Directory holding the LevelDB files. */
    readonly location: string,
    private readonly root: RootLevel,
  ) {}

  /** @internal Use openNodeDatabase. */
  static async open(location: string): Promise<NodeDatabase> {
    if (openLocations.has(location)) {
      throw new StorageError('already-open', `database ${location} is already open in this process`);
    }
    openLocations.add(location);
    const root: RootLevel = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view' });
    try {
      await root.open();
    } catch (cause) {
      openLocations.delete(location);
      throw new StorageError('open-failed', `cannot open database ${location}`, { cause });
    }
    const db = new NodeDatabase(location, root);
    try {
      await db.checkSchema();
    } catch (error) {
      await db.close();
      throw error;
    }
    return db;
  }

  /** The sublevel for one keyspace (the same object on every call). */
  keyspace(name: KeyspaceName): Keyspace {
    let space = this.keyspaces.get(name);
    if (space === undefined) {
      space = makeKeyspace(this.root, name);
      this.keyspaces.set(name, space);
    }
    return space;
  }

  /** Commits all operations atomically and durably (fsync) before resolving. */
  async write(ops: readonly WriteOp[]): Promise<void> {
    await this.root.batch(
      ops.map((op) =>
        op.type === 'put'
          ? { type: 'put' as const, sublevel: op.keyspace, key: op.key, value: op.value }
          : { type: 'del' as const, sublevel: op.keyspace, key: op.key },
      ),
      { sync: true },
    );
  }

  /** Runs `task` after every earlier task in the same lane, whichever object queued it. */
  serialize<T>(lane: string, task: () => Promise<T>): Promise<T> {
    let queue = this.queues.get(lane);
    if (queue === undefined) {
      queue = new SerialQueue();
      this.queues.set(lane, queue);
    }
    return queue.run(task);
  }

  /** Waits for queued writes to finish, then closes LevelDB. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.queues.values()].map((queue) => queue.run(async () => undefined)));
    try {
      await this.root.close();
    } finally {
      openLocations.delete(this.location);
    }
  }

  private async checkSchema(): Promise<void> {
    const meta = this.keyspace('meta');
    const stored = await meta.get(SCHEMA_KEY);
    if (stored === undefined) {
      await this.write([{ type: 'put', keyspace: meta, key: SCHEMA_KEY, value: Uint8Array.of(SCHEMA_VERSION) }]);
      return;
    }
    if (stored.length !== 1 || stored[0] !== SCHEMA_VERSION) {
      throw new StorageError('schema-mismatch', `database ${this.location} has an unsupported storage schema version`);
    }
  }
}

/**
 * Opens (creating if needed) the database of a node data directory. LevelDB's files live in
 * `<dataDir>/leveldb`, so the data directory can hold other files. One open per process.
 */
export async function openNodeDatabase(dataDir: string): Promise<NodeDatabase> {
  const location = path.resolve(dataDir, 'leveldb');
  fs.mkdirSync(location, { recursive: true });
  return NodeDatabase.open(location);
}

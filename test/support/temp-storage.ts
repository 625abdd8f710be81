// Temporary folders and LevelDB databases for storage tests, closed and removed after each test:
// call `const storage = tempStorage(); afterEach(() => storage.cleanup());` once per file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openNodeDatabase, type NodeDatabase } from '../../storage/database.ts';

export interface TempStorage {
  /** A new empty folder. */
  tempDir(): string;
  /** A database opened in a new folder (or the one given), closed by cleanup(). */
  freshDb(dir?: string): Promise<NodeDatabase>;
  /** Registers something to close at cleanup (a precinct, a database opened elsewhere). */
  onCleanup(close: () => Promise<unknown>): void;
  cleanup(): Promise<void>;
}

export function tempStorage(prefix = 'tm-'): TempStorage {
  const dirs: string[] = [];
  const closers: (() => Promise<unknown>)[] = [];
  const tempDir = (): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(dir);
    return dir;
  };
  return {
    tempDir,
    async freshDb(dir = tempDir()) {
      const db = await openNodeDatabase(dir);
      closers.push(() => db.close());
      return db;
    },
    onCleanup: (close) => void closers.push(close),
    async cleanup() {
      for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
      for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every item of an async iterable, in order. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

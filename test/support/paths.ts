// Paths of the repository that tests run or read (the launcher, the root for child processes).
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The `tallymesh` launcher, as a user runs it. */
export const BIN = join(REPO_ROOT, 'bin', 'tallymesh.js');

// Check 1: the manifest. Its canonical bytes decode, it describes a consistent election
// (protocol/manifest.ts validateManifest: roster, keys, threshold, contests), and the record's
// readable manifest.json, when present, says exactly what the canonical bytes say. Files at the
// record's top level that belong to no artifact fail here too. Every other check needs the
// election context this one builds: when it fails, they are all skipped.
import { equalBytes } from '../../crypto/bytes.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';
import { ElectionContext } from '../election.ts';
import { encodeManifest, manifestFromJSON } from '../manifest.ts';
import { emptyTally, type CheckTally } from './checks.ts';
import type { RecordSource } from './record-source.ts';

export function checkManifest(source: RecordSource): { ctx: ElectionContext | undefined; tally: CheckTally } {
  const tally = emptyTally();
  for (const s of source.strays()) if (s.check === 1) tally.failures.push(`${s.file}: ${s.reason}`);
  const read = source.manifest();
  if (!read.ok) {
    tally.failures.push(`${read.file}: ${read.reason}`);
    return { ctx: undefined, tally };
  }
  let ctx: ElectionContext | undefined;
  try {
    ctx = new ElectionContext(read.value);
  } catch (err) {
    tally.failures.push(`${read.file}: ${errorMessage(err)}`);
    return { ctx: undefined, tally };
  }
  tally.covered++;
  const view = source.manifestView();
  if (view) {
    if (!view.ok) tally.failures.push(`${view.file}: ${view.reason}`);
    else {
      try {
        if (!equalBytes(encodeManifest(manifestFromJSON(view.value)), encodeManifest(read.value))) {
          tally.failures.push(`${view.file}: says something else than ${read.file} (the canonical bytes the election hash is over)`);
        }
      } catch (err) {
        tally.failures.push(`${view.file}: ${errorMessage(err)}`);
      }
    }
  }
  return { ctx, tally };
}

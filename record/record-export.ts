// What a node serves at GET /record: the election record as it knows it, as JSON, with every
// artifact in canonical bytes (base64). `tallymesh record` merges several nodes' exports
// (record-merge.ts) into the record folder that `tallymesh verify` reads.
import type { ArtifactType } from '../protocol/artifact.ts';

export interface RecordExport {
  manifest: unknown;
  artifacts: { type: ArtifactType; data: string }[];
  /** Ballots this node published (precincts), by precinct id, canonical bytes in base64, log order. */
  ballots: Record<string, string[]>;
}

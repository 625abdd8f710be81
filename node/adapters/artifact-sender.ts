// Who an artifact speaks for: the roster node that signed it. Used for the store's sender index
// and for equivocation slots ("the one artifact of this type this node may publish").
import type { ValidatedArtifact } from '../network/artifact-validators.ts';

export function senderOf(a: ValidatedArtifact): string {
  switch (a.type) {
    case 'ballot':
      return a.value.precinctId;
    case 'receipt':
      return a.value.precinctId;
    case 'precinct-tally':
      return a.value.precinctId;
    case 'aggregate-tally':
      return a.value.nodeId;
    case 'partial-decryption':
      return a.value.trusteeId;
    case 'result':
      return a.value.combinerId;
  }
}

/**
 * The equivocation slot: one tally per node; one partial per trustee (proofs are randomised, so a
 * trustee's second valid partial is tolerated by the combiner but still recorded as evidence here);
 * one result per combiner.
 */
export function slotOf(a: ValidatedArtifact): string {
  return `${a.type === 'aggregate-tally' || a.type === 'precinct-tally' ? 'tally' : a.type}/${senderOf(a)}`;
}

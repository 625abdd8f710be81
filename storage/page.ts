// Pagination of ordered keyspaces: start at a numeric cursor, stop after a number of items.
import { assertSeq } from './keys.ts';

/** One page of an ordered listing: items with cursor >= from, at most limit of them. */
export interface Page {
  /** First cursor value to include (seq, position); defaults to the start. */
  readonly from?: number;
  /** Maximum number of items; defaults to all. */
  readonly limit?: number;
}

/** The page with defaults filled in and bounds checked; limit -1 means no limit (as in level). */
export function normalizePage(page: Page, firstCursor: number): { from: number; limit: number } {
  const from = page.from ?? firstCursor;
  assertSeq(from, 'page.from', firstCursor);
  if (page.limit === undefined) return { from, limit: -1 };
  assertSeq(page.limit, 'page.limit', 0);
  return { from, limit: page.limit };
}

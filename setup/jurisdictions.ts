// The jurisdiction tree an election is set up over, and the one scheme of node ids. A tree is a
// list of nodes in roster order (parents before children, each node's children in order):
// national, states, counties, precincts. Uniform shapes (uniform-shape.ts), the U.S.-scale tree
// (sim/us-scale/) and, later, election definitions all produce this list for generateElection.
//
// Ids: "national", "state-SS", "county-SS-CCC", "precinct-SS-CCC-PPP", "trustee-TT", numbered from
// 1 in tree order and zero-padded to a minimum width (a 1000th precinct is "...-1000"), so that
// scripts and tests can name nodes without reading the manifest.
import type { Role } from '../protocol/manifest.ts';

export type JurisdictionRole = Exclude<Role, 'trustee'>;

export interface Jurisdiction {
  id: string;
  role: JurisdictionRole;
  /** The parent's id; '' for the national node. */
  parent: string;
  name: string;
  /** 2-digit state or 5-digit county FIPS code; '' for the national node, precincts, or places without one. */
  fips: string;
}

export const NATIONAL_ID = 'national';

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

export const stateId = (s: number): string => `state-${pad(s, 2)}`;
export const countyId = (s: number, c: number): string => `county-${pad(s, 2)}-${pad(c, 3)}`;
export const precinctId = (s: number, c: number, p: number): string => `precinct-${pad(s, 2)}-${pad(c, 3)}-${pad(p, 3)}`;
export const trusteeId = (t: number): string => `trustee-${pad(t, 2)}`;

/** Manifest names are at most 128 bytes of UTF-8: cut at a character boundary. */
export function clampName(name: string, maxBytes = 128): string {
  let out = name;
  while (Buffer.byteLength(out, 'utf8') > maxBytes) out = out.slice(0, -1);
  return out;
}

// U.S. states and counties, for setup's FIPS codes and the U.S.-scale run, from the `us-atlas`
// package (Census Bureau cartographic boundary files, 2017 edition, as TopoJSON). Only the ids (FIPS codes) and the
// `name` properties of the geometries are read; no geometry is decoded, so topojson-client is not
// needed. The 50 states and the District of Columbia are kept (state FIPS 01..56); territories
// (American Samoa 60, Guam 66, Northern Mariana Islands 69, Puerto Rico 72, Virgin Islands 78)
// are left out, with their counties.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface AtlasState {
  /** 2-digit state FIPS code. */
  fips: string;
  name: string;
}

export interface AtlasCounty {
  /** 5-digit county FIPS code: state FIPS + 3 digits. */
  fips: string;
  stateFips: string;
  name: string;
}

export interface UsAtlas {
  /** Source file, for the output. */
  source: string;
  /** By FIPS code. */
  states: AtlasState[];
  /** By FIPS code (so grouped by state). */
  counties: AtlasCounty[];
  /** Territories present in the atlas and left out. */
  skippedTerritories: AtlasState[];
}

interface TopoGeometry {
  id?: string | number;
  properties?: { name?: unknown };
}

interface Topology {
  type: string;
  objects: Record<string, { type: string; geometries: TopoGeometry[] } | undefined>;
}

/** State FIPS codes of the 50 states and DC run from 01 to 56; territories are 60 and up. */
export function isStateOrDC(stateFips: string): boolean {
  return /^\d{2}$/.test(stateFips) && Number(stateFips) >= 1 && Number(stateFips) <= 56;
}

export function atlasPath(file = 'counties-10m.json'): string {
  return createRequire(import.meta.url).resolve(`us-atlas/${file}`);
}

function nameOf(g: TopoGeometry, what: string): string {
  const name = g.properties?.name;
  if (typeof name !== 'string' || name.trim() === '') throw new Error(`us-atlas: ${what} ${String(g.id)} has no name`);
  return name.trim();
}

/** Reads the states and counties of the 50 states and DC from us-atlas's counties-10m.json. */
export function loadUsAtlas(file = 'counties-10m.json'): UsAtlas {
  const source = atlasPath(file);
  const topo = JSON.parse(readFileSync(source, 'utf8')) as Topology;
  const stateGeoms = topo.objects['states']?.geometries;
  const countyGeoms = topo.objects['counties']?.geometries;
  if (topo.type !== 'Topology' || !stateGeoms || !countyGeoms) throw new Error(`us-atlas: ${source} is not a counties topology`);

  const states: AtlasState[] = [];
  const skippedTerritories: AtlasState[] = [];
  const seenStates = new Set<string>();
  for (const g of stateGeoms) {
    const fips = String(g.id ?? '');
    if (!/^\d{2}$/.test(fips)) throw new Error(`us-atlas: state id "${fips}" is not a 2-digit FIPS code`);
    if (seenStates.has(fips)) throw new Error(`us-atlas: state ${fips} appears twice`);
    seenStates.add(fips);
    (isStateOrDC(fips) ? states : skippedTerritories).push({ fips, name: nameOf(g, 'state') });
  }
  const counties: AtlasCounty[] = [];
  const seenCounties = new Set<string>();
  for (const g of countyGeoms) {
    const fips = String(g.id ?? '');
    if (!/^\d{5}$/.test(fips)) throw new Error(`us-atlas: county id "${fips}" is not a 5-digit FIPS code`);
    if (seenCounties.has(fips)) throw new Error(`us-atlas: county ${fips} appears twice`);
    seenCounties.add(fips);
    const stateFips = fips.slice(0, 2);
    if (!isStateOrDC(stateFips)) continue;
    if (!seenStates.has(stateFips)) throw new Error(`us-atlas: county ${fips} belongs to no state in the atlas`);
    counties.push({ fips, stateFips, name: nameOf(g, 'county') });
  }
  const byFips = (a: { fips: string }, b: { fips: string }): number => (a.fips < b.fips ? -1 : a.fips > b.fips ? 1 : 0);
  states.sort(byFips);
  counties.sort(byFips);
  skippedTerritories.sort(byFips);
  for (const s of states) {
    if (!counties.some((c) => c.stateFips === s.fips)) throw new Error(`us-atlas: state ${s.fips} (${s.name}) has no counties`);
  }
  return { source, states, counties, skippedTerritories };
}

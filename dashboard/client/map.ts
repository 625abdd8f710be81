// The U.S. map: us-atlas's states and counties (TopoJSON, decoded by topojson-client), drawn with
// d3-geo's Albers USA projection fitted to the states in the election. Each county of the election
// is filled by its reporting status; the rest of its state takes a light tint of the state's own
// status; other states are drawn plain for context. The shapes are built once; updates only
// change data-status attributes, so the map never re-lays itself out.
import { geoAlbersUsa, geoPath } from 'd3-geo';
import { feature, mesh } from 'topojson-client';
import type { FeatureCollection, Geometry } from 'geojson';
import type { GeometryCollection, Topology } from 'topojson-specification';
import type { HierarchyView, NodeEntry } from '../hierarchy-view.ts';
import { STATUS_LABEL, fill, h } from './dom.ts';

const WIDTH = 960;
const HEIGHT = 560;
const SVG = 'http://www.w3.org/2000/svg';

type Atlas = Topology<{ states: GeometryCollection<{ name: string }>; counties: GeometryCollection<{ name: string }> }>;

export interface MapHandlers {
  /** The pointer is over a county (undefined: it left). */
  onHover(countyId: string | undefined): void;
  /** A county was clicked or chosen with the keyboard. */
  onSelect(countyId: string): void;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number> = {}): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

export async function loadAtlas(): Promise<Atlas> {
  const res = await fetch('dashboard/atlas.json');
  if (!res.ok) throw new Error(`atlas: HTTP ${res.status}`);
  return (await res.json()) as Atlas;
}

function countyLabel(c: NodeEntry): string {
  const p = c.precincts;
  return `${c.name}: ${STATUS_LABEL[c.status]}${p ? `; ${p.verified} of ${p.total} precincts verified${p.faulty ? `, ${p.faulty} faulty` : ''}` : ''}`;
}

export class UsMap {
  private readonly countyPaths = new Map<string, SVGPathElement>();
  private readonly statePaths = new Map<string, SVGPathElement>();
  private selected: string | undefined;
  /** Counties of the election whose FIPS code has no shape in the atlas. */
  readonly unmapped: NodeEntry[] = [];

  private constructor(
    private readonly container: HTMLElement,
    private readonly handlers: MapHandlers,
  ) {}

  /** Draws the map for this election, or explains why there is none. */
  static create(container: HTMLElement, atlas: Atlas | undefined, view: HierarchyView, handlers: MapHandlers): UsMap | undefined {
    if (!view.hasMap || !atlas) {
      fill(container, h('p', { class: 'muted placeholder' }, "This election's manifest gives no FIPS codes, so there is no map; the hierarchy below shows every node."));
      return undefined;
    }
    const map = new UsMap(container, handlers);
    map.draw(atlas, view);
    return map;
  }

  private draw(atlas: Atlas, view: HierarchyView): void {
    const states = (feature(atlas, atlas.objects.states) as FeatureCollection<Geometry, { name: string }>).features;
    const counties = (feature(atlas, atlas.objects.counties) as FeatureCollection<Geometry, { name: string }>).features;
    const stateByFips = new Map(view.states.filter((s) => s.fips).map((s) => [s.fips, s]));
    const countyByFips = new Map(view.counties.filter((c) => c.fips).map((c) => [c.fips, c]));
    const inElection = (f: { id?: string | number }): boolean => stateByFips.has(String(f.id));
    const electionStates = states.filter(inElection);
    const countyFeatures = counties.filter((f) => countyByFips.has(String(f.id)));
    // Zoom to the election's states; when only counties carry codes, to those counties.
    const focus: FeatureCollection = { type: 'FeatureCollection', features: electionStates.length ? electionStates : countyFeatures };
    const projection = geoAlbersUsa().fitExtent(
      [
        [24, 24],
        [WIDTH - 24, HEIGHT - 24],
      ],
      focus,
    );
    const path = geoPath(projection);

    const root = svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'group', 'aria-label': 'Map of the counties in this election, coloured by reporting status' });
    const defs = svg('defs');
    // Faulty is hatched as well as coloured, so it does not depend on colour vision.
    const pattern = svg('pattern', { id: 'hatch-faulty', patternUnits: 'userSpaceOnUse', width: 6, height: 6, patternTransform: 'rotate(45)' });
    pattern.append(svg('rect', { width: 6, height: 6, fill: '#d95f02' }), svg('rect', { width: 2, height: 6, fill: '#fdd0a2' }));
    defs.append(pattern);
    root.append(defs);

    const layer = (cls: string): SVGGElement => {
      const g = svg('g', { class: cls });
      root.append(g);
      return g;
    };
    const context = layer('context');
    for (const f of states) {
      if (inElection(f)) continue;
      const d = path(f);
      if (d) context.append(svg('path', { d, class: 'state-context' }));
    }
    const stateLayer = layer('states');
    for (const f of electionStates) {
      const entry = stateByFips.get(String(f.id))!;
      const el = svg('path', { d: path(f) ?? '', class: 'state-area', 'data-state': entry.id, 'data-status': entry.status });
      el.append(svg('title'));
      this.statePaths.set(entry.id, el);
      stateLayer.append(el);
    }
    // County lines inside the election's states, for orientation (not part of the election).
    const outlines = mesh(atlas, atlas.objects.counties, (a, b) => a !== b && stateByFips.has(String(a.id).slice(0, 2)));
    layer('county-lines').append(svg('path', { d: path(outlines) ?? '', class: 'county-line' }));

    const countyLayer = layer('counties');
    for (const f of countyFeatures) {
      const entry = countyByFips.get(String(f.id))!;
      const el = svg('path', { d: path(f) ?? '', class: 'county', tabindex: 0, role: 'button', 'data-county': entry.id, 'data-fips': entry.fips, 'data-status': entry.status });
      el.append(svg('title'));
      el.addEventListener('mouseenter', () => this.handlers.onHover(entry.id));
      el.addEventListener('mouseleave', () => this.handlers.onHover(undefined));
      el.addEventListener('focus', () => this.handlers.onHover(entry.id));
      el.addEventListener('click', () => this.handlers.onSelect(entry.id));
      el.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          this.handlers.onSelect(entry.id);
        }
      });
      this.countyPaths.set(entry.id, el);
      countyLayer.append(el);
    }
    const mapped = new Set(countyFeatures.map((f) => String(f.id)));
    this.unmapped.push(...view.counties.filter((c) => !mapped.has(c.fips)));

    const borders = layer('borders');
    borders.append(svg('path', { d: path(mesh(atlas, atlas.objects.states, (a, b) => inElection(a) || inElection(b))) ?? '', class: 'state-border' }));
    for (const f of electionStates) {
      const [x, y] = path.centroid(f);
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const label = svg('text', { x: x!, y: y!, class: 'state-label' });
      label.textContent = stateByFips.get(String(f.id))!.name;
      borders.append(label);
    }
    fill(this.container, root);
    this.update(view);
  }

  /** Re-colours states and counties; shapes stay as they are. */
  update(view: HierarchyView): void {
    for (const s of view.states) {
      const el = this.statePaths.get(s.id);
      if (!el) continue;
      el.setAttribute('data-status', s.status);
      el.querySelector('title')!.textContent = `${s.name}: ${STATUS_LABEL[s.status]}`;
    }
    for (const c of view.counties) {
      const el = this.countyPaths.get(c.id);
      if (!el) continue;
      const label = countyLabel(c);
      el.setAttribute('data-status', c.status);
      el.setAttribute('aria-label', label);
      el.querySelector('title')!.textContent = label;
    }
  }

  select(countyId: string | undefined): void {
    if (this.selected) this.countyPaths.get(this.selected)?.classList.remove('selected');
    this.selected = countyId;
    if (countyId) this.countyPaths.get(countyId)?.classList.add('selected');
  }
}

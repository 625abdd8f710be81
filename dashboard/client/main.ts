// The dashboard page: connects to its node's event stream and keeps the map, the hierarchy tree
// and the panels in step with every `hierarchy` view it receives. A browser entry point (bundled
// by dashboard/build.ts); it needs no Node polyfill.
import type { HierarchyView, NodeDetailView, NodeEntry } from '../hierarchy-view.ts';
import { byId, fill, h } from './dom.ts';
import { connect, fetchDetail } from './live.ts';
import { UsMap, loadAtlas } from './map.ts';
import { renderConnection, renderCountyDetail, renderHeader, renderLegend, renderMapSummary, renderProgress, renderResults, renderTrustees, renderVerification } from './panels.ts';
import { HierarchyTree } from './tree.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';

let latest: HierarchyView | undefined;
let map: UsMap | undefined;
let mapState: 'none' | 'loading' | 'drawn' | 'failed' = 'none';
let atlas: Awaited<ReturnType<typeof loadAtlas>> | undefined;
/** The county shown in the detail panel: the hovered one, else the selected one. */
let hovered: string | undefined;
let selected: string | undefined;
let detailSeq = 0;
/** The last precinct list fetched per county: shown while a fresher one loads, so nothing flickers. */
const details = new Map<string, NodeDetailView>();

/** The jurisdiction whose contests the results panel shows (undefined: every contest). */
let resultsFocus: string | undefined;

function focusResults(id: string | undefined): void {
  resultsFocus = id;
  if (latest) renderResults(latest, resultsFocus, focusResults);
  if (id) byId('results').scrollIntoView({ block: 'nearest' });
}

const tree = new HierarchyTree(byId('tree'), fetchDetail, focusResults);

function countyById(id: string | undefined): NodeEntry | undefined {
  return id ? latest?.counties.find((c) => c.id === id) : undefined;
}

/** Shows a county and its precincts; a newer request wins over a slower older one. */
async function showCounty(): Promise<void> {
  const id = hovered ?? selected;
  const county = countyById(id);
  if (!county) return;
  const seq = ++detailSeq;
  renderCountyDetail(county, details.get(county.id), id === selected);
  try {
    details.set(county.id, await fetchDetail(county.id));
  } catch {
    // Keep what was shown; the next update tries again.
  }
  if (seq === detailSeq) renderCountyDetail(countyById(county.id) ?? county, details.get(county.id), county.id === selected);
}

const mapHandlers = {
  onHover(id: string | undefined): void {
    hovered = id;
    void showCounty();
  },
  onSelect(id: string): void {
    selected = selected === id ? undefined : id;
    map?.select(selected);
    if (selected) tree.reveal(selected);
    resultsFocus = selected;
    if (latest) renderResults(latest, resultsFocus, focusResults);
    void showCounty();
  },
};

async function ensureMap(view: HierarchyView): Promise<void> {
  if (mapState !== 'none') return;
  mapState = 'loading';
  try {
    if (view.hasMap) atlas = await loadAtlas();
    map = UsMap.create(byId('map'), atlas, latest ?? view, mapHandlers);
    mapState = 'drawn';
    if (latest) render(latest);
  } catch (err) {
    mapState = 'failed';
    fill(byId('map'), h('p', { class: 'muted placeholder' }, `The map could not be drawn (${errorMessage(err)}); the hierarchy below has every fact.`));
  }
}

function render(view: HierarchyView): void {
  latest = view;
  renderHeader(view);
  renderProgress(view);
  map?.update(view);
  renderMapSummary(view, map?.unmapped ?? []);
  tree.render(view);
  renderResults(view, resultsFocus, focusResults);
  renderVerification(view);
  renderTrustees(view);
  if (hovered ?? selected) void showCounty();
  // For tests and scripts: the last view rendered, and whether the map shows it.
  document.body.dataset.generatedAt = view.generatedAt;
  document.body.dataset.map = mapState;
}

renderLegend();
connect({
  onView(view) {
    render(view);
    void ensureMap(view);
  },
  onConnection: renderConnection,
});

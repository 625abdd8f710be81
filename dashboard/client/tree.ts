// The hierarchy as text: national → states → counties → precincts, each with its reporting
// status, ballots, tally hash and peer health. Built once from the roster, updated in place (open
// branches and keyboard focus survive updates). A county's precincts are fetched when it is opened
// and refreshed with every update while it stays open.
import type { HierarchyView, NodeDetailView, NodeEntry } from '../hierarchy-view.ts';
import { count, fill, h, healthText, shortHash, statusBadge } from './dom.ts';
import { errorMessage } from '../../errors/tallymesh-error.ts';

interface RowRefs {
  status: HTMLElement;
  ballots: HTMLElement;
  below: HTMLElement;
  hash: HTMLElement;
  health: HTMLElement;
  problems: HTMLElement;
}

function belowText(e: NodeEntry): string {
  const s = e.role === 'county' ? e.precincts : e.counties;
  if (!s) return '';
  const what = e.role === 'county' ? 'precincts' : 'counties';
  return `${s.verified}/${s.total} ${what}${s.faulty ? `, ${s.faulty} faulty` : ''}`;
}

export class HierarchyTree {
  private readonly rows = new Map<string, RowRefs>();
  private readonly precinctLists = new Map<string, HTMLElement>();
  private readonly openCounties = new Set<string>();

  constructor(
    private readonly container: HTMLElement,
    private readonly loadDetail: (id: string) => Promise<NodeDetailView>,
    /** A jurisdiction's "results" button: show the contests counted there. */
    private readonly onShowResults: (id: string) => void = () => undefined,
  ) {}

  private row(e: NodeEntry): HTMLElement {
    const refs: RowRefs = {
      status: h('span'),
      ballots: h('span', { class: 'num' }),
      below: h('span'),
      hash: h('span', { class: 'hash' }),
      health: h('span'),
      problems: h('div', { class: 'problems', role: 'note' }),
    };
    this.rows.set(e.id, refs);
    this.set(e);
    const name = h('span', {}, h('strong', {}, e.name), ' ', h('span', { class: 'muted' }, `(${e.role} ${e.id}${e.fips ? `, FIPS ${e.fips}` : ''})`));
    if (e.role !== 'precinct') {
      const results = h('button', { type: 'button', class: 'show-results', 'data-results': e.id, title: 'show the contests counted here' }, 'results');
      results.addEventListener('click', (event) => {
        event.preventDefault(); // inside <summary>: do not toggle the branch
        this.onShowResults(e.id);
      });
      name.append(' ', results);
    }
    return h('span', { class: 'node-row', 'data-node': e.id }, name, refs.status, refs.ballots, refs.below, refs.hash, refs.health);
  }

  private set(e: NodeEntry): void {
    const r = this.rows.get(e.id);
    if (!r) return;
    fill(r.status, statusBadge(e.status));
    fill(r.ballots, e.ballotCount !== undefined ? `${count(e.ballotCount)} ballots` : '—');
    fill(r.below, belowText(e));
    fill(r.hash, shortHash(e.tallyHash));
    fill(r.health, healthText(e.health));
    fill(r.problems, ...e.problems.map((p) => h('div', {}, `⚠ ${p}`)));
  }

  private header(): HTMLElement {
    return h('div', { class: 'node-row muted tree-header', 'aria-hidden': 'true' }, h('span', {}, 'node'), h('span', {}, 'status'), h('span', {}, 'ballots'), h('span', {}, 'reported below'), h('span', {}, 'tally hash'), h('span', {}, 'peer health (from this node)'));
  }

  /** First call builds the tree; later calls update it. */
  render(view: HierarchyView): void {
    if (this.rows.size === 0) this.build(view);
    for (const e of [view.national, ...view.states, ...view.counties]) this.set(e);
    for (const id of this.openCounties) void this.loadPrecincts(id);
  }

  private build(view: HierarchyView): void {
    const nationalDetails = h('details', { open: true, 'data-node': view.national.id }, h('summary', {}, this.row(view.national)), this.rows.get(view.national.id)!.problems);
    for (const s of view.states) {
      const stateDetails = h('details', { open: true, 'data-node': s.id }, h('summary', {}, this.row(s)), this.rows.get(s.id)!.problems);
      for (const c of view.counties.filter((c) => c.parent === s.id)) {
        const list = h('div', { class: 'precincts' }, h('p', { class: 'leaf muted' }, 'Loading precincts…'));
        this.precinctLists.set(c.id, list);
        const countyDetails = h('details', { 'data-node': c.id }, h('summary', {}, this.row(c)), this.rows.get(c.id)!.problems, list);
        countyDetails.addEventListener('toggle', () => {
          if (countyDetails.open) {
            this.openCounties.add(c.id);
            void this.loadPrecincts(c.id);
          } else this.openCounties.delete(c.id);
        });
        stateDetails.append(countyDetails);
      }
      nationalDetails.append(stateDetails);
    }
    fill(this.container, this.header(), nationalDetails);
  }

  private async loadPrecincts(countyId: string): Promise<void> {
    const list = this.precinctLists.get(countyId);
    if (!list) return;
    try {
      const detail = await this.loadDetail(countyId);
      fill(list, ...detail.children.map((p) => h('div', { class: 'leaf', 'data-node': p.id }, this.row(p), this.rows.get(p.id)!.problems)));
    } catch (err) {
      fill(list, h('p', { class: 'leaf muted' }, `Could not load the precincts: ${errorMessage(err)}`));
    }
  }

  /** Opens a county's branch (from the map) and scrolls it into view. */
  reveal(countyId: string): void {
    const el = this.container.querySelector<HTMLDetailsElement>(`details[data-node="${CSS.escape(countyId)}"]`);
    if (!el) return;
    el.open = true;
    el.scrollIntoView({ block: 'nearest' });
  }
}

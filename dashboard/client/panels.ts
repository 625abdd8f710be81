// The page's panels: election header, reporting progress, legend, county detail, results,
// verification and trustees. Each is rebuilt from the latest view (they are small); their boxes
// have fixed minimum sizes in style.css so that updates do not move the page.
import type { HierarchyView, LevelSummary, NodeDetailView, NodeEntry, TrusteeEntry } from '../hierarchy-view.ts';
import type { ConnectionState } from './live.ts';
import { STATUS_LABEL, ago, badge, byId, count, fill, h, healthText, shortHash, statusBadge } from './dom.ts';

export function renderHeader(view: HierarchyView): void {
  byId('election-title').textContent = view.election.title;
  document.title = `${view.election.title} — TallyMesh dashboard`;
  fill(
    byId('election-meta'),
    `Election ${view.election.id} · manifest hash `,
    shortHash(view.election.hash),
    ` · this node: ${view.node.id} (${view.node.role}), phase ${view.node.phase}`,
    view.node.waitingFor ? ` · waiting for ${view.node.waitingFor}` : '',
  );
}

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'connecting…',
  live: 'live: updates as they happen',
  polling: 'updating every 2 s',
  lost: 'connection lost; retrying…',
};

export function renderConnection(state: ConnectionState): void {
  const el = byId('connection');
  el.textContent = CONNECTION_TEXT[state];
  el.className = `connection ${state === 'live' || state === 'polling' ? 'live' : state === 'lost' ? 'lost' : ''}`;
}

function stat(label: string, value: string, id: string): HTMLElement {
  return h('div', { class: 'stat', id }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
}

const reported = (s: LevelSummary | undefined): string => (s ? `${count(s.verified)} / ${count(s.total)}${s.faulty ? ` (${s.faulty} faulty)` : ''}` : '—');

export function renderProgress(view: HierarchyView): void {
  const n = view.national;
  const states = { total: view.states.length, verified: view.states.filter((s) => s.status === 'verified').length, faulty: view.states.filter((s) => s.status === 'faulty').length, waiting: 0, ballots: 0 };
  fill(
    byId('progress'),
    stat('Precincts reported', reported(n.precincts), 'stat-precincts'),
    stat('Counties reported', reported(n.counties), 'stat-counties'),
    stat('States reported', reported(states), 'stat-states'),
    stat('Ballots in verified precinct tallies', count(n.precincts?.ballots ?? 0), 'stat-ballots'),
    stat('Result', view.result ? 'decrypted' : n.status === 'verified' ? 'decrypting' : 'counting', 'stat-result'),
  );
}

export function renderLegend(): void {
  const item = (cls: string, text: string): HTMLElement => h('li', {}, h('span', { class: `swatch ${cls}`, 'aria-hidden': 'true' }), text);
  fill(
    byId('legend'),
    item('waiting', `County: ${STATUS_LABEL.waiting}`),
    item('verified', `County: ${STATUS_LABEL.verified}`),
    item('faulty', `County: ${STATUS_LABEL.faulty} (hatched)`),
    item('state', 'Rest of a state: lighter shade of the state tally’s status'),
    item('outside', 'Not in this election'),
  );
}

export function renderMapSummary(view: HierarchyView, unmapped: NodeEntry[]): void {
  const c = view.national.counties;
  const text = c ? `${c.verified} of ${c.total} counties reported and verified${c.faulty ? `, ${c.faulty} faulty` : ''}; ${view.states.filter((s) => s.status === 'verified').length} of ${view.states.length} states.` : '';
  fill(byId('map-summary'), text, unmapped.length ? ` Not on the map (no shape for their FIPS code): ${unmapped.map((u) => u.name).join(', ')}.` : '');
}

export function renderCountyDetail(county: NodeEntry | undefined, detail: NodeDetailView | undefined, pinned: boolean): void {
  const panel = byId('county-detail');
  if (!county) return;
  const rows = (detail?.children ?? []).map((p) =>
    h('tr', { 'data-node': p.id }, h('td', {}, p.name), h('td', {}, statusBadge(p.status)), h('td', { class: 'num' }, p.ballotCount !== undefined ? count(p.ballotCount) : '—'), h('td', {}, shortHash(p.tallyHash))),
  );
  fill(
    panel,
    h('h3', { id: 'county-detail-heading' }, `${county.name} `, statusBadge(county.status), pinned ? h('span', { class: 'muted' }, ' (selected)') : ''),
    h('p', { class: 'muted' }, `County ${county.id}${county.fips ? `, FIPS ${county.fips}` : ''} · ${county.ballotCount !== undefined ? `${count(county.ballotCount)} ballots in its tally` : 'no county tally yet'} · tally `, shortHash(county.tallyHash)),
    ...county.problems.map((p) => h('p', { class: 'problems' }, `⚠ ${p}`)),
    h(
      'table',
      { 'aria-label': `Precincts of ${county.name}` },
      h('thead', {}, h('tr', {}, h('th', {}, 'precinct'), h('th', {}, 'status'), h('th', { class: 'num' }, 'ballots'), h('th', {}, 'tally hash'))),
      h('tbody', {}, ...(rows.length ? rows : [h('tr', {}, h('td', { colspan: 4, class: 'muted' }, detail ? 'No precincts.' : 'Loading…'))])),
    ),
  );
}

/** A share bar; its width is set through the CSSOM, which the page's CSP allows (inline style attributes it does not). */
function bar(percent: number): HTMLElement {
  const el = h('div', { class: 'bar' });
  el.style.width = `${percent.toFixed(1)}%`;
  return el;
}

/** The name of a national, state or county node, for "counted at". */
function nodeName(view: HierarchyView, id: string): string {
  return [view.national, ...view.states, ...view.counties].find((e) => e.id === id)?.name ?? id;
}

/**
 * The results: every contest, or (focus) those counted at one jurisdiction. Each contest names
 * the scope where it was counted complete; clicking that name focuses the results on it.
 */
export function renderResults(view: HierarchyView, focus?: string, onFocus?: (id: string | undefined) => void): void {
  const r = view.result;
  const t = view.verification.threshold;
  const intro = r
    ? `${count(r.ballotCount)} ballots, decrypted from ${t.needed} of the ${t.valid} valid partial decryptions and signed by ${r.combinerId}.`
    : view.national.status === 'verified'
      ? `The national tally is complete; waiting for the trustees' decryption (${t.valid} of ${t.needed} valid partial decryptions here).`
      : 'Waiting for the count to reach the national level; the counts appear once the trustees decrypt the national tally.';
  // The tables are there from the start (the manifest names the contests), so that the counts
  // fill in without moving the page.
  const shown = focus ? view.election.contests.filter((c) => c.scopeId === focus) : view.election.contests;
  const contests = shown.map((c) => {
    const counted = r?.contests.find((x) => x.id === c.id)?.options;
    const scope = h('button', { type: 'button', class: 'scope-link', 'data-scope': c.scopeId, title: 'show the contests counted there' }, `counted at ${nodeName(view, c.scopeId)}`);
    scope.addEventListener('click', () => onFocus?.(c.scopeId));
    const total = counted ? counted.reduce((n, o) => n + o.count, 0) : 0;
    return h(
      'div',
      { class: 'contest', 'data-contest': c.id, 'data-scope': c.scopeId },
      h(
        'table',
        {},
        h('caption', {}, c.title, ' ', scope),
        h('thead', {}, h('tr', {}, h('th', {}, 'option'), h('th', { class: 'num' }, 'votes'), h('th', { class: 'num' }, 'share'), h('th', { class: 'bar-cell' }, ''))),
        h(
          'tbody',
          {},
          ...c.options.map((name) => {
            const votes = counted?.find((o) => o.name === name)?.count;
            const share = votes !== undefined && total ? (100 * votes) / total : 0;
            return h(
              'tr',
              { 'data-option': name },
              h('td', {}, name),
              h('td', { class: 'num', ...(votes !== undefined ? { 'data-count': votes } : {}) }, votes !== undefined ? count(votes) : '—'),
              h('td', { class: 'num' }, votes !== undefined ? `${share.toFixed(1)} %` : ''),
              h('td', { class: 'bar-cell', 'aria-hidden': 'true' }, bar(share)),
            );
          }),
        ),
      ),
    );
  });
  const focusLine = focus
    ? (() => {
        const all = h('button', { type: 'button', id: 'results-all' }, 'show every contest');
        all.addEventListener('click', () => onFocus?.(undefined));
        const none = shown.length === 0 ? ' None: the contests on its ballots are counted above it, where their districts are complete.' : '';
        return h('p', { id: 'results-focus', 'data-focus': focus }, `Contests counted at ${nodeName(view, focus)}.${none} `, all);
      })()
    : '';
  fill(byId('results'), h('h2', { id: 'results-heading' }, 'Results'), h('p', { class: r ? '' : 'muted', id: 'results-status', 'data-decrypted': r ? 'yes' : 'no' }, intro), focusLine, ...contests);
}

export function renderVerification(view: HierarchyView): void {
  const v = view.verification;
  const r = view.result;
  const items: (HTMLElement | string)[] = [h('h2', { id: 'verification-heading' }, 'Verification')];
  items.push(h('p', {}, `Partial decryptions with valid proofs: ${v.threshold.valid} (${v.threshold.needed} needed).`));
  if (r) {
    items.push(h('p', {}, 'Result ', shortHash(r.hash), ' ', r.matchesNationalTally ? badge('pass', 'decrypts the national tally held here') : badge('fail', 'does not match the national tally held here')));
  }
  if (v.state === 'waiting') items.push(h('p', { class: 'muted' }, 'This node checks its election record once there is a result.'));
  else if (v.state === 'running') items.push(h('p', {}, badge('running', 'checking the record…')));
  else if (v.state === 'error') items.push(h('p', {}, badge('error', 'the record could not be checked'), ` ${v.message ?? ''}`));
  else {
    items.push(
      h(
        'p',
        { id: 'verification-verdict' },
        v.verdict === 'pass'
          ? badge('pass', 'the record this node holds verifies, every ballot included')
          : v.ok
            ? badge('partial', 'every tally, partial decryption and the result this node holds verify')
            : badge('fail', 'the record does not verify'),
        v.verdict === 'partial' ? h('span', { class: 'muted' }, ' (partial: the ballots are at the precincts; `tallymesh record` collects them and `tallymesh verify` checks them all)') : '',
      ),
      h(
        'table',
        { 'aria-label': 'Record checks' },
        h('tbody', {}, ...v.checks.map((c) => h('tr', { 'data-check': String(c.number) }, h('td', { class: 'num' }, String(c.number)), h('td', {}, c.title, ...c.details.slice(0, 3).map((d) => h('div', { class: 'problems' }, d))), h('td', {}, badge(c.status, c.status.toUpperCase()))))),
      ),
    );
  }
  items.push(h('p', {}, h('a', { href: 'record', download: `tallymesh-record-${view.election.id}-${view.node.id}.json`, id: 'record-link' }, 'Download the election record'), h('span', { class: 'muted' }, ` (JSON as this node holds it; \`tallymesh record --from ${location.origin} --out DIR\` writes it as files, \`tallymesh verify DIR\` checks them)`)));
  fill(byId('verification'), ...items);
}

const PARTIAL_TEXT: Record<TrusteeEntry['partial'], string> = {
  missing: 'not arrived',
  received: 'arrived (proof not checked by this node)',
  valid: 'arrived, proof valid',
  invalid: 'arrived, proof invalid',
};

export function renderTrustees(view: HierarchyView): void {
  const rows = view.trustees.map((t) =>
    h('tr', { 'data-trustee': t.id }, h('td', {}, `${t.index}. ${t.name}`), h('td', {}, badge(t.partial, PARTIAL_TEXT[t.partial]), t.reason ? h('div', { class: 'problems' }, t.reason) : ''), h('td', {}, healthText(t.health), h('div', { class: 'muted' }, t.health.lastSeen ? `last seen ${ago(t.health.lastSeen)}` : ''))),
  );
  fill(
    byId('trustees'),
    h('h2', { id: 'trustees-heading' }, 'Trustees'),
    h('p', { class: 'muted' }, `Any ${view.verification.threshold.needed} of ${view.trustees.length} valid partial decryptions give the result.`),
    h('table', { 'aria-label': 'Trustees and their partial decryptions' }, h('thead', {}, h('tr', {}, h('th', {}, 'trustee'), h('th', {}, 'partial decryption'), h('th', {}, 'peer health'))), h('tbody', {}, ...rows)),
    view.evidence.length ? h('p', { class: 'problems' }, `Equivocation evidence held: ${view.evidence.map((e) => `${e.sender} (${e.slot.split('/')[0]})`).join(', ')}`) : '',
  );
}

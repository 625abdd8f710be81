// Small DOM helpers and the wording shared by every part of the page.
import type { PeerHealth, ReportStatus } from '../hierarchy-view.ts';

type Child = Node | string | number | null | undefined | false;

/** Creates an element with attributes (class, data-*, aria-*, …) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | number | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : String(c));
  }
}

/** Replaces an element's content (panels are small: rebuilding them is simpler than diffing). */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

export const STATUS_LABEL: Record<ReportStatus, string> = {
  waiting: 'waiting for tally',
  verified: 'tally received and verified',
  faulty: 'faulty or equivocating',
};

export function statusBadge(status: ReportStatus): HTMLSpanElement {
  return h('span', { class: `badge ${status}`, 'data-status': status }, STATUS_LABEL[status]);
}

export function badge(kind: string, text: string): HTMLSpanElement {
  return h('span', { class: `badge ${kind}` }, text);
}

export const count = (n: number): string => n.toLocaleString('en-US');

/** "3a7f…c21b" with the full hash as a tooltip and for screen readers. */
export function shortHash(hash: string | undefined): HTMLElement | string {
  if (!hash) return '—';
  return h('code', { class: 'hash', title: hash, 'aria-label': `hash ${hash}` }, `${hash.slice(0, 10)}…${hash.slice(-6)}`);
}

export function ago(iso: string | undefined, now = Date.now()): string {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 2) return 'just now';
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  return new Date(iso).toLocaleString();
}

/** "connected, 1.2 ms" / "not connected, last seen 5 min ago". */
export function healthText(health: PeerHealth): string {
  if (health.connected) return `connected${health.latencyMs !== undefined ? `, ${health.latencyMs} ms` : ''}`;
  return health.lastSeen ? `not connected, last seen ${ago(health.lastSeen)}` : 'not connected to this node';
}

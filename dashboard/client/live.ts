// The page's connection to its node: the `hierarchy` server-sent events of GET /events, and
// polling GET /hierarchy instead when the stream is refused (e.g. too many listeners) or the
// browser has no EventSource. Detail views (a county's precincts) are fetched on demand.
import type { HierarchyView, NodeDetailView } from '../hierarchy-view.ts';

export type ConnectionState = 'connecting' | 'live' | 'polling' | 'lost';

export interface LiveHandlers {
  onView(view: HierarchyView): void;
  onConnection(state: ConnectionState): void;
}

const POLL_MS = 2000;

async function getJSON<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

export function fetchDetail(nodeId: string): Promise<NodeDetailView> {
  return getJSON<NodeDetailView>(`hierarchy/${encodeURIComponent(nodeId)}`);
}

function poll(handlers: LiveHandlers): void {
  const once = async (): Promise<void> => {
    try {
      handlers.onView(await getJSON<HierarchyView>('hierarchy'));
      handlers.onConnection('polling');
    } catch {
      handlers.onConnection('lost');
    }
    setTimeout(() => void once(), POLL_MS);
  };
  void once();
}

export function connect(handlers: LiveHandlers): void {
  if (typeof EventSource === 'undefined') {
    poll(handlers);
    return;
  }
  handlers.onConnection('connecting');
  const source = new EventSource('events');
  source.addEventListener('open', () => handlers.onConnection('live'));
  source.addEventListener('hierarchy', (event) => {
    handlers.onView(JSON.parse((event as MessageEvent<string>).data) as HierarchyView);
    handlers.onConnection('live');
  });
  source.addEventListener('error', () => {
    // CONNECTING: the browser retries by itself (the node restarts, say). CLOSED: the node refused
    // the stream; poll instead.
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      poll(handlers);
    } else {
      handlers.onConnection('lost');
    }
  });
}

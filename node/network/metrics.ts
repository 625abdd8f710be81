// A small metrics registry: labelled counters and gauges rendered in the Prometheus text
// exposition format (version 0.0.4), so the REST layer can serve GET /metrics without a client
// library. Gauges may take a collect function evaluated at render time (e.g. the peer count).
export type Labels = Record<string, string>;

function key(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatLabels(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

abstract class Metric {
  protected readonly values = new Map<string, { labels: Labels; value: number }>();
  abstract readonly type: 'counter' | 'gauge';

  constructor(
    readonly name: string,
    readonly help: string,
  ) {
    if (!NAME.test(name)) throw new TypeError(`invalid metric name "${name}"`);
  }

  get(labels: Labels = {}): number {
    return this.values.get(key(labels))?.value ?? 0;
  }

  /** Sum over every label combination. */
  total(): number {
    let sum = 0;
    for (const v of this.values.values()) sum += v.value;
    return sum;
  }

  protected samples(): { labels: Labels; value: number }[] {
    return [...this.values.values()];
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${this.name} ${this.type}`];
    for (const s of this.samples()) lines.push(`${this.name}${formatLabels(s.labels)} ${formatValue(s.value)}`);
    return lines.join('\n');
  }
}

export class Counter extends Metric {
  readonly type = 'counter';

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new RangeError('a counter only goes up');
    const k = key(labels);
    const entry = this.values.get(k);
    if (entry) entry.value += by;
    else this.values.set(k, { labels: { ...labels }, value: by });
  }
}

export class Gauge extends Metric {
  readonly type = 'gauge';

  constructor(
    name: string,
    help: string,
    private readonly collect?: () => number | Array<{ labels: Labels; value: number }>,
  ) {
    super(name, help);
  }

  set(labels: Labels, value: number): void {
    this.values.set(key(labels), { labels: { ...labels }, value });
  }

  inc(labels: Labels = {}, by = 1): void {
    const k = key(labels);
    const entry = this.values.get(k);
    if (entry) entry.value += by;
    else this.values.set(k, { labels: { ...labels }, value: by });
  }

  override get(labels: Labels = {}): number {
    if (this.collect) return this.samples().find((s) => key(s.labels) === key(labels))?.value ?? 0;
    return super.get(labels);
  }

  protected override samples(): { labels: Labels; value: number }[] {
    if (!this.collect) return super.samples();
    const out = this.collect();
    return typeof out === 'number' ? [{ labels: {}, value: out }] : out;
  }
}

export class MetricsRegistry {
  private readonly metrics = new Map<string, Metric>();
  private readonly refreshers: (() => void)[] = [];

  /** Runs `fn` before every render (a library's collect callbacks that set gauges). */
  beforeRender(fn: () => void): void {
    this.refreshers.push(fn);
  }

  counter(name: string, help: string): Counter {
    return this.register(new Counter(name, help));
  }

  gauge(name: string, help: string, collect?: () => number | Array<{ labels: Labels; value: number }>): Gauge {
    return this.register(new Gauge(name, help, collect));
  }

  private register<M extends Metric>(metric: M): M {
    const existing = this.metrics.get(metric.name);
    if (existing) {
      if (existing.constructor !== metric.constructor) throw new Error(`metric "${metric.name}" is already registered as a ${existing.type}`);
      return existing as M;
    }
    this.metrics.set(metric.name, metric);
    return metric;
  }

  /** Prometheus text format; serve with content type `text/plain; version=0.0.4`. */
  render(): string {
    for (const fn of this.refreshers) {
      try {
        fn();
      } catch {
        // A library's collector that fails must not take /metrics down with it.
      }
    }
    return [...this.metrics.values()].map((m) => m.render()).join('\n') + '\n';
  }
}

/** The network layer's metrics, registered once per registry. */
export function networkMetrics(registry: MetricsRegistry) {
  return {
    registry,
    gossipMessages: registry.counter('tallymesh_gossip_messages_total', 'Gossip messages validated, by topic kind and outcome (accept, reject, ignore).'),
    gossipRejected: registry.counter('tallymesh_gossip_rejected_total', 'Gossip messages rejected (sender penalised), by reason code.'),
    gossipIgnored: registry.counter('tallymesh_gossip_ignored_total', 'Gossip messages ignored (not forwarded, sender not penalised), by reason code.'),
    gossipPublished: registry.counter('tallymesh_gossip_published_total', 'Artifacts this node published, by topic kind and artifact type.'),
    handlerErrors: registry.counter('tallymesh_artifact_handler_errors_total', 'Accepted artifacts whose handler threw, by artifact type.'),
    pullRequests: registry.counter('tallymesh_pull_requests_total', 'Pull protocol exchanges, by side (server, client) and outcome.'),
    linkResets: registry.counter('tallymesh_link_resets_total', 'Connections to roster peers closed to be redialled because they carried no gossip or no pulls, by reason.'),
  };
}
export type NetworkMetrics = ReturnType<typeof networkMetrics>;

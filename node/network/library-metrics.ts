// libp2p's and gossipsub's own metrics, rendered by the node's one MetricsRegistry at /metrics
// beside TallyMesh's: adapters from libp2p's Metrics interface and gossipsub's MetricsRegister
// to our counters and gauges. Histograms and summaries become a _sum and a _count series (what
// rate() and averages need); avg/min/max groups become three gauges. Metric names are made
// Prometheus-safe; gossipsub topics are labelled by kind (board, tallies), never by the topic
// string, so a national node with thousands of parent topics keeps a small set of series.
import type { MetricsRegister } from '@chainsafe/libp2p-gossipsub/metrics';
import type { Metrics } from '@libp2p/interface';
import type { Counter, Gauge, Labels, MetricsRegistry } from './metrics.ts';

const safeName = (name: string): string => {
  const s = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[a-zA-Z_:]/.test(s) ? s : `_${s}`;
};

const labelsOf = (values: Record<string, string | number> | undefined): Labels =>
  Object.fromEntries(Object.entries(values ?? {}).map(([k, v]) => [safeName(k), String(v)]));

type Calculate = () => unknown;

/** A gauge whose value a function computes; a promise's value is shown once it settles. */
function calculatedGauge(registry: MetricsRegistry, name: string, help: string, label: string | undefined, calculate: Calculate): void {
  let last: unknown = 0;
  registry.gauge(name, help, () => {
    const value = calculate();
    if (value instanceof Promise) value.then((v) => (last = v), () => undefined);
    else last = value;
    if (typeof last === 'number') return last;
    if (last && typeof last === 'object') return Object.entries(last as Record<string, number>).map(([k, v]) => ({ labels: { [label ?? 'key']: k }, value: v }));
    return 0;
  });
}

/** A histogram or summary as two series: the sum of observations and their count. */
function sumAndCount(registry: MetricsRegistry, name: string, help: string) {
  const sum = registry.counter(`${name}_sum`, `${help} (sum of observations)`);
  const count = registry.counter(`${name}_count`, `${help} (number of observations)`);
  return (labels: Labels, value: number): void => {
    if (value >= 0) sum.inc(labels, value);
    count.inc(labels);
  };
}

/** libp2p's Metrics over the registry (pass as createLibp2p({ metrics: () => libp2pMetrics(r) })). */
export function libp2pMetrics(registry: MetricsRegistry): Metrics {
  const help = (name: string, o?: { help?: string }): string => o?.help ?? `libp2p ${name}`;
  const timer = (observe: (ms: number) => void) => () => {
    const start = performance.now();
    return () => observe(performance.now() - start);
  };
  const metric = (name: string, options?: { help?: string; calculate?: Calculate; label?: string }) => {
    const n = safeName(name);
    if (options?.calculate) return void calculatedGauge(registry, n, help(name, options), options.label, options.calculate);
    const g = registry.gauge(n, help(name, options));
    return {
      update: (v: number) => g.set({}, v),
      increment: (v = 1) => g.inc({}, v),
      decrement: (v = 1) => g.inc({}, -v),
      reset: () => g.set({}, 0),
      timer: timer((ms) => g.set({}, ms)),
    };
  };
  const metricGroup = (name: string, options?: { help?: string; calculate?: Calculate; label?: string }) => {
    const n = safeName(name);
    const label = safeName(options?.label ?? 'key');
    if (options?.calculate) return void calculatedGauge(registry, n, help(name, options), label, options.calculate);
    const g: Gauge = registry.gauge(n, help(name, options));
    const each = (values: Record<string, number | true>, fn: (labels: Labels, v: number) => void): void => {
      for (const [k, v] of Object.entries(values)) fn({ [label]: k }, v === true ? 1 : v);
    };
    return {
      update: (values: Record<string, number>) => each(values, (l, v) => g.set(l, v)),
      increment: (values: Record<string, number | true>) => each(values, (l, v) => g.inc(l, v)),
      decrement: (values: Record<string, number | true>) => each(values, (l, v) => g.inc(l, -v)),
      reset: () => undefined,
      timer: (k: string) => timer((ms) => g.set({ [label]: k }, ms))(),
    };
  };
  const counter = (name: string, options?: { help?: string; calculate?: Calculate; label?: string }) => {
    const n = safeName(name);
    if (options?.calculate) return void calculatedGauge(registry, n, help(name, options), options.label, options.calculate);
    const c: Counter = registry.counter(n, help(name, options));
    return { increment: (v = 1) => c.inc({}, v), reset: () => undefined };
  };
  const counterGroup = (name: string, options?: { help?: string; calculate?: Calculate; label?: string }) => {
    const n = safeName(name);
    const label = safeName(options?.label ?? 'key');
    if (options?.calculate) return void calculatedGauge(registry, n, help(name, options), label, options.calculate);
    const c: Counter = registry.counter(n, help(name, options));
    return {
      increment: (values: Record<string, number | true>) => {
        for (const [k, v] of Object.entries(values)) c.inc({ [label]: k }, v === true ? 1 : v);
      },
      reset: () => undefined,
    };
  };
  const observer = (name: string, options?: { help?: string; calculate?: Calculate; label?: string }) => {
    const n = safeName(name);
    if (options?.calculate) return void calculatedGauge(registry, n, help(name, options), options.label, options.calculate);
    const observe = sumAndCount(registry, n, help(name, options));
    return { observe: (v: number) => observe({}, v), reset: () => undefined, timer: timer((ms) => observe({}, ms / 1000)) };
  };
  const observerGroup = (name: string, options?: { help?: string; calculate?: Calculate; label?: string }) => {
    const n = safeName(name);
    const label = safeName(options?.label ?? 'key');
    if (options?.calculate) return void calculatedGauge(registry, n, help(name, options), label, options.calculate);
    const observe = sumAndCount(registry, n, help(name, options));
    return {
      observe: (values: Record<string, number>) => {
        for (const [k, v] of Object.entries(values)) observe({ [label]: k }, v);
      },
      reset: () => undefined,
      timer: (k: string) => timer((ms) => observe({ [label]: k }, ms / 1000))(),
    };
  };
  const connections = registry.counter('libp2p_tracked_connections_total', 'Connections libp2p handed to its metrics, by direction');
  const streams = registry.counter('libp2p_tracked_protocol_streams_total', 'Protocol streams libp2p handed to its metrics, by protocol');
  // A name clash with one of our own metrics must not stop libp2p from starting: that metric is
  // then not shown, nothing else changes.
  const noop = { update() {}, increment() {}, decrement() {}, reset() {}, observe() {}, timer: () => () => undefined };
  const guard =
    <O>(register: (name: string, options?: O) => unknown) =>
    (name: string, options?: O) => {
      try {
        return register(name, options);
      } catch {
        return noop;
      }
    };
  return {
    trackMultiaddrConnection: () => connections.inc(),
    trackProtocolStream: (stream: { protocol?: string }) => streams.inc({ protocol: stream.protocol ?? 'unknown' }),
    registerMetric: guard(metric),
    registerMetricGroup: guard(metricGroup),
    registerCounter: guard(counter),
    registerCounterGroup: guard(counterGroup),
    registerHistogram: guard(observer),
    registerHistogramGroup: guard(observerGroup),
    registerSummary: guard(observer),
    registerSummaryGroup: guard(observerGroup),
    traceFunction: (_name: string, fn: unknown) => fn,
    createTrace: () => undefined,
  } as unknown as Metrics;
}

/** gossipsub's MetricsRegister over the registry (gossipsub({ metricsRegister })). */
export function gossipsubMetricsRegister(registry: MetricsRegistry): MetricsRegister {
  return {
    gauge(config) {
      const g = registry.gauge(safeName(config.name), config.help);
      const collectors: ((gauge: never) => void)[] = [];
      const wrapper = {
        inc: (a?: unknown, b?: number) => (typeof a === 'object' ? g.inc(labelsOf(a as Record<string, string>), b ?? 1) : g.inc({}, (a as number | undefined) ?? 1)),
        set: (a: unknown, b?: number) => (typeof a === 'object' ? g.set(labelsOf(a as Record<string, string>), b!) : g.set({}, a as number)),
        addCollect: (fn: (gauge: never) => void) => void collectors.push(fn),
      };
      // Collect functions refresh the gauge just before it is rendered.
      registry.beforeRender(() => {
        for (const fn of collectors) fn(wrapper as never);
      });
      return wrapper as never;
    },
    histogram(config) {
      const observe = sumAndCount(registry, safeName(config.name), config.help);
      return {
        startTimer: () => {
          const start = performance.now();
          return () => observe({}, (performance.now() - start) / 1000);
        },
        observe: (a: unknown, b?: number) => (typeof a === 'object' ? observe(labelsOf(a as Record<string, string>), b!) : observe({}, a as number)),
        reset: () => undefined,
      } as never;
    },
    avgMinMax(config) {
      const name = safeName(config.name);
      const avg = registry.gauge(`${name}_avg`, `${config.help} (average)`);
      const min = registry.gauge(`${name}_min`, `${config.help} (minimum)`);
      const max = registry.gauge(`${name}_max`, `${config.help} (maximum)`);
      const set = (labels: Labels, values: number[]): void => {
        if (!values.length) return;
        avg.set(labels, values.reduce((a, b) => a + b, 0) / values.length);
        min.set(labels, Math.min(...values));
        max.set(labels, Math.max(...values));
      };
      return { set: (a: unknown, b?: number[]) => (Array.isArray(a) ? set({}, a) : set(labelsOf(a as Record<string, string>), b!)) } as never;
    },
  };
}

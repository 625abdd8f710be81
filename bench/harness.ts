// Timing harness for the benchmarks (never used inside tests).
//
// A measurement is: `warmup` untimed calls (JIT, lazily built tables, caches), then a calibration
// call that decides how many calls make one sample (so that a sample of a microsecond operation
// lasts at least `minSampleMs` and the timer's resolution does not matter), then `runs` timed
// samples. Reported: the median per-operation time, with min and max over the samples.
//
// compare() measures two implementations of the same operation in the same process and
// interleaves their samples (A, B, A, B, ...), so that a burst of load on this shared machine
// hits both sides alike instead of skewing one of them.

export interface Stats {
  /** Per-operation times in milliseconds. */
  median: number;
  min: number;
  max: number;
  /** Timed samples. */
  runs: number;
  /** Calls per sample (1 for slow operations). */
  inner: number;
  /**
   * Median CPU time per operation (process.cpuUsage, user + system, all threads of the process).
   * On a loaded machine wall time exceeds it while the benchmark waits for a core.
   */
  cpuMedian: number;
}

export interface MeasureOptions {
  warmup: number;
  runs: number;
  /** Minimum duration of one sample; fast operations are repeated inside a sample to reach it. */
  minSampleMs?: number;
  /** Upper bound on calls per sample. */
  maxInner?: number;
}

export type BenchFn = () => unknown;

/** Results are stored here so that no optimiser can drop a call whose value is unused. */
export let sink: unknown;

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}

interface Sample {
  /** Wall time per call, ms. */
  wall: number;
  /** CPU time per call, ms. */
  cpu: number;
}

/** Runs fn `inner` times and returns the mean wall and CPU time per call in ms. */
async function sample(fn: BenchFn, inner: number): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < inner; i++) {
    const r = fn();
    sink = isThenable(r) ? await r : r;
  }
  const wall = (performance.now() - start) / inner;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 / inner };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function statsOf(samples: readonly Sample[], inner: number): Stats {
  const wall = samples.map((s) => s.wall);
  return { median: median(wall), min: Math.min(...wall), max: Math.max(...wall), runs: samples.length, inner, cpuMedian: median(samples.map((s) => s.cpu)) };
}

/**
 * Calls per sample: 1 when the last warm-up call already took minSampleMs (or there was no
 * warm-up: slow operations such as key generation), otherwise grown until a sample lasts that long.
 */
async function calibrate(fn: BenchFn, lastWarmupMs: number | undefined, opts: MeasureOptions): Promise<number> {
  const minSample = opts.minSampleMs ?? 20;
  const maxInner = opts.maxInner ?? 100_000;
  if (lastWarmupMs === undefined || lastWarmupMs >= minSample) return 1;
  let inner = Math.min(maxInner, Math.max(1, Math.ceil((minSample * 1.2) / Math.max(lastWarmupMs, 1e-4))));
  for (;;) {
    const t = (await sample(fn, inner)).wall * inner;
    if (t >= minSample || inner >= maxInner) return inner;
    inner = Math.min(maxInner, t <= 0 ? inner * 10 : Math.ceil((inner * minSample * 1.2) / t));
  }
}

/** Median (min, max) per-operation time of fn. */
export async function measure(fn: BenchFn, opts: MeasureOptions): Promise<Stats> {
  return (await compare(fn, undefined, opts)).a;
}

/** Measures a and b in interleaved samples; b may be absent. */
export async function compare(a: BenchFn, b: BenchFn | undefined, opts: MeasureOptions): Promise<{ a: Stats; b: Stats | undefined }> {
  if (opts.runs < 1) throw new RangeError('at least one run');
  let lastA: number | undefined;
  let lastB: number | undefined;
  for (let i = 0; i < opts.warmup; i++) {
    lastA = (await sample(a, 1)).wall;
    if (b) lastB = (await sample(b, 1)).wall;
  }
  const innerA = await calibrate(a, lastA, opts);
  const innerB = b ? await calibrate(b, lastB, opts) : 1;
  const sa: Sample[] = [];
  const sb: Sample[] = [];
  for (let i = 0; i < opts.runs; i++) {
    // Alternate which side goes first so that neither always follows the other's garbage.
    if (b && i % 2 === 1) {
      sb.push(await sample(b, innerB));
      sa.push(await sample(a, innerA));
    } else {
      sa.push(await sample(a, innerA));
      if (b) sb.push(await sample(b, innerB));
    }
  }
  return { a: statsOf(sa, innerA), b: b ? statsOf(sb, innerB) : undefined };
}

/** How many times better TallyMesh is: obvious cost ÷ TallyMesh cost (below 1: the obvious one is better). */
export function ratio(ours: number, obvious: number): number {
  return obvious / ours;
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** A time in ms, in the unit that reads best (µs, ms or s), three significant digits. */
export function formatTime(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms < 0.9995) return `${sig(ms * 1000)} µs`;
  if (ms < 999.5) return `${sig(ms)} ms`;
  return `${sig(ms / 1000)} s`;
}

/** Median with the sample range: "57.2 ms (55.0–61.3)". */
export function formatStats(s: Stats): string {
  const unit = s.median < 0.9995 ? 1000 : s.median < 999.5 ? 1 : 1 / 1000;
  return `${formatTime(s.median)} (${sig(s.min * unit)}–${sig(s.max * unit)})`;
}

export function sig(x: number, digits = 3): string {
  if (x === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return x.toFixed(decimals);
}

export function formatRatio(r: number): string {
  if (!Number.isFinite(r)) return '—';
  return r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`;
}

/** A markdown table, with columns padded so that it also reads well on a terminal. */
export function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

// End to end in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core; never a
// test tool's own browser download): a small simulation runs over libp2p, the national node's
// dashboard is opened while the polls are still open (every county waiting), then the count flows
// up and the same page, never reloaded, must show every county reported, the result and the
// record's verification. The counts on the page must equal the announced result and the simulated
// voters' choices. A screenshot is saved to test-artifacts/dashboard.png.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { runSimulation, type SimulationOutcome } from '../../sim/network/simulation.ts';
import { decode } from '../../protocol/codec.ts';
import { ManifestSchema } from '../../protocol/manifest.ts';
import { REPO_ROOT } from '../support/paths.ts';

const CHROMIUM = process.env.TALLYMESH_CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');
const SHAPE = { states: 2, counties: 2, precincts: 2 } as const;

/** The little of the page's globals the page-side functions use. */
interface PageGlobals {
  document: { querySelectorAll(selector: string): { length: number } };
  stillTheSamePage?: boolean;
}

/** A promise with its resolve function (Promise.withResolvers, which Node 20 lacks natively). */
function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

let context: BrowserContext | undefined;
let profile: string | undefined;
const releaseSimulation: (() => void)[] = [];
let simulation: Promise<SimulationOutcome> | undefined;

afterAll(async () => {
  // Whatever happened, let the simulation finish (it stops every node) and close the browser.
  for (const release of releaseSimulation) release();
  await context?.close().catch(() => undefined);
  const outcome = await simulation?.catch(() => undefined);
  if (outcome) rmSync(outcome.out, { recursive: true, force: true });
  if (profile) rmSync(profile, { recursive: true, force: true });
});

/** The counts the page shows: contest id -> option name -> votes. */
function displayedCounts(page: Page): Promise<Record<string, Record<string, number>>> {
  return page.$$eval('#results [data-contest]', (contests) =>
    Object.fromEntries(
      contests.map((c) => [
        c.getAttribute('data-contest')!,
        Object.fromEntries([...c.querySelectorAll('tr[data-option]')].map((row) => [row.getAttribute('data-option')!, Number(row.querySelector('[data-count]')?.getAttribute('data-count'))])),
      ]),
    ),
  );
}

describe('the dashboard in headless Chromium', () => {
  it('fills in the map live as tallies flow up, then shows the announced result and its verification', async () => {
    expect(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does)`).toBe(true);
    const dashboard = gate<string>();
    const polls = gate();
    const browserDone = gate();
    releaseSimulation.push(() => polls.open(), () => browserDone.open());
    const lines: string[] = [];
    simulation = runSimulation({
      ...SHAPE,
      ballots: 2,
      keyBits: 1024,
      basePort: 27400,
      live: false,
      timeoutMs: 300_000,
      print: (line) => lines.push(line),
      onDashboard: dashboard.open,
      beforeClose: () => polls.promise,
      keepOpen: () => browserDone.promise,
    });
    const url = await Promise.race([dashboard.promise, simulation.then(() => Promise.reject(new Error(`the simulation ended without a dashboard URL:\n${lines.join('\n')}`)))]);
    expect(lines.join('\n')).toContain(`dashboard: ${url}`);

    profile = mkdtempSync(join(tmpdir(), 'tm-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      viewport: { width: 1400, height: 1000 },
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    // Only this node serves the page: any other request is a failure (nothing from the internet).
    const foreign: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(new URL(url).origin) && !request.url().startsWith('data:')) foreign.push(request.url());
    });
    await page.goto(url);

    // Polls still open: the map is drawn and every county waits.
    const counties = SHAPE.states * SHAPE.counties;
    // Page-side functions see the DOM through PageGlobals (this file is type-checked without the
    // DOM library; strings would be evaluated, which the page's CSP rightly forbids).
    const countiesIn = ([status, n]: [string, number]): boolean => (globalThis as unknown as PageGlobals).document.querySelectorAll(`#map path.county[data-status="${status}"]`).length === n;
    await page.waitForFunction(countiesIn, ['waiting', counties] as [string, number], { timeout: 120_000 });
    expect(await page.locator('#results-status').getAttribute('data-decrypted')).toBe('no');
    expect(await page.locator('#map text.state-label').allTextContents()).toEqual(['Ohio', 'Pennsylvania']);
    // A marker that a reload would erase.
    await page.evaluate(() => ((globalThis as unknown as PageGlobals).stillTheSamePage = true));

    polls.open();
    await page.waitForFunction(countiesIn, ['verified', counties] as [string, number], { timeout: 240_000 });
    await page.waitForSelector('#results-status[data-decrypted="yes"]', { timeout: 240_000 });
    // The national node holds no ballots (they are at the precincts): its own check is partial.
    await page.waitForSelector('#verification-verdict .badge.partial', { timeout: 240_000 });
    expect(await page.evaluate(() => (globalThis as unknown as PageGlobals).stillTheSamePage)).toBe(true);

    // The counts on the page equal the announced result.
    const announced = (await (await fetch(new URL('/result', url))).json()) as { scopes: { scopeId: string; contests: { contestId: string; counts: number[] }[] }[] };
    const announcedContests = announced.scopes.flatMap((s) => s.contests);
    const shown = await displayedCounts(page);
    const manifest = decode(ManifestSchema, new Uint8Array(Buffer.from(((await (await fetch(new URL('/manifest', url))).json()) as { manifest: string }).manifest, 'base64')), 'manifest');
    const contests = manifest.contests;
    expect(Object.keys(shown).sort()).toEqual(contests.map((c) => c.id).sort());
    for (const contest of contests) {
      const counts = announcedContests.find((c) => c.contestId === contest.id)!.counts;
      expect(shown[contest.id], contest.id).toEqual(Object.fromEntries(contest.options.map((o, i) => [o, counts[i]])));
    }
    // Per jurisdiction: a county's "results" shows exactly the contests counted there; a
    // contest's "counted at" shows where its district was completed (a state's contests here).
    const scopeOf = new Map(announced.scopes.flatMap((sc) => sc.contests.map((c) => [c.contestId, sc.scopeId] as const)));
    const county = [...new Set(scopeOf.values())].find((id) => id.startsWith('county-'))!;
    await page.click(`#tree button[data-results="${county}"]`);
    await page.waitForSelector(`#results-focus[data-focus="${county}"]`);
    const countyShown = await page.$$eval('#results [data-contest]', (els) => els.map((e) => e.getAttribute('data-contest')!));
    expect(countyShown.sort()).toEqual([...scopeOf].filter(([, sc]) => sc === county).map(([id]) => id).sort());
    const stateContest = [...scopeOf].find(([, sc]) => sc.startsWith('state-'))!;
    await page.click('#results-all');
    await page.click(`#results [data-contest="${stateContest[0]}"] .scope-link`);
    await page.waitForSelector(`#results-focus[data-focus="${stateContest[1]}"]`);
    expect(await page.locator(`#results [data-contest="${stateContest[0]}"]`).count()).toBe(1);
    await page.click('#results-all');
    // The text views carry the same facts: the trustees' partials (at least the threshold, all
    // valid; late ones may still be on their way) and every county in the tree.
    expect(await page.locator('#trustees [data-trustee]').count()).toBe(9);
    expect(await page.locator('#trustees [data-trustee] .badge.valid').count()).toBeGreaterThanOrEqual(5);
    expect(await page.locator('#trustees [data-trustee] .badge.invalid').count()).toBe(0);
    expect(await page.locator('#tree details[data-node^="county-"] .badge.verified').count()).toBe(counties);

    // A county's precincts, their ballot counts and tally hashes, on hover.
    await page.hover('#map path.county >> nth=0');
    await page.waitForSelector('#county-detail tr[data-node^="precinct-"]');
    expect(await page.locator('#county-detail tr[data-node^="precinct-"]').count()).toBe(SHAPE.precincts);
    expect(await page.locator('#county-detail tr[data-node^="precinct-"] td.num').first().textContent()).toBe('2');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // "Check my receipt": a voter's receipt as the precinct serves it (with its inclusion proof),
    // checked by the browser against the national node's published data.
    const precinct = 'precinct-01-001-001';
    const precinctUrl = `http://127.0.0.1:${27400 + 2 * manifest.roster.findIndex((e) => e.id === precinct) + 1}`;
    const [entry] = (await (await fetch(`${precinctUrl}/log?from=1&limit=1`)).json()) as { ballotHash: string }[];
    const receiptFile = (await (await fetch(`${precinctUrl}/receipts/${entry!.ballotHash}`)).json()) as { receipt: { signature: string } };
    await page.goto(new URL('/dashboard/receipt', url).href);
    await page.fill('#receipt-input', JSON.stringify(receiptFile));
    await page.click('#receipt-check-button');
    await page.waitForSelector('#receipt-verdict[data-ok="yes"]', { timeout: 60_000 });
    expect(await page.locator('#receipt-results tr[data-status="pass"]').count()).toBe(3);
    await page.screenshot({ path: join(ARTIFACTS, 'receipt-check.png'), fullPage: true });
    const sig = receiptFile.receipt.signature;
    const tampered = { ...receiptFile, receipt: { ...receiptFile.receipt, signature: (sig[0] === '0' ? '1' : '0') + sig.slice(1) } };
    await page.fill('#receipt-input', JSON.stringify(tampered));
    await page.click('#receipt-check-button');
    await page.waitForSelector('#receipt-verdict[data-ok="no"]', { timeout: 60_000 });
    expect(await page.locator('#receipt-results tr[data-check="R1"]').getAttribute('data-status')).toBe('fail');
    expect(pageErrors).toEqual([]);
    expect(foreign).toEqual([]);

    browserDone.open();
    const outcome = await simulation;
    expect(outcome.problems).toEqual([]);
    expect(outcome.ok).toBe(true);
    for (const contest of contests) {
      expect(contest.options.map((o) => shown[contest.id]![o])).toEqual(outcome.expected.get(contest.id)!.map(Number));
    }
  }, 600_000);
});

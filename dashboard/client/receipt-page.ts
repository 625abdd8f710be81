// The "check my receipt" page (/dashboard/receipt): reads a receipt file, runs R1-R3 in the
// browser (receipt-check.ts) against this node's /manifest, /proof and /receipts, and shows each
// check with why it failed.
import { checkReceipt, type ReceiptFile } from './receipt-check.ts';

const byId = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

async function get(path: string): Promise<unknown | undefined> {
  const res = await fetch(new URL(path, location.origin), { headers: { accept: 'application/json' } });
  return res.ok ? res.json() : undefined;
}

function badge(status: string, text: string): HTMLSpanElement {
  const span = document.createElement('span');
  span.className = `badge ${status}`;
  span.textContent = text;
  return span;
}

async function run(): Promise<void> {
  const verdict = byId<HTMLParagraphElement>('receipt-verdict');
  const rows = byId<HTMLTableSectionElement>('receipt-results');
  rows.replaceChildren();
  let file: ReceiptFile;
  try {
    const json = JSON.parse(byId<HTMLTextAreaElement>('receipt-input').value) as Partial<ReceiptFile> & ReceiptFile['receipt'];
    file = json.receipt ? (json as ReceiptFile) : { receipt: json };
  } catch {
    verdict.dataset.ok = 'no';
    verdict.replaceChildren(badge('fail', 'that is not a receipt file (JSON)'));
    return;
  }
  verdict.textContent = 'checking…';
  const checks = await checkReceipt(file, get);
  for (const c of checks) {
    const tr = document.createElement('tr');
    tr.dataset.check = c.number;
    tr.dataset.status = c.status;
    const num = document.createElement('td');
    num.textContent = c.number;
    const what = document.createElement('td');
    what.textContent = c.title;
    const why = document.createElement('div');
    why.className = c.status === 'fail' ? 'problems' : 'muted';
    why.textContent = c.detail;
    what.append(why);
    const status = document.createElement('td');
    status.append(badge(c.status, c.status.toUpperCase()));
    tr.append(num, what, status);
    rows.append(tr);
  }
  const ok = checks.every((c) => c.status === 'pass');
  verdict.dataset.ok = ok ? 'yes' : 'no';
  verdict.replaceChildren(badge(ok ? 'pass' : 'fail', ok ? 'your ballot is counted in the result' : 'the receipt does not check out'));
}

byId<HTMLButtonElement>('receipt-check-button').addEventListener('click', () => void run());
byId<HTMLInputElement>('receipt-file').addEventListener('change', async (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) byId<HTMLTextAreaElement>('receipt-input').value = await f.text();
});

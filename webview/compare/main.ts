import '../shared/zod-config';
import '../shared/base.css';
import './style.css';
import '../shared/elements';
import {
  compareFromWebview,
  compareStateSchema,
  compareToWebview,
  type CompareFromWebview,
  type CompareRowWire,
  type CompareSnapshot,
  type CompareSortKey,
  type CompareState,
  type CompareToWebview,
} from '../../src/protocol/webview/compare';
import { fitCanvas } from '../shared/canvas';
import { clear, h, statusLine } from '../shared/dom';
import { setValue, valueOf } from '../shared/elements';
import { fmt, pct } from '../shared/format';
import { drawScene, sceneToSvg } from '../shared/scene';
import { onThemeChange, theme } from '../shared/theme';
import { createBridge } from '../shared/vscode';
import { buildFigure, provenanceText, REFERENCE_METHODS } from './figure';

const status = statusLine();
const bridge = createBridge<CompareToWebview, CompareFromWebview, CompareState>({
  toWebview: compareToWebview,
  fromWebview: compareFromWebview,
  state: compareStateSchema,
  onError: (e) => status.error(e),
});

let snap: CompareSnapshot | null = null;
let percentile: 'p95' | 'p99' = bridge.state.percentile;

const title = h('h1', { id: 'title', text: 'Compare unlearners' });
const provenance = h('div', { id: 'provenance', class: 'provenance' });
const pSelect = h('vscode-single-select', { id: 'percentile', attrs: { 'aria-label': 'Percentile' } }, h('vscode-option', { text: 'p99', attrs: { value: 'p99' } }), h('vscode-option', { text: 'p95', attrs: { value: 'p95' } }));
requestAnimationFrame(() => setValue(pSelect, percentile));
pSelect.addEventListener('change', () => {
  const v = valueOf(pSelect);
  if (v !== 'p95' && v !== 'p99') return;
  percentile = v;
  bridge.saveState({ percentile: v });
  render();
});
const exportBtn = (id: string, text: string, fn: () => void) => {
  const b = h('vscode-button', { id, text, attrs: { icon: 'export', secondary: '' } });
  b.addEventListener('click', fn);
  return b;
};
const canvas = h('canvas', { id: 'figure', attrs: { tabindex: '0', role: 'img' } });
const figureBox = h('div', { class: 'figure' }, canvas);
const table = h('table', { id: 'rows', attrs: { 'aria-rowcount': '0' } });
const tableWrap = h('div', { class: 'table-wrap', attrs: { tabindex: '0', role: 'region', 'aria-label': 'Methods table' } }, table);
const empty = h('div', { id: 'empty', class: 'muted' });
document.getElementById('app')?.append(
  title,
  provenance,
  h(
    'div',
    { class: 'toolbar' },
    h('label', { text: 'Percentile' }),
    pSelect,
    exportBtn('export-csv', 'CSV', () => exportCsv()),
    exportBtn('export-png', 'PNG', () => void exportPng()),
    exportBtn('export-svg', 'SVG', () => exportSvg()),
  ),
  status.el,
  empty,
  figureBox,
  h('h2', { text: 'Methods' }),
  h('div', { class: 'provenance', id: 'table-provenance' }),
  tableWrap,
);
tableWrap.addEventListener('scroll', () => {
  bodyFrame ||= requestAnimationFrame(() => {
    bodyFrame = 0;
    renderBody();
  });
});

const FIG_H = 380;
function figureWidth(): number {
  return Math.max(480, Math.min(1100, figureBox.clientWidth || 800));
}

function renderFigure(): void {
  if (!snap) return;
  const w = figureWidth();
  const { scene, points } = buildFigure(snap, percentile, theme(), w, FIG_H);
  drawScene(fitCanvas(canvas, w, FIG_H), scene);
  canvas.setAttribute('aria-label', `Cost against average ${percentile} KLoM for ${points.length} method budgets; the table below lists the same numbers.`);
}

// --- table --------------------------------------------------------------------------------
interface Column {
  key: CompareSortKey | null;
  head: () => string;
  cell: (r: CompareRowWire) => string;
  value?: (r: CompareRowWire) => number | string | null;
}

const COLUMNS: Column[] = [
  { key: 'label', head: () => 'Method', cell: (r) => r.label, value: (r) => r.label },
  { key: null, head: () => 'Budget', cell: (r) => (REFERENCE_METHODS.has(r.method) ? '–' : `${fmt(r.epochs)} ep · ${r.steps} steps`) },
  {
    key: 'cost',
    head: () => 'Cost',
    cell: (r) => `${fmt(r.cost)}${r.presupposedRetrainings ? ` (+${r.presupposedRetrainings} retrainings)` : ''}${r.precomputeCost !== null ? ` (+${fmt(r.precomputeCost)} precompute)` : ''}`,
    value: (r) => r.cost,
  },
  { key: 'headline', head: () => `avg ${percentile}`, cell: (r) => fmt(r.headline[percentile]), value: (r) => r.headline[percentile] },
  { key: 'forget', head: () => 'forget p95', cell: (r) => fmt(r.forget.p95), value: (r) => r.forget.p95 },
  { key: 'forget', head: () => 'forget p99', cell: (r) => fmt(r.forget.p99), value: (r) => r.forget.p99 },
  { key: 'retain', head: () => 'retain p95', cell: (r) => fmt(r.retain.p95), value: (r) => r.retain.p95 },
  { key: 'retain', head: () => 'retain p99', cell: (r) => fmt(r.retain.p99), value: (r) => r.retain.p99 },
  { key: 'validation', head: () => 'val p95', cell: (r) => fmt(r.validation.p95), value: (r) => r.validation.p95 },
  { key: 'validation', head: () => 'val p99', cell: (r) => fmt(r.validation.p99), value: (r) => r.validation.p99 },
  { key: 'accForget', head: () => 'acc F', cell: (r) => pct(r.accuracy.forget), value: (r) => r.accuracy.forget },
  { key: 'accRetain', head: () => 'acc R', cell: (r) => pct(r.accuracy.retain), value: (r) => r.accuracy.retain },
  { key: 'accValidation', head: () => 'acc V', cell: (r) => pct(r.accuracy.validation), value: (r) => r.accuracy.validation },
  { key: null, head: () => 'LDS / M', cell: (r) => (r.datamodel ? `${fmt(r.datamodel.lds, 2)} / ${r.datamodel.m}` : '') },
  { key: null, head: () => 'N', cell: (r) => `${r.nUnlearned} / ${r.nOracle}` },
];

/** The value a sort key orders by; split keys follow the chosen percentile. */
function sortValue(r: CompareRowWire, key: CompareSortKey): number | string | null {
  switch (key) {
    case 'label':
      return r.label;
    case 'cost':
      return r.cost;
    case 'headline':
      return r.headline[percentile];
    case 'forget':
    case 'retain':
    case 'validation':
      return r[key][percentile];
    case 'accForget':
      return r.accuracy.forget;
    case 'accRetain':
      return r.accuracy.retain;
    case 'accValidation':
      return r.accuracy.validation;
  }
}

export function sortedRows(rows: CompareRowWire[], key: CompareSortKey, desc: boolean): CompareRowWire[] {
  return [...rows].sort((a, b) => {
    const va = sortValue(a, key);
    const vb = sortValue(b, key);
    // Missing values sort last in either direction.
    if (va === null || vb === null) return va === vb ? 0 : va === null ? 1 : -1;
    const c = typeof va === 'string' || typeof vb === 'string' ? String(va).localeCompare(String(vb)) : va - vb;
    return desc ? -c : c;
  });
}

function renderTable(): void {
  clear(table);
  if (!snap) return;
  const { sortKey, sortDesc } = bridge.state;
  const seen = new Set<CompareSortKey>();
  const headRow = h('tr');
  for (const col of COLUMNS) {
    const th = h('th', { attrs: { scope: 'col' } });
    // A split has two columns (p95, p99): the one matching the chosen percentile carries the button.
    const sortable = col.key !== null && !seen.has(col.key) && (!['forget', 'retain', 'validation'].includes(col.key) || col.head().endsWith(percentile));
    if (sortable && col.key) {
      const key = col.key;
      seen.add(key);
      const active = sortKey === key;
      th.setAttribute('aria-sort', active ? (sortDesc ? 'descending' : 'ascending') : 'none');
      const b = h('button', { class: 'sort', text: `${col.head()}${active ? (sortDesc ? ' ▼' : ' ▲') : ''}`, attrs: { 'data-sort': key } });
      b.addEventListener('click', () => {
        bridge.saveState(active ? { sortDesc: !sortDesc } : { sortKey: key, sortDesc: false });
        renderTable();
        (table.querySelector(`button[data-sort="${key}"]`) as HTMLElement | null)?.focus();
      });
      th.append(b);
    } else th.textContent = col.head();
    headRow.append(th);
  }
  sorted = sortedRows(snap.rows, sortKey, sortDesc);
  table.setAttribute('aria-rowcount', String(sorted.length + 1));
  table.append(h('thead', {}, headRow), tbody);
  renderBody();
}

/**
 * Only the rows in view (and a margin) are in the DOM, between two spacer rows: a table of
 * thousands of rows would otherwise spend seconds in layout. Rows have a fixed height (CSS).
 */
const ROW_H = 24;
const tbody = h('tbody');
let sorted: CompareRowWire[] = [];
let bodyFrame = 0;

function renderBody(): void {
  const top = Math.max(0, tableWrap.scrollTop - (table.tHead?.offsetHeight ?? 0));
  const view = Math.ceil((tableWrap.clientHeight || 600) / ROW_H);
  const first = Math.max(0, Math.floor(top / ROW_H) - 10);
  const last = Math.min(sorted.length, first + view + 20);
  clear(tbody);
  const spacer = (n: number) => {
    const tr = h('tr', { class: 'spacer', attrs: { 'aria-hidden': 'true' } }, h('td', { attrs: { colspan: String(COLUMNS.length) } }));
    tr.style.height = `${n * ROW_H}px`;
    return tr;
  };
  if (first > 0) tbody.append(spacer(first));
  for (let k = first; k < last; k++) tbody.append(rowEl(sorted[k], k));
  if (last < sorted.length) tbody.append(spacer(sorted.length - last));
}

function rowEl(r: CompareRowWire, k: number): HTMLElement {
  const tr = h('tr', { class: `${r.diverged ? 'diverged' : ''} ${REFERENCE_METHODS.has(r.method) ? 'reference' : ''}`.trim(), attrs: { 'data-row': r.id, 'aria-rowindex': String(k + 2) } });
  COLUMNS.forEach((col, i) => {
    const td = h('td', { text: col.cell(r) });
    if (i === 0) {
      if (r.diverged) td.append(h('span', { class: 'diverged-mark', text: ` ⚠ diverged${r.divergedModels ? ` (${r.divergedModels} models)` : ''}` }));
      if (!REFERENCE_METHODS.has(r.method)) {
        const b = h('button', { class: 'link-button per-point', text: ' per-point', title: 'Open the per-point KLoM view of this row' });
        b.addEventListener('click', () => bridge.post({ type: 'openPerPoint', rowId: r.id }));
        td.append(b);
      }
    }
    tr.append(td);
  });
  return tr;
}


function render(): void {
  const has = snap !== null && snap.rows.length > 0;
  figureBox.hidden = !has;
  table.hidden = !has;
  if (!snap) return;
  title.textContent = snap.title;
  provenance.textContent = provenanceText(snap);
  const tp = document.getElementById('table-provenance');
  if (tp) tp.textContent = `${provenanceText(snap)} · KLoM per SPEC §2 (20 bins, eps 1e-5); datamodel rows show LDS / M`;
  renderFigure();
  renderTable();
}

// --- exports ------------------------------------------------------------------------------
function baseName(): string {
  return (snap?.title ?? 'compare').replace(/[^\w.\- ()]+/g, '_').slice(0, 80) || 'compare';
}

function csvField(v: string | number | boolean | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(s: CompareSnapshot): string {
  const head = ['method', 'label', 'epochs', 'steps', 'cost', 'presupposed_retrainings', 'precompute_cost', 'avg_p95', 'avg_p99'];
  for (const sp of ['forget', 'retain', 'validation']) head.push(`${sp}_p95`, `${sp}_p99`, `${sp}_mean`);
  head.push('acc_forget', 'acc_retain', 'acc_validation', 'diverged', 'diverged_models', 'lds', 'm', 'n_unlearned', 'n_oracle', 'backend', 'preset', 'seeds');
  const lines = [head.join(',')];
  for (const r of s.rows) {
    const f: Array<string | number | boolean | null> = [r.method, r.label, r.epochs, r.steps, r.cost, r.presupposedRetrainings, r.precomputeCost, r.headline.p95, r.headline.p99];
    for (const sp of [r.forget, r.retain, r.validation]) f.push(sp.p95, sp.p99, sp.mean);
    f.push(r.accuracy.forget, r.accuracy.retain, r.accuracy.validation, r.diverged, r.divergedModels, r.datamodel?.lds ?? null, r.datamodel?.m ?? null, r.nUnlearned, r.nOracle, s.provenance.backend, s.provenance.preset, s.provenance.seeds);
    lines.push(f.map(csvField).join(','));
  }
  return `${lines.join('\n')}\n`;
}

function exportCsv(): void {
  if (!snap) return;
  if (bridge.post({ type: 'export', format: 'csv', fileName: `${baseName()}.csv`, text: toCsv(snap) })) status.info('exporting CSV…');
}

function exportSvg(): void {
  if (!snap) return;
  const { scene } = buildFigure(snap, percentile, theme(), figureWidth(), FIG_H);
  if (bridge.post({ type: 'export', format: 'svg', fileName: `${baseName()}-${percentile}.svg`, text: sceneToSvg(scene) })) status.info('exporting SVG…');
}

async function exportPng(): Promise<void> {
  if (!snap) return;
  const w = figureWidth();
  const { scene } = buildFigure(snap, percentile, theme(), w, FIG_H);
  // Twice the CSS size, so that the exported figure stays sharp in a paper or slide.
  const off = document.createElement('canvas');
  off.width = w * 2;
  off.height = FIG_H * 2;
  const ctx = off.getContext('2d');
  if (!ctx) return;
  ctx.scale(2, 2);
  drawScene(ctx, scene);
  const blob = await new Promise<Blob | null>((r) => off.toBlob(r, 'image/png'));
  if (!blob) {
    status.error('could not encode the PNG');
    return;
  }
  const bytes = new Uint8Array(await blob.arrayBuffer());
  if (bridge.post({ type: 'export', format: 'png', fileName: `${baseName()}-${percentile}.png`, bytes })) status.info('exporting PNG…');
}

bridge.onMessage((m) => {
  switch (m.type) {
    case 'snapshot':
      snap = m.snapshot;
      empty.textContent = m.snapshot ? (m.snapshot.rows.length ? '' : 'The comparison has no rows.') : (m.message ?? 'No comparison yet.');
      render();
      break;
    case 'exported':
      status.info(m.path ? `exported to ${m.path}` : 'export cancelled');
      break;
    case 'error':
      status.error(m.message);
      break;
  }
});

new ResizeObserver(() => renderFigure()).observe(figureBox);
onThemeChange(() => renderFigure());
render();
bridge.post({ type: 'ready' });

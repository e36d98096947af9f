import '../shared/zod-config';
import '../shared/base.css';
import './style.css';
import '../shared/elements';
import {
  KLOM_SPLITS,
  perPointFromWebview,
  perPointStateSchema,
  perPointToWebview,
  type KlomSplit,
  type PerPointFromWebview,
  type PerPointMethod,
  type PerPointSnapshot,
  type PerPointState,
  type PerPointToWebview,
  type PointDetail,
} from '../../src/protocol/webview/per-point';
import { drawImage, fitCanvas } from '../shared/canvas';
import { clear, h, statusLine } from '../shared/dom';
import { setValue, valueOf } from '../shared/elements';
import { fmt } from '../shared/format';
import { axes, drawScene, Scale, type Prim } from '../shared/scene';
import { onThemeChange, theme, withAlpha } from '../shared/theme';
import { createBridge } from '../shared/vscode';
import { histogram, klomBins, type Histogram } from './bins';

const status = statusLine();
const bridge = createBridge<PerPointToWebview, PerPointFromWebview, PerPointState>({
  toWebview: perPointToWebview,
  fromWebview: perPointFromWebview,
  state: perPointStateSchema,
  onError: (e) => status.error(e),
});

const BINS = 30;
const LIST_LIMIT = 500;
const SPLIT_NAMES: Record<KlomSplit, string> = { forget: 'Forget', retain: 'Retain', validation: 'Validation' };

let snap: PerPointSnapshot | null = null;
let detail: PointDetail | null = null;
let splitPoints: Record<KlomSplit, Int32Array> = { forget: new Int32Array(0), retain: new Int32Array(0), validation: new Int32Array(0) };
let hists: Record<KlomSplit, { a: Histogram; b: Histogram | null }> | null = null;
let hi = 1;

interface Bar {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  method: 'a' | 'b';
  bin: number;
}
const bars: Record<KlomSplit, Bar[]> = { forget: [], retain: [], validation: [] };
const focusBar: Record<KlomSplit, number> = { forget: 0, retain: 0, validation: 0 };

// --- layout -------------------------------------------------------------------------------
const provenance = h('div', { id: 'provenance', class: 'provenance' });
const selA = h('vscode-single-select', { id: 'method-a', attrs: { 'aria-label': 'Method A' } });
const selB = h('vscode-single-select', { id: 'method-b', attrs: { 'aria-label': 'Method B' } });
const legend = h('div', { id: 'legend', class: 'legend' });
const canvases = {} as Record<KlomSplit, HTMLCanvasElement>;
const summaries = {} as Record<KlomSplit, HTMLElement>;
const histBox = h('div', { class: 'hists' });
for (const s of KLOM_SPLITS) {
  const c = h('canvas', { id: `hist-${s}`, attrs: { tabindex: '0', role: 'img', 'aria-label': `${SPLIT_NAMES[s]} split: histogram of per-point KLoM. Arrow keys choose a bar, Enter lists its points.` } });
  canvases[s] = c;
  summaries[s] = h('div', { class: 'muted summary' });
  histBox.append(h('div', { class: 'hist' }, h('h2', { text: SPLIT_NAMES[s] }), c, summaries[s]));
  c.addEventListener('click', (e) => {
    const r = c.getBoundingClientRect();
    const x = e.clientX - r.left;
    const y = e.clientY - r.top;
    const i = bars[s].findIndex((b) => x >= b.x0 && x < b.x1 && y >= b.y0 - 4 && y <= b.y1);
    if (i >= 0) {
      focusBar[s] = i;
      pickBar(s, bars[s][i]);
    }
  });
  c.addEventListener('keydown', (e) => {
    const n = bars[s].length;
    if (n === 0) return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      focusBar[s] = (focusBar[s] + (e.key === 'ArrowRight' ? 1 : -1) + n) % n;
      drawHist(s);
      e.preventDefault();
    } else if (e.key === 'Enter' || e.key === ' ') {
      pickBar(s, bars[s][focusBar[s]]);
      e.preventDefault();
    }
  });
  c.addEventListener('focus', () => drawHist(s));
  c.addEventListener('blur', () => drawHist(s));
}
const listTitle = h('div', { id: 'list-title', class: 'list-title', attrs: { 'aria-live': 'polite' } });
const pointList = h('ul', { id: 'points', class: 'points' });
const detailBox = h('section', { id: 'detail', class: 'detail', attrs: { 'aria-live': 'polite' } });
document.getElementById('app')?.append(
  h('h1', { text: 'Per-point KLoM' }),
  provenance,
  h('div', { class: 'toolbar' }, h('label', { text: 'Method A' }), selA, h('label', { text: 'Method B' }), selB, legend),
  status.el,
  histBox,
  h('div', { class: 'lower' }, h('div', { class: 'list' }, listTitle, pointList), detailBox),
);

function methodById(id: string | null): PerPointMethod | null {
  return snap?.methods.find((m) => m.id === id) ?? null;
}
const methodA = () => methodById(bridge.state.methodA) ?? snap?.methods[0] ?? null;
const methodB = () => (bridge.state.methodB === bridge.state.methodA ? null : methodById(bridge.state.methodB));

for (const [sel, key] of [[selA, 'methodA'], [selB, 'methodB']] as const) {
  sel.addEventListener('change', () => {
    const v = valueOf(sel);
    bridge.saveState({ [key]: v === '' ? null : v, bar: null } as Partial<PerPointState>);
    clear(pointList);
    listTitle.textContent = '';
    computeHists();
    if (bridge.state.point !== null) requestPoint(bridge.state.point);
  });
}

// --- histograms ---------------------------------------------------------------------------
function computeHists(): void {
  const a = methodA();
  if (!snap || !a) return;
  const b = methodB();
  hi = 0;
  for (const m of [a, b]) {
    if (!m) continue;
    for (const s of KLOM_SPLITS) for (const p of splitPoints[s]) if (Number.isFinite(m.klom[p]) && m.klom[p] > hi) hi = m.klom[p];
  }
  hi = hi > 0 ? hi * 1.0001 : 1;
  hists = {} as Record<KlomSplit, { a: Histogram; b: Histogram | null }>;
  for (const s of KLOM_SPLITS) hists[s] = { a: histogram(a.klom, splitPoints[s], 0, hi, BINS), b: b ? histogram(b.klom, splitPoints[s], 0, hi, BINS) : null };
  renderLegend();
  for (const s of KLOM_SPLITS) drawHist(s);
  const bar = bridge.state.bar;
  if (bar) listBar(bar.split, bar.method, bar.bin);
}

function renderLegend(): void {
  clear(legend);
  const t = theme();
  const a = methodA();
  const b = methodB();
  for (const [m, c] of [[a, t.series[0]], [b, t.series[1]]] as const) {
    if (!m) continue;
    const chip = h('span', { class: 'chip' });
    chip.style.background = c;
    legend.append(h('span', { class: 'legend-item' }, chip, `${m.label}${m.diverged ? ' (diverged)' : ''}`));
  }
}

const HIST_H = 190;
function histWidth(): number {
  return Math.max(260, Math.min(420, Math.floor((histBox.clientWidth - 32) / 3)));
}

function drawHist(s: KlomSplit): void {
  if (!hists) return;
  const t = theme();
  const w = histWidth();
  const ctx = fitCanvas(canvases[s], w, HIST_H);
  const { a, b } = hists[s];
  const frac = (hh: Histogram | null, i: number) => (hh && hh.total ? hh.counts[i] / hh.total : 0);
  let yMax = 0;
  for (let i = 0; i < BINS; i++) yMax = Math.max(yMax, frac(a, i), frac(b, i));
  const x = new Scale(0, hi, 44, w - 8);
  const y = new Scale(0, yMax > 0 ? yMax * 1.05 : 1, HIST_H - 36, 8);
  const items: Prim[] = axes({ x, y, xLabel: 'KLoM', yLabel: 'fraction', fg: t.fg, muted: t.muted, grid: t.grid, size: 10 });
  const list: Bar[] = [];
  const sel = bridge.state.bar;
  for (let i = 0; i < BINS; i++) {
    const x0 = x.map(a.edges[i]);
    const x1 = x.map(a.edges[i + 1]);
    const half = b ? (x1 - x0) / 2 : x1 - x0;
    for (const [key, hh, color, off] of [['a', a, t.series[0], 0], ['b', b, t.series[1], half]] as const) {
      if (!hh) continue;
      const v = frac(hh, i);
      const top = y.map(v);
      const bar: Bar = { x0: x0 + off, x1: x0 + off + half, y0: top, y1: y.px0, method: key, bin: i };
      if (hh.counts[i] > 0) {
        items.push({ k: 'rect', x: bar.x0 + 0.5, y: top, w: Math.max(1, half - 1), h: y.px0 - top, fill: withAlpha(color, 0.85) });
        list.push(bar);
      }
      const chosen = sel && sel.split === s && sel.method === key && sel.bin === i;
      if (chosen) items.push({ k: 'rect', x: bar.x0, y: top - 1, w: half, h: y.px0 - top + 1, stroke: t.fg, width: 2 });
    }
  }
  bars[s] = list;
  if (document.activeElement === canvases[s] && list[focusBar[s]]) {
    const f = list[focusBar[s] % list.length];
    items.push({ k: 'rect', x: f.x0 - 1, y: f.y0 - 3, w: f.x1 - f.x0 + 2, h: f.y1 - f.y0 + 3, stroke: t.focus, width: 2 });
  }
  drawScene(ctx, { width: w, height: HIST_H, background: t.bg, font: 'sans-serif', items });
  const med = (hh: Histogram) => `${hh.total} points`;
  summaries[s].textContent = `${med(a)}${b ? ` · ${methodA()?.label ?? ''} vs ${methodB()?.label ?? ''}` : ''}`;
}

function pickBar(s: KlomSplit, bar: Bar): void {
  bridge.saveState({ bar: { split: s, method: bar.method, bin: bar.bin } });
  for (const k of KLOM_SPLITS) drawHist(k);
  listBar(s, bar.method, bar.bin);
}

function label(p: number): string {
  if (!snap) return '';
  const l = snap.labels[p];
  return snap.classNames[l] ?? `class ${l}`;
}

function pointName(p: number): string {
  if (!snap) return String(p);
  return p < snap.nTrain ? `#${p}` : `val #${p - snap.nTrain}`;
}

function listBar(s: KlomSplit, method: 'a' | 'b', bin: number): void {
  if (!hists) return;
  const hh = method === 'a' ? hists[s].a : hists[s].b;
  const m = method === 'a' ? methodA() : methodB();
  if (!hh || !m) return;
  const a = methodA();
  const b = methodB();
  const members = [...(hh.members[bin] ?? [])].sort((p, q) => m.klom[q] - m.klom[p]);
  listTitle.textContent = `${SPLIT_NAMES[s]} · ${m.label} · KLoM ${fmt(hh.edges[bin])}–${fmt(hh.edges[bin + 1])}: ${members.length} points${members.length > LIST_LIMIT ? ` (first ${LIST_LIMIT} shown)` : ''}`;
  clear(pointList);
  for (const p of members.slice(0, LIST_LIMIT)) {
    const text = `${pointName(p)} · ${label(p)} · ${a?.label ?? 'A'} ${fmt(a?.klom[p])}${b ? ` · ${b.label} ${fmt(b.klom[p])}` : ''}`;
    const btn = h('button', { class: 'link-button', text, attrs: { 'data-point': String(p) } });
    btn.addEventListener('click', () => requestPoint(p));
    pointList.append(h('li', {}, btn));
  }
}

// --- one point ----------------------------------------------------------------------------
function requestPoint(p: number): void {
  const ids = [methodA()?.id, methodB()?.id].filter((x): x is string => !!x);
  if (ids.length === 0) return;
  bridge.saveState({ point: p });
  if (bridge.post({ type: 'requestPoint', index: p, methods: ids })) status.info(`loading ${pointName(p)}…`);
}

function renderDetail(d: PointDetail): void {
  detail = d;
  clear(detailBox);
  const t = theme();
  detailBox.append(h('h2', { text: `${pointName(d.index)} · ${d.split} · label ${snap?.classNames[d.label] ?? `class ${d.label}`}` }));
  const row = h('div', { class: 'detail-row' });
  if (d.image) {
    const c = h('canvas', { class: 'point-image', attrs: { role: 'img', 'aria-label': `image of ${pointName(d.index)}` } });
    drawImage(c, d.image.pixels, d.image.shape[0], d.image.shape[1], d.image.shape[2], 112);
    row.append(c);
  }
  const tbl = h('table', { class: 'klom-table' }, h('thead', {}, h('tr', {}, h('th', { text: 'Method' }), h('th', { text: 'KLoM' }))));
  const body = h('tbody');
  for (const k of d.klom) {
    const m = methodById(k.methodId);
    const tr = h('tr', {}, h('td', { text: m?.label ?? k.methodId }), h('td', { text: fmt(k.value) }));
    if (k.methodId === methodA()?.id || k.methodId === methodB()?.id) tr.classList.add('current');
    body.append(tr);
  }
  tbl.append(body);
  row.append(tbl);
  detailBox.append(row);
  const margins = h('div', { class: 'margins' });
  for (const mm of d.margins) {
    const m = methodById(mm.methodId);
    const c = h('canvas', { class: 'margin-hist', attrs: { role: 'img', 'aria-label': `margins of ${m?.label ?? mm.methodId}: unlearned against oracle` } });
    margins.append(h('div', {}, h('div', { class: 'muted', text: `${m?.label ?? mm.methodId}: margins of ${mm.unlearned.length} unlearned (filled) vs ${mm.oracle.length} oracle (outline) models` }), c));
    drawMargins(c, mm.unlearned, mm.oracle, t);
  }
  detailBox.append(margins);
  status.info('');
}

function drawMargins(c: HTMLCanvasElement, u: Float32Array, o: Float32Array, t: ReturnType<typeof theme>): void {
  const w = 360;
  const hh = 170;
  const ctx = fitCanvas(c, w, hh);
  const { edges, p, q } = klomBins(u, o);
  const x = new Scale(edges[0], edges[edges.length - 1], 44, w - 8);
  const y = new Scale(0, Math.max(...p, ...q, 1e-9) * 1.08, hh - 36, 8);
  const items: Prim[] = axes({ x, y, xLabel: 'margin (20 KLoM bins)', yLabel: 'fraction', fg: t.fg, muted: t.muted, grid: t.grid, size: 10 });
  for (let i = 0; i < p.length; i++) {
    const x0 = x.map(edges[i]);
    const x1 = x.map(edges[i + 1]);
    if (p[i] > 0) items.push({ k: 'rect', x: x0 + 0.5, y: y.map(p[i]), w: Math.max(1, x1 - x0 - 1), h: y.px0 - y.map(p[i]), fill: withAlpha(t.series[0], 0.7) });
    if (q[i] > 0) items.push({ k: 'rect', x: x0 + 1, y: y.map(q[i]), w: Math.max(1, x1 - x0 - 2), h: y.px0 - y.map(q[i]), stroke: t.series[2], width: t.highContrast ? 2.5 : 1.5 });
  }
  drawScene(ctx, { width: w, height: hh, background: t.bg, font: 'sans-serif', items });
}

// --- host messages ------------------------------------------------------------------------
function onSnapshot(s: PerPointSnapshot): void {
  snap = s;
  const p = s.provenance;
  provenance.textContent = [`N = ${p.n}`, `backend ${p.backend}`, `seeds: ${p.seeds}`, `preset ${p.preset}`, p.forgetSet ? `forget set ${p.forgetSet}` : '', p.lds !== undefined && p.lds !== null ? `datamodels: LDS ${fmt(p.lds, 2)}, M ${p.m ?? '–'}` : '']
    .filter(Boolean)
    .join(' · ');
  splitPoints = {
    forget: Int32Array.from(s.forget.filter((i) => i < s.nTrain)),
    retain: Int32Array.from(s.retain.filter((i) => i < s.nTrain)),
    validation: Int32Array.from({ length: s.nValidation }, (_, j) => s.nTrain + j),
  };
  for (const sel of [selA, selB]) clear(sel);
  selB.append(h('vscode-option', { text: '(none)', attrs: { value: '' } }));
  for (const m of s.methods) {
    selA.append(h('vscode-option', { text: m.label, attrs: { value: m.id } }));
    selB.append(h('vscode-option', { text: m.label, attrs: { value: m.id } }));
  }
  const st = bridge.state;
  const a = methodById(st.methodA) ?? s.methods[0];
  const b = methodById(st.methodB) ?? (st.methodB === null && st.methodA === null ? s.methods[1] ?? null : null);
  bridge.saveState({ methodA: a.id, methodB: b?.id ?? null });
  requestAnimationFrame(() => {
    setValue(selA, a.id);
    setValue(selB, b?.id ?? '');
  });
  computeHists();
  if (bridge.state.point !== null) requestPoint(bridge.state.point);
}

bridge.onMessage((m) => {
  switch (m.type) {
    case 'snapshot':
      if (m.snapshot) onSnapshot(m.snapshot);
      else status.info(m.message ?? 'No per-point KLoM yet.');
      break;
    case 'point':
      renderDetail(m.detail);
      break;
    case 'error':
      status.error(m.message);
      break;
  }
});

function redrawAll(): void {
  renderLegend();
  for (const s of KLOM_SPLITS) drawHist(s);
  if (detail) renderDetail(detail);
}
onThemeChange(redrawAll);
new ResizeObserver(() => {
  for (const s of KLOM_SPLITS) drawHist(s);
}).observe(histBox);
// Tests click bars by their geometry.
(window as unknown as { __bars?: typeof bars }).__bars = bars;
bridge.post({ type: 'ready' });

import '../shared/zod-config';
import 'uplot/dist/uPlot.min.css';
import '../shared/base.css';
import './style.css';
import '../shared/elements';
import { runFromWebview, runStateSchema, runToWebview, type RunFromWebview, type RunJob, type RunProgress, type RunState, type RunToWebview } from '../../src/protocol/webview/run';
import { clear, h, statusLine } from '../shared/dom';
import { duration } from '../shared/format';
import { onThemeChange, theme } from '../shared/theme';
import { autoSize, themedAxes, uPlot } from '../shared/uplot';
import { createBridge } from '../shared/vscode';

const status = statusLine();
const bridge = createBridge<RunToWebview, RunFromWebview, RunState>({
  toWebview: runToWebview,
  fromWebview: runFromWebview,
  state: runStateSchema,
  onError: (e) => status.error(e),
});

interface Card {
  job: RunJob;
  root: HTMLElement;
  bar: HTMLElement;
  meta: HTMLElement;
  badge: HTMLElement;
  cancel: HTMLElement;
  errorEl: HTMLElement;
  chartBox: HTMLElement;
  plot: uPlot | null;
  resize: ResizeObserver | null;
  plotKey: string;
  dirty: boolean;
}

const cards = new Map<string, Card>();
const list = h('div', { id: 'jobs', class: 'jobs' });
const banner = h('div', { id: 'trust', class: 'banner', text: 'This workspace is restricted: stored runs are shown, but no training starts until you trust it.' });
banner.hidden = true;
const logToggle = h('vscode-checkbox', { id: 'log-scale', attrs: { label: 'Log-scale loss' } });
logToggle.addEventListener('change', () => {
  bridge.saveState({ logScale: !bridge.state.logScale });
  for (const c of cards.values()) rebuildPlot(c);
});
if (bridge.state.logScale) logToggle.setAttribute('checked', '');
const empty = h('div', { id: 'empty', class: 'muted', text: 'No training or unlearning jobs yet.' });
document.getElementById('app')?.append(h('h1', { text: 'Runs' }), banner, h('div', { class: 'toolbar' }, logToggle), status.el, empty, list);

const ACTIVE = new Set(['queued', 'running']);

function makeCard(job: RunJob): Card {
  const badge = h('span', { class: 'badge' });
  const collapsed = bridge.state.collapsed.includes(job.id);
  const toggle = h('button', { class: 'link-button toggle', attrs: { 'aria-expanded': String(!collapsed), 'aria-controls': `body-${job.id}` } });
  const cancel = h('vscode-button', { class: 'cancel', text: 'Cancel', attrs: { icon: 'debug-stop', secondary: '', 'data-job': job.id } });
  cancel.addEventListener('click', () => {
    if (!ACTIVE.has(card.job.state)) return;
    bridge.post({ type: 'cancel', jobId: job.id });
    status.info(`cancelling ${card.job.label}…`);
  });
  const bar = h('div', { class: 'bar-fill' });
  const meta = h('div', { class: 'meta' });
  const errorEl = h('div', { class: 'error-text' });
  const chartBox = h('div', { class: 'chart' });
  const body = h('div', { id: `body-${job.id}`, class: 'card-body' }, h('div', { class: 'bar', attrs: { role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100' } }, bar), meta, errorEl, chartBox);
  body.hidden = collapsed;
  toggle.addEventListener('click', () => {
    body.hidden = !body.hidden;
    toggle.setAttribute('aria-expanded', String(!body.hidden));
    const set = new Set(bridge.state.collapsed);
    if (body.hidden) set.add(job.id);
    else set.delete(job.id);
    bridge.saveState({ collapsed: [...set] });
    if (!body.hidden) rebuildPlot(card);
  });
  const root = h('section', { class: 'job', attrs: { 'data-job': job.id } }, h('div', { class: 'card-head' }, toggle, badge, cancel), body);
  const card: Card = { job, root, bar, meta, badge, cancel, errorEl, chartBox, plot: null, resize: null, plotKey: '', dirty: true };
  toggle.textContent = job.label;
  return card;
}

function renderCard(c: Card): void {
  const j = c.job;
  c.badge.textContent = j.state;
  c.badge.className = `badge state-${j.state}`;
  c.bar.style.width = `${(j.fraction * 100).toFixed(1)}%`;
  c.bar.parentElement?.setAttribute('aria-valuenow', (j.fraction * 100).toFixed(0));
  const models = j.modelsTotal > 0 ? `models ${j.modelsDone} of ${j.modelsTotal}` : '';
  const eta = ACTIVE.has(j.state) ? `ETA ${duration(j.etaSeconds)}` : '';
  c.meta.textContent = [j.phase, models, `${(j.fraction * 100).toFixed(0)}%`, eta, `backend ${j.backend}`].filter(Boolean).join(' · ');
  c.errorEl.textContent = j.error ?? '';
  c.cancel.toggleAttribute('disabled', !ACTIVE.has(j.state));
  c.dirty = true;
  schedulePlots();
}

let plotFrame = 0;
function schedulePlots(): void {
  if (plotFrame) return;
  plotFrame = requestAnimationFrame(() => {
    plotFrame = 0;
    for (const c of cards.values()) if (c.dirty) updatePlot(c);
  });
}

function plotData(c: Card): uPlot.AlignedData {
  const log = bridge.state.logScale;
  const tables = c.job.series.map((s) => [s.x, s.y.map((v) => (v === null || (log && v <= 0) ? null : v))] as uPlot.AlignedData);
  return tables.length === 1 ? tables[0] : uPlot.join(tables);
}

function rebuildPlot(c: Card): void {
  c.plot?.destroy();
  c.resize?.disconnect();
  c.plot = null;
  c.plotKey = '';
  c.dirty = true;
  schedulePlots();
}

function updatePlot(c: Card): void {
  c.dirty = false;
  if (c.chartBox.parentElement?.hidden) return;
  const series = c.job.series.filter((s) => s.x.length > 0);
  if (series.length === 0) return;
  const key = c.job.series.map((s) => s.name).join('\u0000');
  const data = plotData(c);
  if (c.plot && c.plotKey === key) {
    c.plot.setData(data);
    return;
  }
  c.plot?.destroy();
  c.resize?.disconnect();
  const t = theme();
  const opts: uPlot.Options = {
    width: Math.max(200, c.chartBox.clientWidth || 600),
    height: 200,
    scales: { x: { time: false }, y: { distr: bridge.state.logScale ? 3 : 1 } },
    axes: themedAxes('step', 'loss', { y: bridge.state.logScale }),
    series: [{ label: 'step' }, ...c.job.series.map((s, i) => ({ label: s.name, stroke: t.series[i % t.series.length], width: t.highContrast ? 2 : 1.5, spanGaps: true, points: { show: false } }))],
    legend: { live: false },
    cursor: { drag: { x: true, y: false } },
  };
  c.plot = new uPlot(opts, data, c.chartBox);
  c.plotKey = key;
  c.resize = autoSize(c.plot, c.chartBox, 200);
}

function addJob(job: RunJob): void {
  const existing = cards.get(job.id);
  if (existing) {
    existing.job = job;
    renderCard(existing);
    return;
  }
  const c = makeCard(job);
  cards.set(job.id, c);
  list.prepend(c.root);
  empty.hidden = true;
  renderCard(c);
}

function applyProgress(p: RunProgress): void {
  const c = cards.get(p.jobId);
  if (!c) return;
  const j = c.job;
  Object.assign(j, { phase: p.phase, fraction: p.fraction, modelsDone: p.modelsDone, modelsTotal: p.modelsTotal, etaSeconds: p.etaSeconds });
  if (j.state === 'queued') j.state = 'running';
  for (const pt of p.points) {
    let s = j.series.find((x) => x.name === pt.series);
    if (!s) {
      s = { name: pt.series, x: [], y: [] };
      j.series.push(s);
    }
    s.x.push(pt.x);
    s.y.push(pt.y);
  }
  renderCard(c);
}

bridge.onMessage((m) => {
  switch (m.type) {
    case 'snapshot': {
      for (const c of cards.values()) {
        c.plot?.destroy();
        c.resize?.disconnect();
      }
      cards.clear();
      clear(list);
      banner.hidden = m.snapshot.trusted;
      // Newest first: the list prepends, so the oldest goes in first.
      for (const j of [...m.snapshot.jobs].reverse()) addJob(j);
      empty.hidden = cards.size > 0;
      break;
    }
    case 'jobAdded':
      addJob(m.job);
      break;
    case 'progress':
      applyProgress(m.progress);
      break;
    case 'jobState': {
      const c = cards.get(m.jobId);
      if (!c) return;
      c.job.state = m.state;
      c.job.error = m.error;
      if (m.state === 'done') c.job.fraction = 1;
      renderCard(c);
      if (m.state !== 'running') status.info(`${c.job.label}: ${m.state}`);
      break;
    }
    case 'error':
      status.error(m.message);
      break;
  }
});

onThemeChange(() => {
  for (const c of cards.values()) rebuildPlot(c);
});
bridge.post({ type: 'ready' });

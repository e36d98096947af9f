import '../shared/zod-config';
import 'uplot/dist/uPlot.min.css';
import '../shared/base.css';
import './style.css';
import '../shared/elements';
import {
  LINEAR_DEFAULTS,
  linearFormSchema,
  linearFromWebview,
  linearStateSchema,
  linearToWebview,
  type LinearForm,
  type LinearFromWebview,
  type LinearResultWire,
  type LinearState,
  type LinearToWebview,
} from '../../src/protocol/webview/linear';
import { clear, h, statusLine } from '../shared/dom';
import { setValue, valueOf } from '../shared/elements';
import { fmt } from '../shared/format';
import { onThemeChange, theme } from '../shared/theme';
import { autoSize, themedAxes, uPlot } from '../shared/uplot';
import { createBridge } from '../shared/vscode';

const status = statusLine();
const bridge = createBridge<LinearToWebview, LinearFromWebview, LinearState>({
  toWebview: linearToWebview,
  fromWebview: linearFromWebview,
  state: linearStateSchema,
  onError: (e) => status.error(e),
});

let result: LinearResultWire | null = null;
let running = false;
let trusted = true;
let metric: 'param' | 'pred' = bridge.state.metric;
let plot: uPlot | null = null;
let resize: ResizeObserver | null = null;

type FieldKey = keyof LinearForm;
const FIELDS: Array<{ key: FieldKey; label: string; hint: string }> = [
  { key: 'n', label: 'n', hint: 'training points' },
  { key: 'd', label: 'd', hint: 'dimensions' },
  { key: 'k', label: 'k', hint: 'forget-set size' },
  { key: 'nTest', label: 'test points', hint: 'fresh points for the prediction error' },
  { key: 'lambda', label: 'λ', hint: 'ℓ2 weight' },
  { key: 'noise', label: 'noise', hint: 'label noise s.d.' },
  { key: 'lr', label: 'step size', hint: 'empty: 1 / λ_max(XᵀX)' },
  { key: 'steps', label: 'iterations', hint: 'per method' },
  { key: 'ascentWeights', label: 'ascent weights', hint: 'GD+GA, comma-separated' },
  { key: 'seed', label: 'seed', hint: '' },
];

const inputs = new Map<FieldKey, HTMLElement>();
const errors = new Map<FieldKey, HTMLElement>();
const form = h('form', { id: 'settings', class: 'settings', attrs: { novalidate: '' } });
for (const f of FIELDS) {
  const id = `f-${f.key}`;
  const input = h('vscode-textfield', { id, class: 'narrow', attrs: { 'aria-label': `${f.label} (${f.hint || f.label})`, name: f.key } });
  const err = h('div', { class: 'error-text field-error', attrs: { id: `${id}-error` } });
  input.addEventListener('input', () => saveDraft());
  inputs.set(f.key, input);
  errors.set(f.key, err);
  form.append(h('div', { class: 'field' }, h('label', { text: f.label, attrs: { for: id } }), input, h('div', { class: 'muted hint', text: f.hint }), err));
}
const runBtn = h('vscode-button', { id: 'run', text: 'Run study', attrs: { icon: 'play' } });
const cancelBtn = h('vscode-button', { id: 'cancel', text: 'Cancel', attrs: { icon: 'debug-stop', secondary: '', disabled: '' } });
const resetBtn = h('vscode-button', { id: 'reset', text: 'Defaults', attrs: { secondary: '' } });
runBtn.addEventListener('click', () => run());
cancelBtn.addEventListener('click', () => bridge.post({ type: 'cancel' }));
resetBtn.addEventListener('click', () => {
  fillForm(LINEAR_DEFAULTS);
  saveDraft();
});
form.addEventListener('submit', (e) => {
  e.preventDefault();
  run();
});
const metricSel = h('vscode-single-select', { id: 'metric', attrs: { 'aria-label': 'Distance shown' } }, h('vscode-option', { text: 'relative ‖θ_t − θ_r‖', attrs: { value: 'param' } }), h('vscode-option', { text: 'relative test prediction error', attrs: { value: 'pred' } }));
requestAnimationFrame(() => setValue(metricSel, metric));
metricSel.addEventListener('change', () => {
  const v = valueOf(metricSel);
  if (v !== 'param' && v !== 'pred') return;
  metric = v;
  bridge.saveState({ metric: v });
  renderPlot();
});
const banner = h('div', { id: 'trust', class: 'banner', text: 'This workspace is restricted: the stored study is shown, but a new run needs a trusted workspace.' });
banner.hidden = true;
const info = h('div', { id: 'study-info', class: 'provenance' });
const chart = h('div', { id: 'chart', class: 'chart' });
const caption = h('div', { id: 'chart-caption', class: 'muted' });
const methodsList = h('ul', { id: 'methods', class: 'methods' });
document.getElementById('app')?.append(
  h('h1', { text: 'Linear-model study' }),
  h('div', { class: 'muted', text: 'Distance to the retrained optimum θ_r against iterations, log-log (SPEC §7, the seed’s Figure 3).' }),
  banner,
  h('div', { class: 'toolbar' }, h('label', { text: 'Show' }), metricSel),
  info,
  caption,
  chart,
  methodsList,
  h('h2', { text: 'Settings' }),
  form,
  h('div', { class: 'toolbar' }, runBtn, cancelBtn, resetBtn),
  status.el,
);

function fillForm(f: LinearForm): void {
  for (const { key } of FIELDS) {
    const v = f[key];
    setValue(inputs.get(key) as HTMLElement, v === null ? '' : Array.isArray(v) ? v.join(', ') : String(v));
  }
}

function readDraft(): Record<string, string> {
  return Object.fromEntries(FIELDS.map(({ key }) => [key, valueOf(inputs.get(key) as HTMLElement)]));
}

function saveDraft(): void {
  bridge.saveState({ draft: readDraft() });
}

/** The form's text as settings; each field's problem is shown beside it. */
function parseForm(): LinearForm | null {
  const d = readDraft();
  const num = (s: string) => (s.trim() === '' ? Number.NaN : Number(s));
  const raw = {
    n: num(d.n),
    d: num(d.d),
    k: num(d.k),
    nTest: num(d.nTest),
    lambda: num(d.lambda),
    noise: num(d.noise),
    lr: d.lr.trim() === '' ? null : num(d.lr),
    steps: num(d.steps),
    ascentWeights: d.ascentWeights.split(',').filter((x) => x.trim() !== '').map(num),
    seed: num(d.seed),
  };
  for (const e of errors.values()) e.textContent = '';
  for (const i of inputs.values()) i.removeAttribute('invalid');
  const r = linearFormSchema.safeParse(raw);
  if (r.success) return r.data;
  for (const issue of r.error.issues) {
    const key = issue.path[0] as FieldKey;
    const e = errors.get(key);
    if (e && !e.textContent) e.textContent = issue.message;
    inputs.get(key)?.setAttribute('invalid', '');
  }
  return null;
}

function run(): void {
  if (!trusted) {
    status.error('a restricted workspace runs no study');
    return;
  }
  const f = parseForm();
  if (!f) {
    status.error('fix the highlighted settings first');
    return;
  }
  if (bridge.post({ type: 'run', form: f })) setRunning(true, 'starting…');
}

function setRunning(on: boolean, text = ''): void {
  running = on;
  runBtn.toggleAttribute('disabled', on || !trusted);
  cancelBtn.toggleAttribute('disabled', !on);
  status.info(text);
}

function renderInfo(): void {
  if (!result) {
    info.textContent = 'No study yet: edit the settings and run it.';
    return;
  }
  info.textContent = `step size ${fmt(result.lr)} (${result.lrSource === 'auto' ? '1 / λ_max' : 'given'}) · λ_max ${fmt(result.lambdaMax)} · forget set ${result.forget.join(', ')} · ${fmt(result.totalMs / 1000)} s · settings ${result.settingsHash}`;
  clear(methodsList);
  for (const m of result.methods) {
    const last = (metric === 'param' ? m.relParamDist : m.relPredErrTest).filter((v): v is number => v !== null).pop();
    const li = h('li', { text: `${m.name}: ${m.objective} — final ${fmt(last ?? null)}` });
    if (m.diverged) li.append(h('span', { class: 'error-text', text: ` — diverged at step ${m.diverged.step} (${m.diverged.reason})` }));
    methodsList.append(li);
  }
}

function renderPlot(): void {
  renderInfo();
  plot?.destroy();
  resize?.disconnect();
  plot = null;
  if (!result || result.methods.length === 0) return;
  const t = theme();
  // A log axis has no 0: iteration 0 (relative distance 1 by definition) is left out.
  const tables = result.methods.map((m) => {
    const ys = metric === 'param' ? m.relParamDist : m.relPredErrTest;
    const xs: number[] = [];
    const vs: Array<number | null> = [];
    m.steps.forEach((s, i) => {
      if (s <= 0) return;
      xs.push(s);
      const v = ys[i];
      vs.push(v !== null && v > 0 ? v : null);
    });
    return [xs, vs] as uPlot.AlignedData;
  });
  const data = tables.length === 1 ? tables[0] : uPlot.join(tables);
  caption.textContent = `${metric === 'param' ? 'relative parameter distance ‖θ_t − θ_r‖ / ‖θ − θ_r‖' : 'relative test prediction error'} against iteration, both axes logarithmic; click a legend entry to hide a curve`;
  chart.setAttribute('aria-describedby', 'chart-caption');
  const hidden = new Set(bridge.state.hidden);
  const opts: uPlot.Options = {
    width: Math.max(300, chart.clientWidth || 700),
    height: 340,
    scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
    axes: themedAxes('iteration', metric === 'param' ? '‖θ_t − θ_r‖ / ‖θ − θ_r‖' : 'test prediction error / initial', { x: true, y: true }),
    series: [
      { label: 'iteration' },
      ...result.methods.map((m, i) => ({
        label: m.diverged ? `${m.name} (diverged)` : m.name,
        stroke: t.series[i % t.series.length],
        width: t.highContrast ? 2.5 : 1.75,
        dash: m.kind === 'direct' ? [6, 4] : undefined,
        spanGaps: true,
        show: !hidden.has(m.id),
        points: { show: false },
      })),
    ],
    hooks: {
      setSeries: [
        (u: uPlot) => {
          const ids = result?.methods.filter((_, i) => u.series[i + 1] && !u.series[i + 1].show).map((m) => m.id) ?? [];
          bridge.saveState({ hidden: ids });
        },
      ],
    },
  };
  plot = new uPlot(opts, data, chart);
  resize = autoSize(plot, chart, 340);
}

bridge.onMessage((m) => {
  switch (m.type) {
    case 'snapshot': {
      trusted = m.snapshot.trusted;
      banner.hidden = trusted;
      result = m.snapshot.result;
      const draft = bridge.state.draft;
      if (draft) for (const { key } of FIELDS) setValue(inputs.get(key) as HTMLElement, draft[key] ?? '');
      else fillForm(m.snapshot.form);
      setRunning(m.snapshot.running, m.snapshot.running ? 'running…' : '');
      renderPlot();
      break;
    }
    case 'progress':
      if (running) status.info(`running ${m.methodId}: step ${m.step} of ${m.steps}`);
      break;
    case 'result':
      result = m.result;
      setRunning(false, `done in ${fmt(m.result.totalMs / 1000)} s`);
      renderPlot();
      break;
    case 'cancelled':
      setRunning(false, 'cancelled');
      break;
    case 'error':
      if (running) setRunning(false);
      status.error(m.message);
      break;
  }
});

onThemeChange(() => renderPlot());
renderInfo();
bridge.post({ type: 'ready' });

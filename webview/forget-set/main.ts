import '../shared/zod-config';
import '../shared/base.css';
import './style.css';
import '../shared/elements';
import {
  THUMBNAIL_PAGE,
  forgetSetFromWebview,
  forgetSetNameSchema,
  forgetSetStateSchema,
  forgetSetToWebview,
  type ForgetSetFromWebview,
  type ForgetSetSnapshot,
  type ForgetSetState,
  type ForgetSetToWebview,
  type SavedSetInfo,
} from '../../src/protocol/webview/forget-set';
import { clear, h, statusLine } from '../shared/dom';
import { isChecked, setValue, valueOf } from '../shared/elements';
import { onThemeChange } from '../shared/theme';
import { createBridge } from '../shared/vscode';
import { Grid } from './grid';

const status = statusLine();
const bridge = createBridge<ForgetSetToWebview, ForgetSetFromWebview, ForgetSetState>({
  toWebview: forgetSetToWebview,
  fromWebview: forgetSetFromWebview,
  state: forgetSetStateSchema,
  onError: (e) => status.error(e),
});

let snap: ForgetSetSnapshot | null = null;
let selected = new Uint8Array(0);
let selectedCount = 0;
let visibleCount = 0;
let nextRequest = 1;
/** The class filter; kept here because the select's own value settles only after it renders its options. */
let currentClass = -1;
const pending = new Map<number, string>();

/** Parses "12", "100-200", "3, 7, 10-12" into a sorted index list; null when not an index query. */
export function parseIndexQuery(q: string, total: number): number[] | null {
  const s = q.trim();
  if (!s) return null;
  if (!/^[\d\s,-]+$/.test(s)) return null;
  const out = new Set<number>();
  for (const part of s.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+))?\s*$/.exec(part);
    if (!m) continue;
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = Math.min(a, b); i <= Math.min(Math.max(a, b), total - 1); i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

// --- layout -------------------------------------------------------------------------------
const title = h('h1', { text: 'Forget set' });
const provenance = h('div', { class: 'provenance', id: 'dataset-info' });
const classSelect = h('vscode-single-select', { id: 'class-filter', attrs: { 'aria-label': 'Filter by class' } });
const search = h('vscode-textfield', { id: 'search', attrs: { placeholder: 'index or range: 12, 100-200', 'aria-label': 'Filter by index' } });
const addToggle = h('vscode-checkbox', { id: 'add-mode', attrs: { label: 'Add to selection' } });
const kField = h('vscode-textfield', { id: 'k', attrs: { type: 'number', min: '1', 'aria-label': 'k', size: '6' } });
const componentField = h('vscode-textfield', { id: 'component', attrs: { type: 'number', min: '0', value: '0', 'aria-label': 'Principal component', size: '4' } });
const btn = (id: string, text: string, onClick: () => void, icon?: string) => {
  const b = h('vscode-button', { id, text, attrs: icon ? { icon, secondary: '' } : { secondary: '' } });
  b.addEventListener('click', onClick);
  return b;
};
const randomBtn = btn('random', 'Random k', () => requestRandom(), 'debug-restart');
const classBtn = btn('whole-class', 'Whole class', () => requestClass());
const nearestBtn = btn('nearest', 'Nearest neighbours of this point', () => requestNearest());
const pcBtn = btn('principal', 'Top of a datamodel principal component', () => requestPrincipal());
const clearBtn = btn('clear', 'Clear', () => replaceSelection([]), 'clear-all');
const count = h('div', { id: 'count', class: 'count', attrs: { 'aria-live': 'polite' } });
const anchorInfo = h('span', { id: 'anchor', class: 'muted' });
const nameField = h('vscode-textfield', { id: 'set-name', attrs: { placeholder: 'name of the forget set', 'aria-label': 'Forget set name' } });
const saveBtn = h('vscode-button', { id: 'save', text: 'Save forget set', attrs: { icon: 'save' } });
saveBtn.addEventListener('click', () => save());
const savedList = h('div', { id: 'saved-sets', class: 'saved-sets', attrs: { role: 'list' } });

const grid = new Grid({
  needPage: (page) => {
    if (!snap) return;
    const offset = page * THUMBNAIL_PAGE;
    bridge.post({ type: 'requestThumbnails', offset, count: Math.min(THUMBNAIL_PAGE, snap.dataset.total - offset) });
  },
  onPick: (kind, indices, additive) => {
    if (kind === 'toggle' && indices.length === 1) {
      const i = indices[0];
      setOne(i, !selected[i]);
    } else if (kind === 'rect' && !additive) replaceSelection(indices, false);
    else for (const i of indices) setOne(i, true);
    selectionChanged();
  },
  onCursor: (i) => {
    anchorInfo.textContent = i === null || !snap ? '' : `point #${i} (${snap.dataset.classNames[snap.dataset.labels[i]] ?? snap.dataset.labels[i]})`;
  },
  onScroll: (top) => bridge.saveState({ scrollTop: top }),
  describe: (i) => (snap ? `#${i} · ${snap.dataset.classNames[snap.dataset.labels[i]] ?? `class ${snap.dataset.labels[i]}`}${selected[i] ? ' · selected' : ''}` : ''),
});

document.getElementById('app')?.append(
  title,
  provenance,
  h('div', { class: 'toolbar' }, h('label', { text: 'Class' }), classSelect, h('label', { text: 'Search' }), search, addToggle),
  h('div', { class: 'toolbar' }, h('label', { text: 'k' }), kField, randomBtn, classBtn, nearestBtn, h('label', { text: 'component' }), componentField, pcBtn, clearBtn),
  h('div', { class: 'toolbar' }, count, anchorInfo),
  grid.scroller,
  h('div', { class: 'toolbar' }, nameField, saveBtn),
  status.el,
  h('h2', { text: 'Saved forget sets' }),
  savedList,
);

// --- selection ----------------------------------------------------------------------------
function setOne(i: number, on: boolean): void {
  if (i < 0 || i >= selected.length) return;
  if (on && !selected[i]) {
    selected[i] = 1;
    selectedCount++;
  } else if (!on && selected[i]) {
    selected[i] = 0;
    selectedCount--;
  }
}

function replaceSelection(indices: number[], notify = true): void {
  selected.fill(0);
  selectedCount = 0;
  for (const i of indices) setOne(i, true);
  if (notify) selectionChanged();
}

function selectedIndices(): number[] {
  const out: number[] = [];
  for (let i = 0; i < selected.length; i++) if (selected[i]) out.push(i);
  return out;
}

function selectionChanged(): void {
  grid.setSelected(selected);
  renderCount();
  bridge.saveState({ selected: selectedIndices() });
}

function renderCount(): void {
  count.textContent = `${selectedCount} selected · ${visibleCount} of ${snap?.dataset.total ?? 0} shown`;
}

// --- filters ------------------------------------------------------------------------------
function applyFilters(): void {
  if (!snap) return;
  const cls = currentClass;
  const q = parseIndexQuery(valueOf(search), snap.dataset.total);
  const labels = snap.dataset.labels;
  const out: number[] = [];
  const consider = q ?? null;
  if (consider) {
    for (const i of consider) if (cls < 0 || labels[i] === cls) out.push(i);
  } else {
    for (let i = 0; i < snap.dataset.total; i++) if (cls < 0 || labels[i] === cls) out.push(i);
  }
  visibleCount = out.length;
  grid.setVisible(Int32Array.from(out));
  classBtn.toggleAttribute('disabled', cls < 0);
  renderCount();
  bridge.saveState({ classFilter: cls, search: valueOf(search) });
}

classSelect.addEventListener('change', () => {
  const v = Number(valueOf(classSelect));
  currentClass = Number.isInteger(v) ? v : -1;
  applyFilters();
});
search.addEventListener('input', () => applyFilters());
addToggle.addEventListener('change', () => bridge.saveState({ addToSelection: isChecked(addToggle) }));
kField.addEventListener('change', () => {
  const k = Number(valueOf(kField));
  if (Number.isInteger(k) && k > 0) bridge.saveState({ k });
});
nameField.addEventListener('input', () => bridge.saveState({ name: valueOf(nameField) }));

// --- requests to the host -----------------------------------------------------------------
function readK(): number | null {
  const k = Number(valueOf(kField));
  if (!Number.isInteger(k) || k < 1) {
    status.error('k must be a whole number of at least 1');
    return null;
  }
  return k;
}

function send(msg: ForgetSetFromWebview, what: string): void {
  if ('requestId' in msg) pending.set(msg.requestId, what);
  if (bridge.post(msg)) status.info(`${what}…`);
}

function requestRandom(): void {
  const k = readK();
  if (k === null) return;
  const cls = currentClass;
  send({ type: 'requestRandom', requestId: nextRequest++, k, seed: Math.floor(Math.random() * 2 ** 31), classFilter: cls >= 0 ? cls : null }, `random ${k}`);
}

function requestClass(): void {
  const cls = currentClass;
  if (cls < 0) {
    status.error('choose a class in the class filter first');
    return;
  }
  send({ type: 'requestClass', requestId: nextRequest++, class: cls }, `whole class ${snap?.dataset.classNames[cls] ?? cls}`);
}

function requestNearest(): void {
  const anchor = grid.cursorIndex;
  const k = readK();
  if (k === null) return;
  if (anchor === null) {
    status.error('click a point first: its nearest neighbours are selected');
    return;
  }
  send({ type: 'requestNearest', requestId: nextRequest++, anchor, k }, `${k} nearest neighbours of #${anchor}`);
}

function requestPrincipal(): void {
  const k = readK();
  const component = Number(valueOf(componentField) || '0');
  if (k === null) return;
  if (!Number.isInteger(component) || component < 0) {
    status.error('the component is a whole number, 0 for the first');
    return;
  }
  send({ type: 'requestPrincipal', requestId: nextRequest++, component, k, side: 'top' }, `top ${k} of principal component ${component}`);
}

function save(): void {
  const name = forgetSetNameSchema.safeParse(valueOf(nameField));
  if (!name.success) {
    status.error(`name: ${name.error.issues[0]?.message ?? 'invalid'}`);
    nameField.focus();
    return;
  }
  const indices = selectedIndices();
  if (indices.length === 0) {
    status.error('select at least one point to save a forget set');
    return;
  }
  if (bridge.post({ type: 'saveForgetSet', name: name.data, indices })) status.info(`saving ${indices.length} points as “${name.data}”…`);
}

// --- saved sets ---------------------------------------------------------------------------
function renderSaved(sets: SavedSetInfo[]): void {
  clear(savedList);
  if (sets.length === 0) {
    savedList.append(h('div', { class: 'muted', text: 'No saved forget sets yet.' }));
    return;
  }
  for (const s of sets) {
    const shown = bridge.state.shownSet === s.name;
    const b = h('button', {
      class: `link-button${shown ? ' shown' : ''}`,
      text: `${s.name} (${s.size} points, ${s.kind})`,
      attrs: { 'aria-pressed': String(shown), 'data-name': s.name },
      title: shown ? 'Hide this set in the grid' : 'Outline this set’s points in the grid',
    });
    b.addEventListener('click', () => {
      if (bridge.state.shownSet === s.name) {
        bridge.saveState({ shownSet: null });
        grid.setOutlined(null);
        renderSaved(snap?.savedSets ?? []);
      } else bridge.post({ type: 'showSet', name: s.name });
    });
    savedList.append(h('div', { attrs: { role: 'listitem' } }, b));
  }
}

// --- host messages ------------------------------------------------------------------------
function onSnapshot(s: ForgetSetSnapshot): void {
  snap = s;
  const d = s.dataset;
  provenance.textContent = `${d.name} (${d.id}) · ${d.total} training points · ${d.shape[0]}×${d.shape[1]}${d.shape[2] === 3 ? ' RGB' : ' grayscale'} · ${d.classNames.length} classes`;
  clear(classSelect);
  classSelect.append(h('vscode-option', { text: 'All classes', attrs: { value: '-1' } }));
  d.classNames.forEach((n, i) => classSelect.append(h('vscode-option', { text: n, attrs: { value: String(i) } })));
  pcBtn.toggleAttribute('disabled', !s.hasDatamodels);
  pcBtn.title = s.hasDatamodels ? '' : 'Needs datamodels: estimate them first';
  selected = new Uint8Array(d.total);
  selectedCount = 0;
  grid.setData(d.total, d.shape);
  const st = bridge.state;
  for (const i of st.selected) setOne(i, true);
  currentClass = st.classFilter < d.classNames.length ? st.classFilter : -1;
  requestAnimationFrame(() => setValue(classSelect, String(currentClass)));
  setValue(search, st.search);
  applyFilters();
  grid.setSelected(selected);
  grid.scrollTo(st.scrollTop);
  renderSaved(s.savedSets);
  if (st.shownSet) bridge.post({ type: 'showSet', name: st.shownSet });
  status.info('');
}

bridge.onMessage((m) => {
  switch (m.type) {
    case 'snapshot':
      onSnapshot(m.snapshot);
      break;
    case 'thumbnails':
      grid.addPage(m.offset, m.count, m.pixels);
      break;
    case 'selection': {
      const what = pending.get(m.requestId);
      if (!what) return;
      pending.delete(m.requestId);
      const valid = m.indices.filter((i) => i < selected.length);
      if (bridge.state.addToSelection) for (const i of valid) setOne(i, true);
      else replaceSelection(valid, false);
      selectionChanged();
      if (valid.length) grid.scrollToIndex(valid[0]);
      status.info(m.description || `${what}: ${valid.length} points`);
      break;
    }
    case 'savedSets':
      if (snap) snap.savedSets = m.sets;
      renderSaved(m.sets);
      break;
    case 'setContents': {
      const mask = new Uint8Array(selected.length);
      for (const i of m.indices) if (i < mask.length) mask[i] = 1;
      bridge.saveState({ shownSet: m.name });
      grid.setOutlined(mask);
      renderSaved(snap?.savedSets ?? []);
      status.info(`“${m.name}” has ${m.indices.length} points, outlined in the grid`);
      break;
    }
    case 'saved':
      status.info(`saved “${m.name}” to ${m.path}`);
      break;
    case 'error':
      status.error(m.message);
      break;
  }
});

setValue(kField, String(bridge.state.k));
setValue(nameField, bridge.state.name);
if (bridge.state.addToSelection) addToggle.setAttribute('checked', '');
renderCount();
onThemeChange(() => grid.schedule());
// Tests draw synchronously instead of waiting for animation frames.
(window as unknown as { __grid?: Grid }).__grid = grid;
bridge.post({ type: 'ready' });

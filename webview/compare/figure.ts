/**
 * The seed's Figure 2 as a scene: cost (fraction of retraining, log axis) against the average over
 * the three splits of the chosen KLoM percentile, one series per method across its budgets, with
 * "do nothing" and "oracle noise floor" as horizontal reference lines and the provenance printed
 * under the plot so that an exported figure carries it too.
 */
import type { CompareRowWire, CompareSnapshot } from '../../src/protocol/webview/compare';
import { axes, Scale, type Prim, type Scene } from '../shared/scene';
import type { Theme } from '../shared/theme';
import { fmt } from '../shared/format';

export const REFERENCE_METHODS = new Set(['do-nothing', 'noise-floor']);

export interface FigurePoint {
  row: CompareRowWire;
  x: number;
  y: number;
  /** Cost 0 (no training, DM-Direct) cannot sit on a log axis: drawn at its left edge. */
  atEdge: boolean;
}

export function headline(row: CompareRowWire, p: 'p95' | 'p99'): number | null {
  return row.headline[p];
}

export function provenanceText(s: CompareSnapshot): string {
  const p = s.provenance;
  const parts = [`N = ${p.n}`, `backend ${p.backend}`, `seeds: ${p.seeds}`, `preset ${p.preset}`];
  if (p.forgetSet) parts.push(`forget set ${p.forgetSet}${p.forgetSize !== undefined ? ` (${p.forgetSize} points)` : ''}`);
  if (p.lds !== undefined && p.lds !== null) parts.push(`datamodels: LDS ${fmt(p.lds, 2)}, M ${p.m ?? '–'}`);
  return parts.join(' · ');
}

export function methodGroups(rows: CompareRowWire[]): Map<string, CompareRowWire[]> {
  const groups = new Map<string, CompareRowWire[]>();
  for (const r of rows) {
    if (REFERENCE_METHODS.has(r.method)) continue;
    const g = groups.get(r.method) ?? [];
    g.push(r);
    groups.set(r.method, g);
  }
  return groups;
}

/** A method's name without its budget, for the legend ("OM (10 ep)" → "OM"). */
function methodName(rows: CompareRowWire[]): string {
  const label = rows[0]?.label ?? '';
  return label.replace(/\s*[([@].*$/, '') || rows[0]?.method || '';
}

export function buildFigure(s: CompareSnapshot, p: 'p95' | 'p99', t: Theme, width: number, height: number): { scene: Scene; points: FigurePoint[] } {
  const size = 11;
  const legendW = 170;
  const margin = { left: 56, right: legendW + 16, top: 28, bottom: 62 };
  const groups = methodGroups(s.rows);
  const refs = s.rows.filter((r) => REFERENCE_METHODS.has(r.method));
  const plotted = [...groups.values()].flat().filter((r) => headline(r, p) !== null);
  const costs = plotted.map((r) => r.cost).filter((c) => c > 0);
  const cMin = costs.length ? Math.min(...costs) : 0.01;
  const cMax = costs.length ? Math.max(...costs) : 1;
  const xMin = 10 ** Math.floor(Math.log10(cMin / 1.5));
  const xMax = 10 ** Math.ceil(Math.log10(cMax * 1.5));
  const ys = [...plotted, ...refs].map((r) => headline(r, p)).filter((v): v is number => v !== null);
  const yMax = ys.length ? Math.max(...ys) * 1.12 || 1 : 1;
  const x = new Scale(xMin, xMax, margin.left, width - margin.right, true);
  const y = new Scale(0, yMax, height - margin.bottom, margin.top);
  const items: Prim[] = axes({ x, y, xLabel: 'cost (fraction of retraining one model, log scale)', yLabel: `average ${p} KLoM (forget, retain, validation)`, fg: t.fg, muted: t.muted, grid: t.grid, size });
  items.push({ k: 'text', x: margin.left, y: 16, text: s.title, fill: t.fg, size: size + 2, bold: true });
  const points: FigurePoint[] = [];
  const legend: Array<{ text: string; color: string; dash?: number[]; marker: boolean }> = [];
  const lw = t.highContrast ? 2.5 : 1.5;

  refs.forEach((r, i) => {
    const v = headline(r, p);
    if (v === null) return;
    const color = r.method === 'do-nothing' ? t.series[4] : t.muted;
    const dash = r.method === 'do-nothing' ? [6, 4] : [2, 3];
    const py = y.map(v);
    items.push({ k: 'path', pts: [[x.px0, py], [x.px1, py]], stroke: color, width: lw, dash });
    items.push({ k: 'text', x: x.px1 - 4, y: py - 4 - i * 0, text: `${r.label} ${fmt(v)}`, fill: color, size: size - 1, anchor: 'end' });
    legend.push({ text: r.label, color, dash, marker: false });
  });

  let colour = 0;
  for (const [, rows] of groups) {
    const color = t.series[colour++ % t.series.length];
    const pts = rows
      .map((r) => ({ r, v: headline(r, p) }))
      .filter((q): q is { r: CompareRowWire; v: number } => q.v !== null)
      .sort((a, b) => a.r.cost - b.r.cost)
      .map(({ r, v }) => ({ row: r, x: x.map(r.cost > 0 ? r.cost : xMin), y: y.map(v), atEdge: !(r.cost > 0) }));
    if (pts.length > 1) items.push({ k: 'path', pts: pts.map((q) => [q.x, q.y]), stroke: color, width: lw });
    for (const q of pts) {
      if (q.row.diverged) {
        const d = 5;
        items.push({ k: 'path', pts: [[q.x - d, q.y - d], [q.x + d, q.y + d]], stroke: t.series[4], width: 2 });
        items.push({ k: 'path', pts: [[q.x - d, q.y + d], [q.x + d, q.y - d]], stroke: t.series[4], width: 2 });
      } else items.push({ k: 'circle', x: q.x, y: q.y, r: 4, fill: q.atEdge ? t.bg : color, stroke: color });
      points.push(q);
    }
    legend.push({ text: methodName(rows), color, marker: true });
  }

  const lx = width - legendW;
  legend.forEach((l, i) => {
    const ly = margin.top + 8 + i * 18;
    if (l.marker) items.push({ k: 'circle', x: lx + 10, y: ly, r: 4, fill: l.color });
    else items.push({ k: 'path', pts: [[lx, ly], [lx + 20, ly]], stroke: l.color, width: lw, dash: l.dash });
    items.push({ k: 'text', x: lx + 26, y: ly, text: l.text, fill: t.fg, size, baseline: 'middle' });
  });
  const notes: string[] = [];
  if (points.some((q) => q.row.diverged)) notes.push('× diverged');
  if (points.some((q) => q.atEdge)) notes.push('○ cost 0 (no training),', '   drawn at the left edge');
  notes.forEach((n, i) => items.push({ k: 'text', x: lx, y: margin.top + 14 + (legend.length + i) * 18, text: n, fill: t.muted, size: size - 1 }));
  items.push({ k: 'text', x: margin.left, y: height - 10, text: provenanceText(s), fill: t.muted, size: size - 1 });
  return { scene: { width, height, background: t.bg, font: 'sans-serif', items }, points };
}

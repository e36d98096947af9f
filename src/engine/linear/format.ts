/**
 * Outputs of the linear study for people and panels: a compact table, sparklines, long-format CSV
 * and a self-contained SVG plot (log–log, the way the seed's Figure 3 is read).
 */
import type { LinearMethodCurve, LinearStudyResult } from './study';

const sci = (v: number, digits = 2): string => (Number.isFinite(v) ? v.toExponential(digits) : String(v));

/** 0, the powers of ten up to the last step, and the last step. */
export function tableSteps(steps: number): number[] {
  const out = new Set<number>([0]);
  for (let t = 1; t <= steps; t *= 10) out.add(t);
  out.add(steps);
  return [...out].sort((a, b) => a - b).filter((t) => t !== 1 || steps < 10);
}

function valueAt(m: LinearMethodCurve, series: number[], step: number): string {
  const i = m.steps.indexOf(step);
  if (i >= 0) return sci(series[i]);
  if (m.diverged && step > m.diverged.step) return '';
  // A step between recorded ones never happens for the table's steps, but say so rather than guess.
  return '?';
}

function block(r: LinearStudyResult, title: string, pick: (m: LinearMethodCurve) => number[]): string[] {
  const steps = tableSteps(r.settings.steps);
  const nameW = Math.max(8, ...r.methods.map((m) => m.name.length)) + 2;
  const colW = 11;
  const lines = [title, 'method'.padEnd(nameW) + steps.map((t) => `t=${t}`.padEnd(colW)).join('') + 'diverged'];
  for (const m of r.methods) {
    const series = pick(m);
    const cells = steps.map((t) => valueAt(m, series, t).padEnd(colW)).join('');
    const div = m.diverged ? `at t=${m.diverged.step} (${m.diverged.reason})` : '-';
    lines.push(m.name.padEnd(nameW) + cells + div);
  }
  return lines;
}

export function formatHeader(r: LinearStudyResult): string[] {
  const s = r.settings;
  const lrText = r.lrSource === 'auto' ? `1/λ_max(XᵀX), λ_max = ${r.lambdaMax.toPrecision(6)}` : 'given';
  return [
    `Linear-model study: n=${s.n} d=${s.d} k=${s.k} λ=${s.lambda} noise=${s.noise} seed=${s.seed} steps=${s.steps} (${r.solver} solver)`,
    `lr = ${r.lr.toPrecision(6)} (${lrText}) for every method; forget = [${r.forget.join(', ')}]`,
    `‖θ − θ_r‖ = ${sci(r.initial.paramDist, 3)} (‖θ_r‖ = ${sci(r.norms.thetaR, 3)}); RMS prediction gap to θ_r: F ${sci(r.initial.predErrF, 3)}, R ${sci(r.initial.predErrR, 3)}, test ${sci(r.initial.predErrTest, 3)}`,
  ];
}

export function formatTable(r: LinearStudyResult): string {
  return [
    ...formatHeader(r),
    '',
    ...block(r, '‖θ_t − θ_r‖ / ‖θ − θ_r‖', (m) => m.relParamDist),
    '',
    ...block(r, 'test prediction error against θ_r, relative to θ’s', (m) => m.relPredErrTest),
  ].join('\n') + '\n';
}

const SPARK = '▁▂▃▄▅▆▇█';

/** One line per method: log10 of the relative parameter distance over the recorded steps. */
export function formatSparklines(r: LinearStudyResult, width = 48): string {
  const all = r.methods.flatMap((m) => m.relParamDist).filter((v) => v > 0 && Number.isFinite(v));
  const lo = Math.log10(Math.max(Math.min(...all), 1e-16));
  const hi = Math.log10(Math.max(...all, 1));
  const nameW = Math.max(...r.methods.map((m) => m.name.length)) + 2;
  const lines = [`log10 ‖θ_t − θ_r‖/‖θ − θ_r‖ over the recorded steps (▁ = ${lo.toFixed(0)}, █ = ${hi.toFixed(0)})`];
  for (const m of r.methods) {
    const n = m.relParamDist.length;
    let line = '';
    const cells = Math.min(width, n);
    for (let c = 0; c < cells; c++) {
      const v = m.relParamDist[Math.min(n - 1, Math.round((c * (n - 1)) / Math.max(cells - 1, 1)))];
      const f = hi > lo ? (Math.log10(Math.max(v, 1e-300)) - lo) / (hi - lo) : 0;
      line += SPARK[Math.max(0, Math.min(SPARK.length - 1, Math.round(f * (SPARK.length - 1))))];
    }
    const last = `${sci(m.relParamDist[n - 1])} at t=${m.steps[n - 1]}`;
    lines.push(`${m.name.padEnd(nameW)}${line}  ${last}${m.diverged ? ' (diverged)' : ''}`);
  }
  return lines.join('\n') + '\n';
}

const CSV_COLUMNS = ['paramDist', 'relParamDist', 'predErrF', 'predErrR', 'predErrTest', 'relPredErrTest'] as const;

/** Long format, one row per method and recorded step; a direct method's loss column is empty. */
export function formatCsv(r: LinearStudyResult): string {
  const rows = [['method', 'name', 'step', ...CSV_COLUMNS, 'loss', 'diverged_step'].join(',')];
  for (const m of r.methods) {
    for (let i = 0; i < m.steps.length; i++) {
      rows.push(
        [
          m.id,
          `"${m.name.replace(/"/g, '""')}"`,
          m.steps[i],
          ...CSV_COLUMNS.map((c) => m[c][i]),
          m.loss ? m.loss[i] : '',
          m.diverged ? m.diverged.step : '',
        ].join(','),
      );
    }
  }
  return rows.join('\n') + '\n';
}

const COLORS = ['#1f77b4', '#7f7f7f', '#ff7f0e', '#d62728', '#9467bd', '#2ca02c', '#17becf', '#8c564b', '#e377c2', '#bcbd22'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * OM on R and GD on R both sit near 1 for the whole run; OM on R is drawn wide and pale first, so
 * the other shows on top of it and both stay visible.
 */
function lineStyle(m: LinearMethodCurve): string {
  if (m.id === 'om-r') return ' stroke-width="6" stroke-opacity="0.45"';
  if (m.kind === 'direct') return ' stroke-width="2" stroke-dasharray="6 4"';
  return ' stroke-width="2"';
}

interface Panel {
  title: string;
  pick: (m: LinearMethodCurve) => number[];
}

/**
 * Two log–log panels (relative parameter distance, relative test prediction error). Iteration 0
 * has no place on a log axis; every curve starts at 1 there anyway. A diverged curve runs off the
 * top and ends in a cross labelled with its step.
 */
export function formatSvg(r: LinearStudyResult): string {
  const panels: Panel[] = [
    { title: '‖θ_t − θ_r‖ / ‖θ − θ_r‖', pick: (m) => m.relParamDist },
    { title: 'test prediction error vs θ_r (relative)', pick: (m) => m.relPredErrTest },
  ];
  const W = 1000;
  const H = 450;
  const pw = 400;
  const ph = 300;
  const top = 60;
  const lefts = [70, 560];
  const tMax = Math.max(r.settings.steps, 10);
  const xDecades = Math.ceil(Math.log10(tMax));
  const values = r.methods.flatMap((m) => panels.flatMap((p) => p.pick(m))).filter((v) => v > 0 && Number.isFinite(v));
  const yLo = Math.max(-16, Math.floor(Math.log10(Math.min(...values, 1))));
  const yHi = 1;
  const x = (t: number): number => (Math.log10(t) / xDecades) * pw;
  const y = (v: number): number => {
    const l = Math.log10(Math.max(v, 10 ** yLo));
    return ((yHi - Math.min(l, yHi)) / (yHi - yLo)) * ph;
  };
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
  ];
  const s = r.settings;
  out.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${esc(`Linear study: n=${s.n}, d=${s.d}, k=${s.k}, λ=${s.lambda}, lr=${r.lr.toPrecision(4)}, seed=${s.seed}`)}</text>`);
  const yStep = yHi - yLo > 10 ? 2 : 1;
  panels.forEach((p, pi) => {
    const left = lefts[pi];
    out.push(`<g transform="translate(${left},${top})">`);
    out.push(`<text x="${pw / 2}" y="-14" text-anchor="middle">${esc(p.title)}</text>`);
    for (let e = yLo; e <= yHi; e += yStep) {
      const yy = y(10 ** e).toFixed(1);
      out.push(`<line x1="0" x2="${pw}" y1="${yy}" y2="${yy}" stroke="#e5e5e5"/>`);
      out.push(`<text x="-6" y="${yy}" text-anchor="end" dominant-baseline="middle">1e${e}</text>`);
    }
    for (let e = 0; e <= xDecades; e++) {
      const xx = x(10 ** e).toFixed(1);
      out.push(`<line x1="${xx}" x2="${xx}" y1="0" y2="${ph}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${xx}" y="${ph + 16}" text-anchor="middle">${e === 0 ? '1' : `1e${e}`}</text>`);
    }
    out.push(`<rect x="0" y="0" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
    out.push(`<text x="${pw / 2}" y="${ph + 34}" text-anchor="middle">iteration t</text>`);
    r.methods.forEach((m, mi) => {
      const series = p.pick(m);
      const pts: string[] = [];
      m.steps.forEach((t, i) => {
        if (t >= 1) pts.push(`${x(t).toFixed(1)},${y(series[i]).toFixed(1)}`);
      });
      const color = COLORS[mi % COLORS.length];
      if (pts.length) out.push(`<polyline fill="none" stroke="${color}"${lineStyle(m)} points="${pts.join(' ')}"/>`);
      if (m.diverged) {
        const xx = x(Math.max(m.diverged.step, 1));
        const yy = y(series[series.length - 1] ?? 10 ** yHi);
        out.push(`<path d="M${(xx - 5).toFixed(1)},${(yy - 5).toFixed(1)} l10,10 m0,-10 l-10,10" stroke="${color}" stroke-width="2"/>`);
        out.push(`<text x="${(xx + 7).toFixed(1)}" y="${(yy + 14 + 12 * (mi % 2)).toFixed(1)}" fill="${color}">${esc(`diverged t=${m.diverged.step}`)}</text>`);
      }
    });
    out.push('</g>');
  });
  const legendY = top + ph + 52;
  const perRow = 4;
  r.methods.forEach((m, mi) => {
    const lx = 70 + (mi % perRow) * 230;
    const ly = legendY + Math.floor(mi / perRow) * 18;
    const color = COLORS[mi % COLORS.length];
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly}" y2="${ly}" stroke="${color}"${lineStyle(m)}/>`);
    out.push(`<text x="${lx + 30}" y="${ly}" dominant-baseline="middle">${esc(m.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** Plain-text tables for the terminal: left-aligned text, right-aligned numbers. */
export function formatTable(header: string[], rows: Array<Array<string | number>>): string {
  const cells = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const numeric = header.map((_, j) => rows.length > 0 && rows.every((r) => typeof r[j] === 'number'));
  const widths = header.map((h, j) => Math.max(h.length, ...cells.map((r) => r[j].length)));
  const line = (r: string[]) => r.map((c, j) => (numeric[j] ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return x.toFixed(a < 1 ? 4 : a < 100 ? 3 : 1);
}

export function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** uPlot with the VS Code theme: axis, grid and tick colours from the theme variables. */
import uPlot from 'uplot';
import { theme } from './theme';

export { uPlot };

const isPow10 = (v: number) => v > 0 && Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-9;

function pow10Label(v: number): string {
  const e = Math.round(Math.log10(v));
  return e >= -3 && e <= 4 ? String(Number((10 ** e).toPrecision(1))) : `1e${e}`;
}

/**
 * Log axes label and grid only the powers of ten: uPlot's default puts a line at every minor
 * tick (a dense comb over eight decades) and prints tiny values as 0.
 */
export function themedAxes(xLabel: string, yLabel: string, log: { x?: boolean; y?: boolean } = {}): uPlot.Axis[] {
  const t = theme();
  const onlyPow10 = (_u: uPlot, splits: number[]) => splits.map((v) => (isPow10(v) ? v : null));
  const axis = (label: string, isLog: boolean, isY: boolean): uPlot.Axis => ({
    label,
    stroke: t.fg,
    font: t.font,
    labelFont: t.font,
    size: isY ? 64 : 50,
    grid: { stroke: t.grid, width: 1, ...(isLog ? { filter: onlyPow10 } : {}) },
    ticks: { stroke: t.grid, width: 1, ...(isLog ? { filter: onlyPow10 } : {}) },
    ...(isLog ? { values: (_u: uPlot, splits: number[]) => splits.map((v) => (isPow10(v) ? pow10Label(v) : '')) } : {}),
  });
  return [axis(xLabel, log.x ?? false, false), axis(yLabel, log.y ?? false, true)];
}

/** Redraws on resize of the container; uPlot itself never resizes. */
export function autoSize(u: uPlot, container: HTMLElement, height: number): ResizeObserver {
  const ro = new ResizeObserver(() => {
    const w = Math.max(200, Math.floor(container.clientWidth));
    if (w !== u.width || height !== u.height) u.setSize({ width: w, height });
  });
  ro.observe(container);
  return ro;
}

/**
 * Theme colours for canvas drawing. Canvas cannot use CSS variables directly, so they are read
 * from the computed style when drawing, and panels redraw when VS Code switches the theme (it
 * rewrites the body class and the variables on <html>).
 */
export function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export interface Theme {
  fg: string;
  muted: string;
  bg: string;
  grid: string;
  focus: string;
  selection: string;
  highContrast: boolean;
  series: string[];
  font: string;
}

export function theme(): Theme {
  const highContrast = document.body.classList.contains('vscode-high-contrast') || document.body.classList.contains('vscode-high-contrast-light');
  return {
    fg: cssVar('--vscode-editor-foreground', cssVar('--vscode-foreground', '#cccccc')),
    muted: cssVar('--vscode-descriptionForeground', '#9d9d9d'),
    bg: cssVar('--vscode-editor-background', '#1e1e1e'),
    grid: cssVar('--vscode-charts-lines', 'rgba(128,128,128,0.35)'),
    focus: cssVar('--vscode-focusBorder', '#007fd4'),
    selection: cssVar('--vscode-charts-orange', '#d18616'),
    highContrast,
    series: [
      cssVar('--vscode-charts-blue', '#3794ff'),
      cssVar('--vscode-charts-orange', '#d18616'),
      cssVar('--vscode-charts-green', '#89d185'),
      cssVar('--vscode-charts-purple', '#b180d7'),
      cssVar('--vscode-charts-red', '#f14c4c'),
      cssVar('--vscode-charts-yellow', '#cca700'),
      cssVar('--vscode-terminal-ansiCyan', '#29b8db'),
      cssVar('--vscode-terminal-ansiMagenta', '#bc3fbc'),
      cssVar('--vscode-charts-foreground', '#cccccc'),
    ],
    font: `${cssVar('--vscode-font-size', '13px')} ${cssVar('--vscode-font-family', 'sans-serif')}`,
  };
}

export function onThemeChange(redraw: () => void): void {
  const obs = new MutationObserver(() => redraw());
  obs.observe(document.body, { attributes: true, attributeFilter: ['class'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
}

/** Colours with alpha for fills, from any CSS colour a theme gives (hex, rgb(), named). */
export function withAlpha(color: string, alpha: number): string {
  const ctx = scratch();
  ctx.fillStyle = '#000';
  ctx.fillStyle = color;
  const c = ctx.fillStyle;
  if (c.startsWith('#') && c.length === 7) {
    const n = Number.parseInt(c.slice(1), 16);
    return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
  }
  const m = /rgba?\(([^)]+)\)/.exec(c);
  if (m) {
    const [r, g, b] = m[1].split(',').map((x) => x.trim());
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return c;
}

let scratchCtx: CanvasRenderingContext2D | null = null;
function scratch(): CanvasRenderingContext2D {
  if (!scratchCtx) {
    const ctx = document.createElement('canvas').getContext('2d');
    if (!ctx) throw new Error('no 2D canvas');
    scratchCtx = ctx;
  }
  return scratchCtx;
}

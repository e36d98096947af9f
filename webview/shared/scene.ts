/**
 * A tiny retained drawing model for static figures. One list of primitives is painted on a canvas
 * for the panel and serialised to SVG for export, so the exported figure is the figure on screen,
 * axes, legend and provenance included.
 */
export type Prim =
  | { k: 'path'; pts: Array<[number, number]>; stroke: string; width: number; dash?: number[]; fill?: string }
  | { k: 'circle'; x: number; y: number; r: number; fill: string; stroke?: string }
  | { k: 'rect'; x: number; y: number; w: number; h: number; fill?: string; stroke?: string; width?: number }
  | { k: 'text'; x: number; y: number; text: string; fill: string; size: number; anchor?: 'start' | 'middle' | 'end'; baseline?: 'middle' | 'alphabetic' | 'top'; rotate?: boolean; bold?: boolean };

export interface Scene {
  width: number;
  height: number;
  background: string;
  font: string;
  items: Prim[];
}

export function drawScene(ctx: CanvasRenderingContext2D, s: Scene): void {
  ctx.save();
  ctx.fillStyle = s.background;
  ctx.fillRect(0, 0, s.width, s.height);
  for (const p of s.items) {
    switch (p.k) {
      case 'path': {
        if (p.pts.length === 0) break;
        ctx.beginPath();
        ctx.moveTo(p.pts[0][0], p.pts[0][1]);
        for (let i = 1; i < p.pts.length; i++) ctx.lineTo(p.pts[i][0], p.pts[i][1]);
        if (p.fill) {
          ctx.fillStyle = p.fill;
          ctx.fill();
        }
        ctx.setLineDash(p.dash ?? []);
        ctx.strokeStyle = p.stroke;
        ctx.lineWidth = p.width;
        ctx.stroke();
        ctx.setLineDash([]);
        break;
      }
      case 'circle':
        ctx.beginPath();
        ctx.arc(p.x, p.y, p.r, 0, Math.PI * 2);
        ctx.fillStyle = p.fill;
        ctx.fill();
        if (p.stroke) {
          ctx.strokeStyle = p.stroke;
          ctx.lineWidth = 1;
          ctx.stroke();
        }
        break;
      case 'rect':
        if (p.fill) {
          ctx.fillStyle = p.fill;
          ctx.fillRect(p.x, p.y, p.w, p.h);
        }
        if (p.stroke) {
          ctx.strokeStyle = p.stroke;
          ctx.lineWidth = p.width ?? 1;
          ctx.strokeRect(p.x, p.y, p.w, p.h);
        }
        break;
      case 'text':
        ctx.save();
        ctx.fillStyle = p.fill;
        ctx.font = `${p.bold ? 'bold ' : ''}${p.size}px ${s.font}`;
        ctx.textAlign = p.anchor === 'middle' ? 'center' : p.anchor === 'end' ? 'right' : 'left';
        ctx.textBaseline = p.baseline ?? 'alphabetic';
        ctx.translate(p.x, p.y);
        if (p.rotate) ctx.rotate(-Math.PI / 2);
        ctx.fillText(p.text, 0, 0);
        ctx.restore();
        break;
    }
  }
  ctx.restore();
}

export function xmlEscape(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

const n = (v: number) => (Math.round(v * 100) / 100).toString();

export function sceneToSvg(s: Scene): string {
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(s.width)}" height="${n(s.height)}" viewBox="0 0 ${n(s.width)} ${n(s.height)}" font-family="${xmlEscape(s.font)}">`,
    `<rect x="0" y="0" width="${n(s.width)}" height="${n(s.height)}" fill="${xmlEscape(s.background)}"/>`,
  ];
  for (const p of s.items) {
    switch (p.k) {
      case 'path':
        if (p.pts.length === 0) break;
        out.push(
          `<path d="${p.pts.map(([x, y], i) => `${i ? 'L' : 'M'}${n(x)} ${n(y)}`).join(' ')}" fill="${p.fill ? xmlEscape(p.fill) : 'none'}" stroke="${xmlEscape(p.stroke)}" stroke-width="${n(p.width)}"${p.dash?.length ? ` stroke-dasharray="${p.dash.join(' ')}"` : ''}/>`,
        );
        break;
      case 'circle':
        out.push(`<circle cx="${n(p.x)}" cy="${n(p.y)}" r="${n(p.r)}" fill="${xmlEscape(p.fill)}"${p.stroke ? ` stroke="${xmlEscape(p.stroke)}"` : ''}/>`);
        break;
      case 'rect':
        out.push(`<rect x="${n(p.x)}" y="${n(p.y)}" width="${n(p.w)}" height="${n(p.h)}" fill="${p.fill ? xmlEscape(p.fill) : 'none'}"${p.stroke ? ` stroke="${xmlEscape(p.stroke)}" stroke-width="${n(p.width ?? 1)}"` : ''}/>`);
        break;
      case 'text': {
        const anchor = p.anchor ?? 'start';
        const baseline = p.baseline === 'middle' ? 'central' : p.baseline === 'top' ? 'hanging' : 'alphabetic';
        const rot = p.rotate ? ` transform="rotate(-90 ${n(p.x)} ${n(p.y)})"` : '';
        out.push(`<text x="${n(p.x)}" y="${n(p.y)}" font-size="${n(p.size)}" fill="${xmlEscape(p.fill)}" text-anchor="${anchor}" dominant-baseline="${baseline}"${p.bold ? ' font-weight="bold"' : ''}${rot}>${xmlEscape(p.text)}</text>`);
        break;
      }
    }
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** A scale from data to pixels. Log scales need a positive domain. */
export class Scale {
  constructor(
    readonly min: number,
    readonly max: number,
    readonly px0: number,
    readonly px1: number,
    readonly log = false,
  ) {}
  map(v: number): number {
    const t = this.log ? (Math.log10(v) - Math.log10(this.min)) / (Math.log10(this.max) - Math.log10(this.min) || 1) : (v - this.min) / (this.max - this.min || 1);
    return this.px0 + t * (this.px1 - this.px0);
  }
  invert(px: number): number {
    const t = (px - this.px0) / (this.px1 - this.px0 || 1);
    return this.log ? 10 ** (Math.log10(this.min) + t * (Math.log10(this.max) - Math.log10(this.min))) : this.min + t * (this.max - this.min);
  }
  ticks(count = 5): number[] {
    if (this.log) {
      const out: number[] = [];
      for (let e = Math.floor(Math.log10(this.min)); e <= Math.ceil(Math.log10(this.max)); e++) {
        const v = 10 ** e;
        if (v >= this.min * 0.999 && v <= this.max * 1.001) out.push(v);
      }
      return out;
    }
    const span = this.max - this.min;
    if (!(span > 0)) return [this.min];
    const raw = span / count;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
    const out: number[] = [];
    for (let v = Math.ceil(this.min / step) * step; v <= this.max + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
    return out;
  }
}

export function tickLabel(v: number, log: boolean): string {
  if (log) {
    const e = Math.round(Math.log10(v));
    return e >= -2 && e <= 3 ? String(10 ** e >= 1 ? 10 ** e : Number((10 ** e).toFixed(-e))) : `1e${e}`;
  }
  return Number(v.toPrecision(4)).toString();
}

export interface AxesOptions {
  x: Scale;
  y: Scale;
  xLabel: string;
  yLabel: string;
  fg: string;
  muted: string;
  grid: string;
  size: number;
}

/** Frame, grid, ticks and axis titles. */
export function axes(o: AxesOptions): Prim[] {
  const items: Prim[] = [];
  const [x0, x1] = [o.x.px0, o.x.px1];
  const [y0, y1] = [o.y.px0, o.y.px1];
  for (const t of o.x.ticks(6)) {
    const px = o.x.map(t);
    items.push({ k: 'path', pts: [[px, y0], [px, y1]], stroke: o.grid, width: 1 });
    items.push({ k: 'text', x: px, y: y0 + 4, text: tickLabel(t, o.x.log), fill: o.muted, size: o.size, anchor: 'middle', baseline: 'top' });
  }
  for (const t of o.y.ticks(5)) {
    const py = o.y.map(t);
    items.push({ k: 'path', pts: [[x0, py], [x1, py]], stroke: o.grid, width: 1 });
    items.push({ k: 'text', x: x0 - 6, y: py, text: tickLabel(t, o.y.log), fill: o.muted, size: o.size, anchor: 'end', baseline: 'middle' });
  }
  items.push({ k: 'rect', x: x0, y: y1, w: x1 - x0, h: y0 - y1, stroke: o.muted, width: 1 });
  items.push({ k: 'text', x: (x0 + x1) / 2, y: y0 + o.size + 12, text: o.xLabel, fill: o.fg, size: o.size, anchor: 'middle', baseline: 'top' });
  items.push({ k: 'text', x: 14, y: (y0 + y1) / 2, text: o.yLabel, fill: o.fg, size: o.size, anchor: 'middle', baseline: 'middle', rotate: true });
  return items;
}

/**
 * The thumbnail grid: one canvas the size of the viewport inside a scroller whose spacer gives the
 * full height, so only the visible rows are drawn however large the training set is. Thumbnails
 * arrive in pages and are painted once into one atlas canvas per page; drawing a cell is then a
 * single drawImage.
 */
import { THUMBNAIL_PAGE } from '../../src/protocol/webview/forget-set';
import { fitCanvas, toImageData } from '../shared/canvas';
import { theme, withAlpha } from '../shared/theme';

export interface GridCallbacks {
  /** Pages of thumbnails the grid needs and has not got yet. */
  needPage(page: number): void;
  /** A click (toggle), a shift-click (range) or a rectangle; indices are training indices. */
  onPick(kind: 'toggle' | 'range' | 'rect', indices: number[], additive: boolean): void;
  onCursor(index: number | null): void;
  onScroll(scrollTop: number): void;
  describe(index: number): string;
}

interface Atlas {
  canvas: HTMLCanvasElement;
  cols: number;
}

const GAP = 4;
const ATLAS_COLS = 40;

export class Grid {
  readonly scroller: HTMLDivElement;
  readonly canvas: HTMLCanvasElement;
  private readonly spacer: HTMLDivElement;
  private shape: [number, number, 1 | 3] = [28, 28, 1];
  private total = 0;
  private visible: Int32Array = new Int32Array(0);
  /** Position of each training index in `visible`, −1 when filtered out. */
  private positionOf: Int32Array = new Int32Array(0);
  private selected: Uint8Array = new Uint8Array(0);
  private outlined: Uint8Array | null = null;
  private atlases = new Map<number, Atlas>();
  private requested = new Set<number>();
  private cursor = -1;
  private anchor = -1;
  private drag: { x0: number; y0: number; x1: number; y1: number; active: boolean; additive: boolean } | null = null;
  private frame = 0;
  private cell = 56;
  private cols = 1;
  private width = 300;
  private height = 300;

  constructor(private readonly cb: GridCallbacks) {
    this.scroller = document.createElement('div');
    this.scroller.className = 'grid-scroller';
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'grid-canvas';
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute('role', 'grid');
    this.canvas.setAttribute('aria-label', 'Training points. Arrow keys move, Space selects, Shift+arrows extend, Ctrl+A selects all shown.');
    this.spacer = document.createElement('div');
    this.spacer.className = 'grid-spacer';
    this.scroller.append(this.canvas, this.spacer);
    this.scroller.addEventListener('scroll', () => {
      this.cb.onScroll(this.scroller.scrollTop);
      this.schedule();
    });
    new ResizeObserver(() => this.layout()).observe(this.scroller);
    this.canvas.addEventListener('mousedown', (e) => this.mouseDown(e));
    window.addEventListener('mousemove', (e) => this.mouseMove(e));
    window.addEventListener('mouseup', (e) => this.mouseUp(e));
    this.canvas.addEventListener('mousemove', (e) => this.hover(e));
    this.canvas.addEventListener('keydown', (e) => this.key(e));
  }

  setData(total: number, shape: [number, number, 1 | 3]): void {
    this.total = total;
    this.shape = shape;
    this.atlases.clear();
    this.requested.clear();
    this.selected = new Uint8Array(total);
    this.positionOf = new Int32Array(total).fill(-1);
    this.cell = Math.min(64, Math.max(40, 2 * Math.max(shape[0], shape[1])));
    this.layout();
  }

  setVisible(indices: Int32Array): void {
    this.visible = indices;
    this.positionOf.fill(-1);
    for (let p = 0; p < indices.length; p++) this.positionOf[indices[p]] = p;
    if (this.cursor >= 0 && this.positionOf[this.cursor] < 0) this.cursor = -1;
    this.layout();
  }

  setSelected(sel: Uint8Array): void {
    this.selected = sel;
    this.schedule();
  }

  setOutlined(mask: Uint8Array | null): void {
    this.outlined = mask;
    this.schedule();
  }

  get cursorIndex(): number | null {
    return this.cursor >= 0 ? this.cursor : null;
  }

  setCursor(index: number | null, scroll = true): void {
    this.cursor = index ?? -1;
    this.anchor = this.cursor;
    if (scroll && this.cursor >= 0) this.scrollToIndex(this.cursor);
    this.cb.onCursor(index);
    this.schedule();
  }

  scrollTo(top: number): void {
    this.scroller.scrollTop = top;
    this.schedule();
  }

  scrollToIndex(index: number): void {
    const p = this.positionOf[index];
    if (p === undefined || p < 0) return;
    const pitch = this.cell + GAP;
    const top = Math.floor(p / this.cols) * pitch;
    if (top < this.scroller.scrollTop) this.scroller.scrollTop = top;
    else if (top + pitch > this.scroller.scrollTop + this.height) this.scroller.scrollTop = top + pitch - this.height;
  }

  addPage(offset: number, count: number, pixels: Uint8Array): void {
    const [h, w, c] = this.shape;
    const page = Math.floor(offset / THUMBNAIL_PAGE);
    const rows = Math.ceil(THUMBNAIL_PAGE / ATLAS_COLS);
    const canvas = document.createElement('canvas');
    canvas.width = ATLAS_COLS * w;
    canvas.height = rows * h;
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    const per = h * w * c;
    const img = new ImageData(w, h);
    const n = Math.min(count, Math.floor(pixels.length / per));
    for (let i = 0; i < n; i++) {
      const slot = offset + i - page * THUMBNAIL_PAGE;
      toImageData(pixels, i * per, h, w, c, img);
      ctx.putImageData(img, (slot % ATLAS_COLS) * w, Math.floor(slot / ATLAS_COLS) * h);
    }
    this.atlases.set(page, { canvas, cols: ATLAS_COLS });
    this.schedule();
  }

  /** How many cells are currently painted with a real thumbnail (tests and the status line). */
  paintedCells = 0;

  layout(): void {
    this.width = Math.max(100, this.scroller.clientWidth);
    this.height = Math.max(100, this.scroller.clientHeight);
    const pitch = this.cell + GAP;
    this.cols = Math.max(1, Math.floor((this.width - GAP) / pitch));
    const rows = Math.ceil(this.visible.length / this.cols);
    const full = rows * pitch + GAP;
    this.spacer.style.height = `${Math.max(0, full - this.height)}px`;
    this.schedule();
  }

  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  /** Draws now (tests call this through the panel to avoid waiting on animation frames). */
  draw(): void {
    const t = theme();
    const ctx = fitCanvas(this.canvas, this.width, this.height);
    ctx.fillStyle = t.bg;
    ctx.fillRect(0, 0, this.width, this.height);
    const pitch = this.cell + GAP;
    const top = this.scroller.scrollTop;
    const firstRow = Math.floor(top / pitch);
    const lastRow = Math.ceil((top + this.height) / pitch);
    const [h, w] = this.shape;
    ctx.imageSmoothingEnabled = false;
    const selFill = withAlpha(t.selection, 0.35);
    const placeholder = withAlpha(t.muted, 0.2);
    let painted = 0;
    for (let r = firstRow; r <= lastRow; r++) {
      for (let c = 0; c < this.cols; c++) {
        const p = r * this.cols + c;
        if (p >= this.visible.length) break;
        const idx = this.visible[p];
        const x = GAP + c * pitch;
        const y = GAP + r * pitch - top;
        const page = Math.floor(idx / THUMBNAIL_PAGE);
        const atlas = this.atlases.get(page);
        if (atlas) {
          const slot = idx - page * THUMBNAIL_PAGE;
          ctx.drawImage(atlas.canvas, (slot % atlas.cols) * w, Math.floor(slot / atlas.cols) * h, w, h, x, y, this.cell, this.cell);
          painted++;
        } else {
          ctx.fillStyle = placeholder;
          ctx.fillRect(x, y, this.cell, this.cell);
          if (!this.requested.has(page)) {
            this.requested.add(page);
            this.cb.needPage(page);
          }
        }
        if (this.selected[idx]) {
          ctx.fillStyle = selFill;
          ctx.fillRect(x, y, this.cell, this.cell);
          ctx.strokeStyle = t.selection;
          ctx.lineWidth = 2;
          ctx.strokeRect(x + 1, y + 1, this.cell - 2, this.cell - 2);
        }
        if (this.outlined?.[idx]) {
          ctx.strokeStyle = t.series[2];
          ctx.lineWidth = 2;
          ctx.setLineDash([4, 3]);
          ctx.strokeRect(x - 1, y - 1, this.cell + 2, this.cell + 2);
          ctx.setLineDash([]);
        }
        if (idx === this.cursor) {
          ctx.strokeStyle = t.focus;
          ctx.lineWidth = 2;
          ctx.strokeRect(x - 2, y - 2, this.cell + 4, this.cell + 4);
        }
      }
    }
    this.paintedCells = painted;
    if (this.drag?.active) {
      const d = this.drag;
      ctx.strokeStyle = t.focus;
      ctx.fillStyle = withAlpha(t.focus, 0.15);
      ctx.lineWidth = 1;
      const x = Math.min(d.x0, d.x1);
      const y = Math.min(d.y0, d.y1) - top;
      ctx.fillRect(x, y, Math.abs(d.x1 - d.x0), Math.abs(d.y1 - d.y0));
      ctx.strokeRect(x, y, Math.abs(d.x1 - d.x0), Math.abs(d.y1 - d.y0));
    }
  }

  /** Content coordinates (scroll included) of a mouse event. */
  private point(e: MouseEvent): [number, number] {
    const r = this.canvas.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top + this.scroller.scrollTop];
  }

  private hit(x: number, y: number): number | null {
    const pitch = this.cell + GAP;
    const c = Math.floor((x - GAP) / pitch);
    const r = Math.floor((y - GAP) / pitch);
    if (c < 0 || c >= this.cols || r < 0) return null;
    if ((x - GAP) - c * pitch > this.cell || (y - GAP) - r * pitch > this.cell) return null;
    const p = r * this.cols + c;
    return p < this.visible.length ? this.visible[p] : null;
  }

  private mouseDown(e: MouseEvent): void {
    if (e.button !== 0) return;
    const [x, y] = this.point(e);
    this.drag = { x0: x, y0: y, x1: x, y1: y, active: false, additive: e.ctrlKey || e.metaKey || e.shiftKey };
    this.canvas.focus();
    e.preventDefault();
  }

  private mouseMove(e: MouseEvent): void {
    if (!this.drag) return;
    const [x, y] = this.point(e);
    this.drag.x1 = x;
    this.drag.y1 = y;
    if (!this.drag.active && Math.hypot(x - this.drag.x0, y - this.drag.y0) > 6) this.drag.active = true;
    if (this.drag.active) this.schedule();
  }

  private mouseUp(e: MouseEvent): void {
    const d = this.drag;
    if (!d) return;
    this.drag = null;
    if (d.active) {
      this.cb.onPick('rect', this.inRect(d.x0, d.y0, d.x1, d.y1), d.additive);
      this.schedule();
      return;
    }
    const idx = this.hit(d.x0, d.y0);
    if (idx === null) return;
    if (e.shiftKey && this.anchor >= 0) {
      this.cb.onPick('range', this.range(this.anchor, idx), true);
      this.cursor = idx;
      this.cb.onCursor(idx);
    } else {
      this.cb.onPick('toggle', [idx], true);
      this.setCursor(idx, false);
    }
    this.schedule();
  }

  private hover(e: MouseEvent): void {
    const [x, y] = this.point(e);
    const idx = this.hit(x, y);
    this.canvas.title = idx === null ? '' : this.cb.describe(idx);
  }

  /** Indices of the shown points between two points, in the grid's order, both ends included. */
  range(a: number, b: number): number[] {
    let pa = this.positionOf[a];
    let pb = this.positionOf[b];
    if (pa < 0 || pb < 0) return pb >= 0 ? [b] : [];
    if (pa > pb) [pa, pb] = [pb, pa];
    return Array.from(this.visible.subarray(pa, pb + 1));
  }

  private inRect(x0: number, y0: number, x1: number, y1: number): number[] {
    const pitch = this.cell + GAP;
    const c0 = Math.max(0, Math.floor((Math.min(x0, x1) - GAP) / pitch));
    const c1 = Math.min(this.cols - 1, Math.floor((Math.max(x0, x1) - GAP) / pitch));
    const r0 = Math.max(0, Math.floor((Math.min(y0, y1) - GAP) / pitch));
    const r1 = Math.floor((Math.max(y0, y1) - GAP) / pitch);
    const out: number[] = [];
    for (let r = r0; r <= r1; r++) {
      for (let c = c0; c <= c1; c++) {
        const p = r * this.cols + c;
        if (p < this.visible.length) out.push(this.visible[p]);
      }
    }
    return out;
  }

  private key(e: KeyboardEvent): void {
    if (this.visible.length === 0) return;
    const pos = this.cursor >= 0 ? this.positionOf[this.cursor] : -1;
    const rowsPerPage = Math.max(1, Math.floor(this.height / (this.cell + GAP)));
    const moves: Record<string, number> = {
      ArrowRight: 1,
      ArrowLeft: -1,
      ArrowDown: this.cols,
      ArrowUp: -this.cols,
      PageDown: this.cols * rowsPerPage,
      PageUp: -this.cols * rowsPerPage,
    };
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 'a') {
      this.cb.onPick('rect', Array.from(this.visible), true);
      e.preventDefault();
      return;
    }
    let next: number | null = null;
    if (e.key in moves) next = pos < 0 ? 0 : Math.min(this.visible.length - 1, Math.max(0, pos + moves[e.key]));
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = this.visible.length - 1;
    if (next !== null) {
      const idx = this.visible[next];
      if (e.shiftKey && this.cursor >= 0) {
        const anchor = this.anchor;
        this.cb.onPick('range', this.range(anchor, idx), true);
        this.cursor = idx;
        this.scrollToIndex(idx);
        this.cb.onCursor(idx);
        this.schedule();
      } else this.setCursor(idx);
      e.preventDefault();
      return;
    }
    if ((e.key === ' ' || e.key === 'Enter') && this.cursor >= 0) {
      this.cb.onPick('toggle', [this.cursor], true);
      e.preventDefault();
    }
  }
}

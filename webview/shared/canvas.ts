/** Canvas sizing for crisp drawing on high-DPI screens. */
export function fitCanvas(canvas: HTMLCanvasElement, cssWidth: number, cssHeight: number): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(cssWidth * dpr));
  const hh = Math.max(1, Math.round(cssHeight * dpr));
  if (canvas.width !== w || canvas.height !== hh) {
    canvas.width = w;
    canvas.height = hh;
  }
  canvas.style.width = `${cssWidth}px`;
  canvas.style.height = `${cssHeight}px`;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2D canvas');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/** Grayscale or RGB HWC bytes → an ImageData, for drawing a dataset image. */
export function toImageData(pixels: Uint8Array, offset: number, h: number, w: number, c: 1 | 3, target?: ImageData): ImageData {
  const img = target ?? new ImageData(w, h);
  const d = img.data;
  for (let p = 0; p < h * w; p++) {
    const src = offset + p * c;
    const r = pixels[src];
    d[p * 4] = r;
    d[p * 4 + 1] = c === 3 ? pixels[src + 1] : r;
    d[p * 4 + 2] = c === 3 ? pixels[src + 2] : r;
    d[p * 4 + 3] = 255;
  }
  return img;
}

/** Draws HWC bytes scaled up without smoothing, so that 28×28 pixels stay visible as pixels. */
export function drawImage(canvas: HTMLCanvasElement, pixels: Uint8Array, h: number, w: number, c: 1 | 3, size: number): void {
  const ctx = fitCanvas(canvas, size, size);
  const tmp = document.createElement('canvas');
  tmp.width = w;
  tmp.height = h;
  const tctx = tmp.getContext('2d');
  if (!tctx) return;
  tctx.putImageData(toImageData(pixels, 0, h, w, c), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.clearRect(0, 0, size, size);
  ctx.drawImage(tmp, 0, 0, size, size);
}

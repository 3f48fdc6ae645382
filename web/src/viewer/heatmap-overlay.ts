import type { Types } from '@cornerstonejs/core';
import { imageBoxOnCanvas } from './cornerstone.ts';

/**
 * Draws one finding's heat-map over the image on its own canvas, scaled to the image's place on
 * screen (it follows zoom and pan) and to devicePixelRatio. Redrawn after every render.
 */
export class HeatmapOverlay {
  private image: HTMLImageElement | undefined;
  private opacity = 0.45;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly viewport: Types.IStackViewport,
  ) {}

  async show(url: string | undefined): Promise<void> {
    if (!url) {
      this.image = undefined;
      this.draw();
      return;
    }
    const img = new Image();
    img.src = url;
    await img.decode();
    this.image = img;
    this.draw();
  }

  setOpacity(opacity: number): void {
    this.opacity = Math.min(1, Math.max(0, opacity));
    this.draw();
  }

  draw(): void {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.round(c.clientWidth * dpr);
    const h = Math.round(c.clientHeight * dpr);
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
    }
    const g = c.getContext('2d');
    if (!g) return;
    g.clearRect(0, 0, w, h);
    const box = this.image ? imageBoxOnCanvas(this.viewport) : undefined;
    if (!this.image || !box) return;
    g.globalAlpha = this.opacity;
    g.imageSmoothingEnabled = true;
    g.drawImage(this.image, box.x * dpr, box.y * dpr, box.w * dpr, box.h * dpr);
    g.globalAlpha = 1;
  }
}

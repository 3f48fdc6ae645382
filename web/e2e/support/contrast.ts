import type { Page } from 'playwright-core';

/**
 * WCAG 2.x contrast ratio of each element's text colour against the first opaque background
 * behind it, for every element matching `selectors`. Returns the lowest ratio per selector.
 */
export async function lowestContrast(page: Page, selectors: readonly string[]): Promise<Record<string, number>> {
  return page.evaluate((sels) => {
    const rgb = (s: string): [number, number, number, number] => {
      const m = /rgba?\(([^)]+)\)/.exec(s);
      const p = (m?.[1] ?? '0,0,0,0').split(',').map((x) => Number(x.trim()));
      return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 1];
    };
    const lum = ([r, g, b]: number[]): number => {
      const c = [r ?? 0, g ?? 0, b ?? 0].map((v) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * (c[0] ?? 0) + 0.7152 * (c[1] ?? 0) + 0.0722 * (c[2] ?? 0);
    };
    const background = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c[3] > 0.9) return c;
      }
      return [0, 0, 0];
    };
    const out: Record<string, number> = {};
    for (const sel of sels) {
      let lowest = Infinity;
      for (const el of document.querySelectorAll(sel)) {
        const fg = lum(rgb(getComputedStyle(el).color));
        const bg = lum(background(el));
        lowest = Math.min(lowest, (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05));
      }
      out[sel] = lowest;
    }
    return out;
  }, selectors);
}

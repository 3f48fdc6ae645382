/** Where the inference module serves a heat-map PNG by its id (`/api/inference/heatmaps/<id>.png`). */
export function heatmapUrl(id: string): string {
  return `/api/inference/heatmaps/${encodeURIComponent(id)}.png`;
}

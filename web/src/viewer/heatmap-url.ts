/** Where the inference module serves a heat-map image (PNG) by its id. */
export function heatmapUrl(id: string): string {
  return `/api/heatmaps/${encodeURIComponent(id)}`;
}

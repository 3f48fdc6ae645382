import { Enums, RenderingEngine, init as coreInit, type Types, utilities } from '@cornerstonejs/core';
import { init as loaderInit, wadors } from '@cornerstonejs/dicom-image-loader';
import { Enums as ToolEnums, PanTool, ToolGroupManager, WindowLevelTool, ZoomTool, addTool, init as toolsInit } from '@cornerstonejs/tools';

const ENGINE_ID = 'readfirst';
const TOOL_GROUP_ID = 'readfirst-tools';
export const VIEWPORT_ID = 'main';

let ready: Promise<void> | undefined;

/**
 * Cornerstone3D start-up, once per page. The order matters (STACK-NOTES): core, then the image
 * loader, then tools; tools set up after `enableElement` silently do nothing.
 */
export function initCornerstone(): Promise<void> {
  ready ??= (async () => {
    coreInit();
    loaderInit({ maxWebWorkers: 1 });
    toolsInit();
    for (const tool of [WindowLevelTool, PanTool, ZoomTool]) addTool(tool);
  })();
  return ready;
}

export type LeftTool = 'wl' | 'zoom' | 'pan';
// `toolName` is typed `any` upstream.
const name = (tool: { toolName: unknown }): string => String(tool.toolName);
const TOOL_NAMES: Record<LeftTool, string> = { wl: name(WindowLevelTool), zoom: name(ZoomTool), pan: name(PanTool) };

/** Mouse: left = the chosen tool (window/level by default), middle = pan, right = zoom, wheel = zoom. */
export function setLeftTool(tool: LeftTool): void {
  const group = ToolGroupManager.getToolGroup(TOOL_GROUP_ID);
  if (!group) return;
  const bindings = (toolName: string): Array<{ mouseButton: number }> => {
    const b: Array<{ mouseButton: number }> = [];
    if (toolName === TOOL_NAMES[tool]) b.push({ mouseButton: ToolEnums.MouseBindings.Primary });
    if (toolName === TOOL_NAMES.pan) b.push({ mouseButton: ToolEnums.MouseBindings.Auxiliary });
    if (toolName === TOOL_NAMES.zoom) b.push({ mouseButton: ToolEnums.MouseBindings.Secondary }, { mouseButton: ToolEnums.MouseBindings.Wheel });
    return b;
  };
  for (const n of Object.values(TOOL_NAMES)) {
    group.setToolPassive(n);
    group.setToolActive(n, { bindings: bindings(n) });
  }
}

/** Creates the stack viewport on `element` (after init) with its tool group. */
export function createViewport(element: HTMLDivElement): { viewport: Types.IStackViewport; destroy: () => void } {
  const engine = new RenderingEngine(ENGINE_ID);
  engine.enableElement({ viewportId: VIEWPORT_ID, type: Enums.ViewportType.STACK, element, defaultOptions: { background: [0, 0, 0] as Types.Point3 } });
  ToolGroupManager.destroyToolGroup(TOOL_GROUP_ID);
  const group = ToolGroupManager.createToolGroup(TOOL_GROUP_ID);
  for (const n of Object.values(TOOL_NAMES)) group?.addTool(n);
  group?.addViewport(VIEWPORT_ID, ENGINE_ID);
  setLeftTool('wl');
  element.addEventListener('contextmenu', (e) => e.preventDefault());
  // Keep the canvas matched to its box (window resize, side panel) and the image fitted.
  const resize = new ResizeObserver(() => engine.resize(true, true));
  resize.observe(element);
  return {
    viewport: engine.getViewport<Types.IStackViewport>(VIEWPORT_ID),
    destroy: () => {
      resize.disconnect();
      ToolGroupManager.destroyToolGroup(TOOL_GROUP_ID);
      engine.destroy();
    },
  };
}

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

const str = (m: DicomJson, tag: string): string | undefined => {
  const v = m[tag]?.Value?.[0];
  return typeof v === 'string' ? v : undefined;
};

export interface ImageRef {
  imageId: string;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
}

/**
 * Finds the image to show through WADO-RS study metadata and registers its metadata with the
 * loader (the transfer syntax then comes from the frame response). Prefers `preferSop`, the
 * instance the AI analysed.
 */
export async function resolveImage(studyUid: string, preferSop?: string | null): Promise<ImageRef> {
  const res = await fetch(`/dicom-web/studies/${studyUid}/metadata`, { headers: { accept: 'application/dicom+json' }, credentials: 'same-origin' });
  if (!res.ok) throw new Error(`study metadata: ${res.status}`);
  const all = (await res.json()) as DicomJson[];
  const images = all.filter((m) => m['00280010'] !== undefined);
  const meta = images.find((m) => str(m, '00080018') === preferSop) ?? images[0];
  if (!meta) throw new Error('this study has no image to show');
  const seriesUid = str(meta, '0020000E') ?? '';
  const sopUid = str(meta, '00080018') ?? '';
  const imageId = `wadors:${location.origin}/dicom-web/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}/frames/1`;
  wadors.metaDataManager.add(imageId, meta as unknown as Parameters<typeof wadors.metaDataManager.add>[1]);
  return { imageId, studyUid, seriesUid, sopUid };
}

/** The image's pixel grid, (0,0) to (columns, rows), as a box in canvas (CSS pixel) coordinates. */
export function imageBoxOnCanvas(viewport: Types.IStackViewport): { x: number; y: number; w: number; h: number } | undefined {
  const image = viewport.getCornerstoneImage();
  const imageId = viewport.getCurrentImageId();
  if (!image || !imageId) return undefined;
  const corners = [
    [0, 0],
    [image.columns, image.rows],
  ].map(([c, r]) => utilities.imageToWorldCoords(imageId, [c ?? 0, r ?? 0]));
  const [a, b] = corners.map((w) => (w ? viewport.worldToCanvas(w) : undefined));
  if (!a || !b) return undefined;
  return { x: Math.min(a[0], b[0]), y: Math.min(a[1], b[1]), w: Math.abs(b[0] - a[0]), h: Math.abs(b[1] - a[1]) };
}

export const RENDERED = Enums.Events.IMAGE_RENDERED;

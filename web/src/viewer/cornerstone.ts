import { Enums, RenderingEngine, eventTarget, init as coreInit, type Types, utilities } from '@cornerstonejs/core';
import { init as loaderInit } from '@cornerstonejs/dicom-image-loader';
import {
  AngleTool,
  ArrowAnnotateTool,
  EllipticalROITool,
  Enums as ToolEnums,
  LengthTool,
  PanTool,
  StackScrollTool,
  SynchronizerManager,
  ToolGroupManager,
  WindowLevelTool,
  ZoomTool,
  addTool,
  init as toolsInit,
  synchronizers,
} from '@cornerstonejs/tools';

const ENGINE_ID = 'readfirst';
const TOOL_GROUP_ID = 'readfirst-tools';
const VOI_SYNC = 'readfirst-voi';
const ZOOM_SYNC = 'readfirst-zoompan';

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
    for (const tool of [WindowLevelTool, PanTool, ZoomTool, LengthTool, AngleTool, EllipticalROITool, ArrowAnnotateTool, StackScrollTool])
      addTool(tool);
  })();
  return ready;
}

export type LeftTool = 'wl' | 'zoom' | 'pan' | 'length' | 'angle' | 'ellipse' | 'arrow';
// `toolName` is typed `any` upstream.
const name = (tool: { toolName: unknown }): string => String(tool.toolName);
export const TOOL_NAMES: Record<LeftTool, string> = {
  wl: name(WindowLevelTool),
  zoom: name(ZoomTool),
  pan: name(PanTool),
  length: name(LengthTool),
  angle: name(AngleTool),
  ellipse: name(EllipticalROITool),
  arrow: name(ArrowAnnotateTool),
};

const STACK_SCROLL = name(StackScrollTool);
/** Whether the panes show stacks (CT, MR): the wheel then scrolls slices instead of zooming. */
let wheelScrolls = false;

/**
 * Mouse: left = the chosen tool (window/level by default), middle = pan, right = zoom; the wheel
 * zooms a projection image and scrolls the slices of a stack (as OHIF does).
 */
export function setLeftTool(tool: LeftTool): void {
  const group = ToolGroupManager.getToolGroup(TOOL_GROUP_ID);
  if (!group) return;
  const bindings = (toolName: string): Array<{ mouseButton: number }> => {
    const b: Array<{ mouseButton: number }> = [];
    if (toolName === TOOL_NAMES[tool]) b.push({ mouseButton: ToolEnums.MouseBindings.Primary });
    if (toolName === TOOL_NAMES.pan) b.push({ mouseButton: ToolEnums.MouseBindings.Auxiliary });
    if (toolName === TOOL_NAMES.zoom)
      b.push({ mouseButton: ToolEnums.MouseBindings.Secondary }, ...(wheelScrolls ? [] : [{ mouseButton: ToolEnums.MouseBindings.Wheel }]));
    if (toolName === STACK_SCROLL && wheelScrolls) b.push({ mouseButton: ToolEnums.MouseBindings.Wheel });
    return b;
  };
  // setToolActive adds to a tool's earlier bindings: clear them all first, or the previous left
  // tool keeps the primary button. Drawn measurements stay visible (passive) meanwhile.
  const all = [...Object.values(TOOL_NAMES), STACK_SCROLL];
  for (const n of all) group.setToolPassive(n, { removeAllBindings: true });
  for (const n of all) {
    const b = bindings(n);
    if (b.length > 0) group.setToolActive(n, { bindings: b });
  }
}

export interface Panes {
  engine: RenderingEngine;
  viewports: Types.IStackViewport[];
  destroy: () => void;
}

/**
 * Creates one stack viewport per element (after init) in one tool group. With two or more panes,
 * window/level and zoom/pan are synchronised across them (comparison with a prior, PA with
 * lateral), as cornerstone3D's synchronizers do it.
 */
export function createPanes(elements: readonly HTMLDivElement[], sync: boolean, stacks = false): Panes {
  wheelScrolls = stacks;
  const engine = new RenderingEngine(ENGINE_ID);
  const ids = elements.map((_, i) => `pane-${i}`);
  engine.setViewports(
    elements.map((element, i) => ({
      viewportId: ids[i] ?? `pane-${i}`,
      type: Enums.ViewportType.STACK,
      element,
      defaultOptions: { background: [0, 0, 0] as Types.Point3 },
    })),
  );
  ToolGroupManager.destroyToolGroup(TOOL_GROUP_ID);
  const group = ToolGroupManager.createToolGroup(TOOL_GROUP_ID);
  group?.addTool(STACK_SCROLL);
  for (const n of Object.values(TOOL_NAMES))
    group?.addTool(
      n,
      n === TOOL_NAMES.zoom ? { invert: true } : n === TOOL_NAMES.arrow ? { getTextCallback: (done: (t: string) => void) => done('') } : {},
    );
  for (const id of ids) group?.addViewport(id, ENGINE_ID);
  setLeftTool('wl');
  SynchronizerManager.destroySynchronizer(VOI_SYNC);
  SynchronizerManager.destroySynchronizer(ZOOM_SYNC);
  if (sync && ids.length > 1) {
    const voi = synchronizers.createVOISynchronizer(VOI_SYNC, { syncInvertState: true, syncColormap: false });
    const zoom = synchronizers.createZoomPanSynchronizer(ZOOM_SYNC);
    for (const id of ids) {
      voi.add({ renderingEngineId: ENGINE_ID, viewportId: id });
      zoom.add({ renderingEngineId: ENGINE_ID, viewportId: id });
    }
  }
  const observers = elements.map((element) => {
    element.addEventListener('contextmenu', (e) => e.preventDefault());
    // Keep each canvas matched to its box (window resize, side panel) and the image fitted.
    const o = new ResizeObserver(() => engine.resize(true, true));
    o.observe(element);
    return o;
  });
  return {
    engine,
    viewports: ids.map((id) => engine.getViewport<Types.IStackViewport>(id)),
    destroy: () => {
      for (const o of observers) o.disconnect();
      SynchronizerManager.destroySynchronizer(VOI_SYNC);
      SynchronizerManager.destroySynchronizer(ZOOM_SYNC);
      ToolGroupManager.destroyToolGroup(TOOL_GROUP_ID);
      engine.destroy();
    },
  };
}

function describeError(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null) {
    const o = e as { message?: unknown; error?: unknown; status?: unknown };
    if (typeof o.message === 'string') return o.message;
    if (o.error !== undefined) return describeError(o.error);
    if (typeof o.status === 'number') return `HTTP ${o.status}`;
  }
  return String(e);
}

const LOAD_TIMEOUT_MS = 30_000;

/**
 * Shows one image in a viewport, and rejects with the reason when it fails to load or decode.
 * On the GPU path cornerstone only reports a failed decode as an IMAGE_LOAD_ERROR event (the
 * promise never settles), so the event, and a timeout, are raced against it.
 */
export function showImage(viewport: Types.IStackViewport, imageId: string, stack?: { imageIds: string[]; index: number }): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_ERROR, onError);
      eventTarget.removeEventListener(Enums.Events.IMAGE_LOAD_FAILED, onError);
      if (err === undefined) resolve();
      else reject(new Error(err));
    };
    const onError = (evt: Event): void => {
      const d = (evt as CustomEvent<{ imageId?: string; error?: unknown }>).detail;
      if (d.imageId === undefined || d.imageId === imageId) finish(describeError(d.error ?? 'the image could not be decoded'));
      // A slice of a stack that fails later, while scrolling, is shown by the pane itself.
    };
    const timer = setTimeout(() => finish(`the image did not arrive within ${LOAD_TIMEOUT_MS / 1000} s`), LOAD_TIMEOUT_MS);
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_ERROR, onError);
    eventTarget.addEventListener(Enums.Events.IMAGE_LOAD_FAILED, onError);
    viewport
      .setStack(stack ? stack.imageIds : [imageId], stack ? stack.index : 0)
      .then(() => {
        viewport.render();
        finish();
      })
      .catch((e: unknown) => finish(describeError(e)));
  });
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

/** Window width and centre of the viewport's VOI range, for the on-screen readout. */
export function windowOf(viewport: Types.IStackViewport): { width: number; center: number } | undefined {
  const r = viewport.getProperties().voiRange;
  if (!r) return undefined;
  return { width: r.upper - r.lower, center: (r.upper + r.lower) / 2 };
}

/** Sets window/level by width and centre (a preset or typed numbers). */
export function setWindow(viewport: Types.IStackViewport, width: number, center: number): void {
  viewport.setProperties({ voiRange: { lower: center - width / 2, upper: center + width / 2 } });
  viewport.render();
}

/** Shows slice `index` of the stack in the viewport (clamped to the stack). */
export async function scrollTo(viewport: Types.IStackViewport, index: number): Promise<void> {
  const n = viewport.getImageIds().length;
  if (n === 0) return;
  await viewport.setImageIdIndex(Math.max(0, Math.min(n - 1, index)));
}

export const RENDERED = Enums.Events.IMAGE_RENDERED;
export const STACK_NEW_IMAGE = Enums.Events.STACK_NEW_IMAGE;
export const CAMERA_MODIFIED = Enums.Events.CAMERA_MODIFIED;
export const VOI_MODIFIED = Enums.Events.VOI_MODIFIED;

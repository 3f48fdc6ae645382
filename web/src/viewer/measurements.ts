import { signal } from '@preact/signals';
import { eventTarget } from '@cornerstonejs/core';
import { Enums as ToolEnums, annotation } from '@cornerstonejs/tools';

/** One drawn measurement with the value cornerstone3D computed for it, in words. */
export interface Measurement {
  uid: string;
  tool: string;
  text: string;
}

export const measurements = signal<Measurement[]>([]);

type Stats = Record<
  string,
  | {
      length?: number;
      angle?: number;
      mean?: number;
      stdDev?: number;
      area?: number;
      unit?: string;
      areaUnit?: string;
      modalityUnit?: string;
    }
  | undefined
>;

const n = (v: number | undefined, digits = 1): string => (v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits));

function describe(tool: string, stats: Stats): string {
  const s = Object.values(stats).find((x) => x !== undefined) ?? {};
  switch (tool) {
    case 'Length':
      return `Length ${n(s.length)} ${s.unit ?? 'mm'}`;
    case 'Angle':
      return `Angle ${n(s.angle)}°`;
    case 'EllipticalROI':
      return `Ellipse mean ${n(s.mean)} SD ${n(s.stdDev)}${s.modalityUnit ? ` ${s.modalityUnit}` : ''} · area ${n(s.area)} ${s.areaUnit ?? 'mm²'}`;
    case 'ArrowAnnotate':
      return 'Arrow';
    default:
      return tool;
  }
}

/** Re-reads every annotation of the page (they are few) after each change the tools announce. */
function refresh(): void {
  const all = annotation.state.getAllAnnotations();
  measurements.value = all.map((a) => {
    const tool = String(a.metadata?.toolName ?? 'annotation');
    const stats = (a.data as { cachedStats?: Stats }).cachedStats ?? {};
    return { uid: a.annotationUID ?? '', tool, text: describe(tool, stats) };
  });
}

let installed = false;

/** Listens to cornerstone3D's annotation events once per page. */
export function trackMeasurements(): void {
  if (installed) return;
  installed = true;
  for (const e of [
    ToolEnums.Events.ANNOTATION_COMPLETED,
    ToolEnums.Events.ANNOTATION_MODIFIED,
    ToolEnums.Events.ANNOTATION_REMOVED,
    ToolEnums.Events.ANNOTATION_ADDED,
  ]) {
    eventTarget.addEventListener(e, refresh);
  }
}

/** Removes every measurement (a new study opens with none). */
export function clearMeasurements(): void {
  annotation.state.removeAllAnnotations();
  measurements.value = [];
}

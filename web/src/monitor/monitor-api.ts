import { api } from '../shell/api.ts';

/** The slice of the server's MonitorReport (src/monitor/report.ts) the dashboard shows. */
export interface Rate {
  value: number | null;
  k: number;
  n: number;
  ci95: [number, number] | null;
}

export interface DashboardReport {
  window: { from: string; to: string };
  studies: { cases: number; analysed: number; notAnalysable: number; models: string[] };
  truth: { studiesWithTruth: number; labels: { import: number; verdict: number }; prefer: string };
  performance: {
    model: { id: string; version: string };
    finding: string;
    claimed: boolean;
    positives: number;
    negatives: number;
    sources: { import: number; verdict: number };
    auroc: number | null;
    ci95: [number, number] | null;
    cardAuroc: { value: number; set: string } | null;
    calibration: { ece: number | null };
    flags: { message: string }[];
  }[];
  subgroups: {
    model: { id: string; version: string };
    dimension: string;
    group: string;
    studies: number;
    diseased: number;
    normal: number;
    sensitivity: Rate;
    specificity: Rate;
    underdiagnosis: Rate;
    auroc: number | null;
    note: string | null;
    flags: { message: string }[];
  }[];
  drift: { model: { id: string; version: string }; subject: string; psi: number | null; drifted: boolean }[];
  driftAlerts: { id: string; message: string; raisedAt: number }[];
}

export interface DashboardChart {
  id: string;
  title: string;
  /** A Vega-Lite specification, compiled and drawn by vega in the browser. */
  spec: Record<string, unknown>;
}

export interface ModelVersion {
  id: string;
  version: string;
  results: number;
}

export interface MonitorFilter {
  from: string;
  to: string;
  model: string;
}

/** Query string of a filter (model is "id@version" or empty). */
export function filterQuery(f: MonitorFilter): string {
  const q = new URLSearchParams();
  if (f.from) q.set('from', f.from);
  if (f.to) q.set('to', f.to);
  const [id, version] = f.model.split('@');
  if (id) q.set('model', id);
  if (version) q.set('version', version);
  return q.toString();
}

export const fetchReport = (f: MonitorFilter): Promise<{ report: DashboardReport; charts: DashboardChart[] }> =>
  api('GET', `/api/monitor/report?${filterQuery(f)}`);
export const fetchModels = (): Promise<{ models: ModelVersion[] }> => api('GET', '/api/monitor/models');

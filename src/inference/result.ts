import type { AnalysisStatus } from '../events/types.ts';

/**
 * One model's reading of one image (instance), with full provenance. Stored per study, series
 * and instance; consumed by triage, the viewer, reports and monitoring. Never final: AI output
 * assists a radiologist, who signs.
 */
export interface ModelProvenance {
  modelId: string;
  modelName: string;
  modelVersion: string;
  /** sha256 of model.onnx. */
  modelSha256: string;
  /** True when the model runs in shadow mode: stored and monitored, never changing triage. */
  shadow: boolean;
}

export interface OperatingPointDecision {
  /** e.g. "high-sensitivity", "balanced". */
  name: string;
  threshold: number;
  positive: boolean;
  /** Sensitivity and specificity measured on validation data (from the model card). */
  sensitivity: number;
  specificity: number;
}

export interface FindingResult {
  /** snake_case finding key, e.g. "pneumothorax". */
  key: string;
  display: string;
  code: { system: string; code: string; display: string };
  probability: number;
  decisions: OperatingPointDecision[];
  /** Heat-map ids (served by the inference routes) when the finding is positive at any point. */
  heatmap?: { grey: string; colour: string } | undefined;
}

export interface QualityGateOutcome {
  passed: boolean;
  /** Machine-readable reason code when rejected, e.g. "lateral-view", "wrong-body-part", "ood". */
  reason?: string;
  /** Human-readable explanation. */
  message?: string;
  /** Measured values behind the decision (e.g. OOD distance and threshold). */
  measures?: Record<string, number>;
}

export interface InferenceTimings {
  queueMs: number;
  decodeMs: number;
  preprocessMs: number;
  inferMs: number;
  totalMs: number;
}

export interface InferenceResult {
  id: string;
  studyInstanceUid: string;
  seriesInstanceUid: string | null;
  sopInstanceUid: string | null;
  status: AnalysisStatus;
  /** Why not analysable / no model / failed, in words. */
  statusReason?: string | undefined;
  model: ModelProvenance | null;
  /** Claimed findings only (the card's `claimed: true`): what triage and the viewer show. */
  findings: FindingResult[];
  /** Outputs the card does not claim: stored for monitoring, never shown or used for triage. */
  unclaimedFindings?: FindingResult[] | undefined;
  gate: QualityGateOutcome | null;
  timings: InferenceTimings | null;
  /** sha256 of the input pixel data bytes, for traceability. */
  inputSha256: string | null;
  createdAt: number;
  aiGenerated: true;
  /** A volume model's reading of a whole series (CT, MR): present only on series-level results. */
  volume?: VolumeReading | undefined;
}

/** How a volume model read a series: its geometry, the slices behind each finding, every slice's score. */
export interface VolumeReading {
  kind: 'series';
  /** Instances of the series when it was read (a series with late slices is read again). */
  instanceCount: number;
  slices: number;
  /** [between rows, between columns, between slices] in mm. */
  spacingMm: number[] | null;
  excludedLocalizers: number;
  /** Why the series could not be assembled, e.g. "gantry-tilt"; null when it was. */
  refusal: string | null;
  /** The slice (or slices) that drove each finding: where the viewer opens. */
  keySlices: { findingKey: string; sliceIndex: number; sopInstanceUid: string; frameIndex: number; probability: number }[];
  /** The volume's slices in order along the normal. */
  sliceOrder: { sopInstanceUid: string; frameIndex: number }[];
  /** Per finding key, each slice's probability in volume order. */
  perSlice: Record<string, number[]>;
  headersMs: number;
  peakRssBytes: number;
}

/** The inference engine's stored results, read by triage, the viewer and reports. */
export interface InferenceResultStore {
  save(result: InferenceResult): Promise<void>;
  get(id: string): Promise<InferenceResult | undefined>;
  listForStudy(studyInstanceUid: string): Promise<InferenceResult[]>;
}

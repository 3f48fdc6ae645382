import { z } from 'zod';

/**
 * The model card (`model.json`) of a model package, as specified in docs/model-package.md.
 * Unknown keys are accepted and ignored so training can add fields without breaking the engine;
 * every key the engine relies on is checked here, at load time, never at inference time.
 */
const probability = z.number().min(0).max(1);

const codeSchema = z.object({ system: z.string().min(1), code: z.string().min(1), display: z.string().min(1) });

const operatingPointSchema = z.object({
  name: z.string().min(1),
  threshold: probability,
  sensitivity: probability,
  specificity: probability,
  n: z.number().int().nonnegative().optional(),
});

/** Evaluation figures are informational (shown, never used to decide): checked loosely. */
const evaluationSetSchema = z
  .object({
    source: z.string().optional(),
    auroc: probability.nullable().optional(),
    ci95: z.tuple([probability.nullable(), probability.nullable()]).nullable().optional(),
    positives: z.number().int().nonnegative().nullable().optional(),
    negatives: z.number().int().nonnegative().nullable().optional(),
  })
  .passthrough();

const findingSchema = z.object({
  key: z.string().regex(/^[a-z0-9_]+$/, 'must be snake_case'),
  index: z.number().int().nonnegative(),
  display: z.string().min(1),
  code: codeSchema,
  claimed: z.boolean().default(true),
  /** May be empty for an unclaimed output (too few validation positives to set a threshold). */
  operatingPoints: z.array(operatingPointSchema),
  evaluation: z.record(evaluationSetSchema).optional(),
});

const normalizationSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('fixed'), mean: z.number(), std: z.number().positive() }),
  z.object({ type: z.literal('per-image') }),
]);

const upper = (s: string): string => s.toUpperCase();

const windowEntrySchema = z.union([z.string().min(1), z.object({ name: z.string().min(1), center: z.number(), width: z.number().positive() })]);

/**
 * Extension for CT and MR models (docs/model-package.md, "Volume models"): how a series becomes
 * model inputs and how slice scores become a series finding. `2d` reads each slice alone, `2.5d`
 * stacks `contextSlices` neighbours on each side as channels, `3d` a resampled volume.
 */
export const volumeSpecSchema = z.object({
  kind: z.enum(['2d', '2.5d', '3d']),
  /** 2.5d: neighbours on each side; the input has (2 × contextSlices + 1) × windows channels. */
  contextSlices: z.number().int().min(0).max(8).default(0),
  /** CT: windows (presets or centre/width in HU) stacked as channels, in order. */
  windows: z.array(windowEntrySchema).min(1).optional(),
  /** MR: per-series normalisation inside a body mask, instead of windows. */
  mrNormalization: z
    .discriminatedUnion('type', [
      z.object({ type: z.literal('percentile'), low: z.number().min(0).max(100), high: z.number().min(0).max(100) }),
      z.object({ type: z.literal('z-score') }),
    ])
    .optional(),
  /** 3d: the resampled volume the model reads: size [slices, rows, columns] and spacing in mm. */
  resample: z.object({ size: z.tuple([z.number().int().positive(), z.number().int().positive(), z.number().int().positive()]), spacingMm: z.tuple([z.number().positive(), z.number().positive(), z.number().positive()]) }).optional(),
  /** How slice probabilities become the series finding; `model` means the model outputs a series score. */
  aggregation: z.object({ method: z.enum(['max', 'top-k-mean', 'model']), k: z.number().int().positive().default(3) }).default({ method: 'max', k: 3 }),
  /** Geometry the model tolerates; beyond it the series is "not analysable" with the reason. */
  limits: z
    .object({
      minSlices: z.number().int().positive().default(3),
      maxSpacingDeviation: z.number().min(0).default(0.1),
      maxTiltDegrees: z.number().min(0).default(1),
    })
    .default({}),
});
export type VolumeSpec = z.infer<typeof volumeSpecSchema>;

export const modelCardSchema = z
  .object({
    schemaVersion: z.literal(1),
    id: z.string().regex(/^[a-z0-9-]+$/, 'must be [a-z0-9-]'),
    name: z.string().min(1),
    version: z.string().regex(/^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]+)?$/, 'must be semver'),
    sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
    licence: z.string().min(1),
    aiGenerated: z.literal(true),
    applicability: z.object({
      modalities: z.array(z.string().min(1).transform(upper)).min(1),
      bodyParts: z.array(z.string().min(1).transform(upper)).default([]),
      viewPositions: z.array(z.string().min(1).transform(upper)).default([]),
      minRows: z.number().int().positive().default(1),
      minColumns: z.number().int().positive().default(1),
      /** Extension: SOP classes routed to this model; default: the usual ones for its modalities. */
      sopClassUids: z.array(z.string().regex(/^[0-9.]+$/)).optional(),
      /** Extension: series whose ImageType contains any of these values are not routed here. */
      excludeImageTypes: z.array(z.string().transform(upper)).optional(),
      /** Extension: patients younger than this (when their age is known) are refused by the gate. */
      minPatientAgeYears: z.number().min(0).max(150).optional(),
      /** Extension: route only series whose SeriesDescription matches this regular expression (case-insensitive). */
      seriesDescriptionPattern: z.string().min(1).optional(),
      /** Extension: route only series with (ContrastBolusAgent present) or without contrast. */
      contrast: z.enum(['with', 'without', 'any']).default('any'),
      /**
       * Extension: false for pipeline test models (they claim nothing clinical): loaded and listed,
       * but routed only when named in `inference.testModels`.
       */
      routeByDefault: z.boolean().default(true),
    }),
    input: z.object({
      name: z.string().min(1),
      /** 1 for projection images; (2 × contextSlices + 1) × windows for a 2.5d volume model. */
      channels: z.number().int().min(1).max(64),
      height: z.number().int().min(8).max(4096),
      width: z.number().int().min(8).max(4096),
      resize: z.enum(['letterbox', 'stretch']),
      window: z.enum(['dicom-voi-else-percentile', 'percentile']),
      /** Percentile window bounds, when the percentile window applies. */
      percentiles: z.tuple([z.number().min(0).max(100), z.number().min(0).max(100)]).default([0.5, 99.5]),
      scale: z.literal('unit'),
      normalization: normalizationSchema,
    }),
    outputs: z.object({
      probabilities: z.string().min(1),
      heatmap: z.string().min(1).optional(),
      features: z.string().min(1).optional(),
    }),
    volume: volumeSpecSchema.optional(),
    /** True for a model that only exercises the pipeline (synthetic data): never clinical. */
    pipelineTestOnly: z.boolean().default(false),
    findings: z.array(findingSchema).min(1),
    ood: z
      .object({
        output: z.string().min(1),
        method: z.literal('diag-mahalanobis'),
        mean: z.array(z.number()).min(1),
        std: z.array(z.number().positive()).min(1),
        threshold: z.number().positive(),
      })
      .optional(),
    intendedUse: z.string().min(1),
    limitations: z.array(z.string()).min(1),
    trainingData: z.object({ summary: z.string().min(1) }).passthrough(),
    evaluation: z.object({ summary: z.string().min(1) }).passthrough(),
  })
  .superRefine((card, ctx) => {
    const indices = new Set<number>();
    const keys = new Set<string>();
    for (const [i, f] of card.findings.entries()) {
      if (indices.has(f.index)) ctx.addIssue({ code: 'custom', path: ['findings', i, 'index'], message: `duplicate index ${f.index}` });
      if (keys.has(f.key)) ctx.addIssue({ code: 'custom', path: ['findings', i, 'key'], message: `duplicate key ${f.key}` });
      indices.add(f.index);
      if (f.claimed && f.operatingPoints.length === 0)
        ctx.addIssue({ code: 'custom', path: ['findings', i, 'operatingPoints'], message: 'a claimed finding needs at least one operating point' });
      keys.add(f.key);
    }
    const v = card.volume;
    if (!v && card.input.channels !== 1) ctx.addIssue({ code: 'custom', path: ['input', 'channels'], message: 'must be 1 for a projection-image model' });
    if (v) {
      const perSlice = v.windows?.length ?? 1;
      const expected = v.kind === '2.5d' ? (2 * v.contextSlices + 1) * perSlice : perSlice;
      if (v.kind !== '3d' && card.input.channels !== expected)
        ctx.addIssue({ code: 'custom', path: ['input', 'channels'], message: `must be ${expected} for ${v.kind} with ${perSlice} window(s) and ${v.contextSlices} context slice(s)` });
      if (v.kind === '3d') ctx.addIssue({ code: 'custom', path: ['volume', 'kind'], message: '3d models are declared by the contract but not run by this engine version: package it as 2.5d or wait for 3d support' });
      if (!v.windows && !v.mrNormalization) ctx.addIssue({ code: 'custom', path: ['volume'], message: 'needs windows (CT) or mrNormalization (MR)' });
      if (v.aggregation.method === 'model') ctx.addIssue({ code: 'custom', path: ['volume', 'aggregation'], message: '"model" aggregation needs a series output, which this engine version does not read yet' });
    }
    if (card.pipelineTestOnly && card.applicability.routeByDefault)
      ctx.addIssue({ code: 'custom', path: ['applicability', 'routeByDefault'], message: 'a pipeline test model must not be routed by default' });
    if (card.ood) {
      if (card.ood.mean.length !== card.ood.std.length)
        ctx.addIssue({ code: 'custom', path: ['ood', 'std'], message: `has ${card.ood.std.length} numbers, mean has ${card.ood.mean.length}` });
      if (card.outputs.features !== undefined && card.ood.output !== card.outputs.features)
        ctx.addIssue({ code: 'custom', path: ['ood', 'output'], message: `must name the features output "${card.outputs.features}"` });
    }
  });

export type ModelCard = z.infer<typeof modelCardSchema>;
export type ModelCardInput = z.input<typeof modelCardSchema>;
export type FindingSpec = ModelCard['findings'][number];
export type InputSpec = ModelCard['input'];

/** Readable one-line-per-issue summary of a card validation failure. */
export function describeCardIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(card)'}: ${i.message}`).join('; ');
}

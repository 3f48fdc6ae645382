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
    }),
    input: z.object({
      name: z.string().min(1),
      channels: z.literal(1),
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

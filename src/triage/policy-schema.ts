import { z } from 'zod';
import { URGENCY_CLASSES, type UrgencyClass } from '../events/types.ts';

/**
 * The urgency policy file (YAML or JSON): finding at an operating point → urgency class, order
 * priority and patient location floors, and each class's maximum wait. Validated when loaded;
 * any key left out takes the built-in default (see default-policy.ts).
 */

/** Higher is more urgent. */
export const URGENCY_RANK: Record<UrgencyClass, number> = { critical: 3, urgent: 2, routine: 1, 'likely-normal': 0 };

export const LOCATION_KINDS = ['emergency', 'icu', 'inpatient', 'outpatient'] as const;
export type LocationKind = (typeof LOCATION_KINDS)[number];

const urgency = z.enum(URGENCY_CLASSES);
const findingKey = z.string().regex(/^[a-z0-9_]+$/, 'must be a snake_case finding key');
const minutes = z
  .number()
  .positive()
  .max(30 * 24 * 60);

const classSchema = z.object({
  /** Longest a study of this class should wait; past it, it is overdue: read before anything not overdue, oldest first. */
  maxWaitMinutes: minutes,
});

const findingRuleSchema = z.object({
  finding: findingKey,
  /** Operating point name from the model card, e.g. "high-sensitivity" or "balanced". */
  operatingPoint: z.string().min(1),
  urgency,
});

const followUpRuleSchema = z.object({
  finding: findingKey,
  operatingPoint: z.string().min(1),
  /** Days from the analysis until the follow-up is due. */
  dueDays: z.number().int().positive().max(3650),
});

const locationRuleSchema = z.object({
  kind: z.enum(LOCATION_KINDS),
  /** Case-insensitive regular expression tried against the raw patient location. */
  pattern: z
    .string()
    .min(1)
    .refine((p) => {
      try {
        new RegExp(p, 'i');
        return true;
      } catch {
        return false;
      }
    }, 'must be a valid regular expression'),
});

export const policySchema = z
  .object({
    version: z.literal(1).default(1),
    classes: z
      .object({
        critical: classSchema.default({ maxWaitMinutes: 15 }),
        urgent: classSchema.default({ maxWaitMinutes: 45 }),
        routine: classSchema.default({ maxWaitMinutes: 60 }),
        'likely-normal': classSchema.default({ maxWaitMinutes: 60 }),
      })
      .default({}),
    findings: z.array(findingRuleSchema).optional(),
    followUp: z.array(followUpRuleSchema).optional(),
    /** A fully analysed study with no claimed finding positive at this point is likely normal. */
    likelyNormalOperatingPoint: z.string().min(1).default('high-sensitivity'),
    /** RequestedProcedurePriority (or HL7/FHIR order priority) → floor class. Keys are upper-cased. */
    orderPriority: z.record(z.string().min(1), urgency).optional(),
    /** Class of a study without AI output and without a known order priority. */
    defaultUrgency: urgency.default('routine'),
    locations: z.array(locationRuleSchema).optional(),
    /** Patient location kind → floor class. */
    locationFloor: z.record(z.enum(LOCATION_KINDS), urgency).optional(),
    /**
     * Once a study has waited as long as the longest wait seen in the last `windowHours` (and at
     * least the lowest class's maximum wait), less `marginMinutes`, nothing newer may pass it.
     */
    starvationGuard: z
      .object({
        marginMinutes: z
          .number()
          .min(0)
          .max(24 * 60)
          .default(10),
        windowHours: z
          .number()
          .positive()
          .max(24 * 14)
          .default(24),
      })
      .default({}),
  })
  .strict()
  .superRefine((p, ctx) => {
    const order = URGENCY_CLASSES.map((c) => p.classes[c].maxWaitMinutes);
    for (let i = 1; i < order.length; i++) {
      if ((order[i] ?? 0) < (order[i - 1] ?? 0)) {
        ctx.addIssue({
          code: 'custom',
          path: ['classes', URGENCY_CLASSES[i] ?? ''],
          message: 'maxWaitMinutes must not be shorter than that of a more urgent class',
        });
      }
    }
  });

export type PolicyInput = z.input<typeof policySchema>;
type ParsedPolicy = z.infer<typeof policySchema>;

/** A validated policy with every default filled in. */
export interface UrgencyPolicy {
  classes: Record<UrgencyClass, { maxWaitMinutes: number }>;
  findings: z.infer<typeof findingRuleSchema>[];
  followUp: z.infer<typeof followUpRuleSchema>[];
  likelyNormalOperatingPoint: string;
  orderPriority: Record<string, UrgencyClass>;
  defaultUrgency: UrgencyClass;
  locations: z.infer<typeof locationRuleSchema>[];
  locationFloor: Partial<Record<LocationKind, UrgencyClass>>;
  starvationGuard: { marginMinutes: number; windowHours: number };
}

export type FindingRule = UrgencyPolicy['findings'][number];
export type FollowUpRule = UrgencyPolicy['followUp'][number];
export type { ParsedPolicy };

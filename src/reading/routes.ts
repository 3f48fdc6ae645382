import { z } from 'zod';
import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef } from '../http/route.ts';
import { requirePrincipal } from '../security/guard.ts';
import { VERDICTS } from './reading.ts';
import type { ReadingService } from './reading-service.ts';

const READERS = { roles: ['radiologist'] } as const;
const verdict = z.enum(VERDICTS as [string, ...string[]]).transform((v) => v as (typeof VERDICTS)[number]);
const report = z.object({ technique: z.string().max(4000), findings: z.string().max(20000), impression: z.string().max(8000) }).strict();
const verdictBody = z.object({ verdict, comment: z.string().max(4000).default('') }).strict();
const patchBody = z
  .object({
    overall: verdict.nullable().optional(),
    missedFindings: z.array(z.string().max(64)).max(64).optional(),
    report: report.optional(),
    imageProblem: z.string().min(1).max(1000).nullable().optional(),
    readElsewhere: z.boolean().optional(),
  })
  .strict();
const signBody = z
  .object({
    report: report.optional(),
    override: z
      .object({ reason: z.string().min(1).max(2000) })
      .strict()
      .optional(),
  })
  .strict();

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success)
    throw new ReadfirstError('invalid-input', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

function uid(params: unknown, name = 'studyUid'): string {
  const v = (params as Record<string, string | undefined>)[name] ?? '';
  if (!/^[0-9.]{1,64}$/.test(v) && name === 'studyUid') throw new ReadfirstError('invalid-input', 'not a DICOM UID');
  return v;
}

/** REST routes of the reading flow; all for radiologists, each acting as the signed-in reader. */
export function readingRoutes(service: ReadingService): RouteDef[] {
  return [
    {
      method: 'GET',
      url: '/api/readings/:studyUid',
      access: READERS,
      phi: true,
      summary: "the AI results for a study and the reader's reading of it (opens it: starts the reading clock)",
      handler: async (req) => {
        const studyUid = uid(req.params);
        const reading = await service.open(studyUid, requirePrincipal(req));
        return { reading, results: await service.resultsFor(studyUid) };
      },
    },
    {
      method: 'PUT',
      url: '/api/readings/:studyUid/findings/:findingKey',
      access: READERS,
      summary: 'agree, disagree or be uncertain about one AI finding, with an optional comment',
      handler: async (req) => {
        const body = parse(verdictBody, req.body);
        return service.setVerdict(uid(req.params), requirePrincipal(req), uid(req.params, 'findingKey'), body.verdict, body.comment);
      },
    },
    {
      method: 'PATCH',
      url: '/api/readings/:studyUid',
      access: READERS,
      summary: 'set the overall verdict, missed findings, report text, or an image problem (and read-elsewhere) of the draft',
      handler: async (req) => {
        const { overall, missedFindings, report: text, imageProblem, readElsewhere } = parse(patchBody, req.body);
        return service.update(uid(req.params), requirePrincipal(req), {
          ...(overall !== undefined ? { overall } : {}),
          ...(missedFindings ? { missedFindings } : {}),
          ...(text ? { report: text } : {}),
          ...(imageProblem !== undefined ? { imageProblem } : {}),
          ...(readElsewhere !== undefined ? { readElsewhere } : {}),
        });
      },
    },
    {
      method: 'POST',
      url: '/api/readings/:studyUid/sign',
      access: READERS,
      summary:
        'sign the report as the signed-in radiologist (records the reading time); AI-positive findings need verdicts or an override reason',
      handler: async (req) => {
        const body = parse(signBody, req.body);
        return service.sign(uid(req.params), requirePrincipal(req), {
          ...(body.report ? { report: body.report } : {}),
          ...(body.override ? { override: body.override } : {}),
        });
      },
    },
  ];
}

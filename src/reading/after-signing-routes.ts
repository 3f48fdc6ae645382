import { z } from 'zod';
import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef } from '../http/route.ts';
import { requirePrincipal } from '../security/guard.ts';
import { type AfterSigning, COMMUNICATION_METHODS } from './after-signing.ts';

const READERS = { roles: ['radiologist'] } as const;
const addendumBody = z.object({ text: z.string().min(1).max(8000) }).strict();
const communicationBody = z
  .object({
    finding: z.string().trim().min(1).max(200),
    recipient: z.string().trim().min(1).max(200),
    recipientRole: z.string().trim().min(1).max(100),
    method: z.enum(COMMUNICATION_METHODS),
    communicatedAt: z.number().int().positive().optional(),
    acknowledgedBy: z.string().max(200).nullable().optional(),
    note: z.string().max(2000).default(''),
  })
  .strict();
const acknowledgeBody = z.object({ acknowledgedBy: z.string().trim().min(1).max(200) }).strict();

function parse<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success)
    throw new ReadfirstError('invalid-input', r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return r.data;
}

function param(params: unknown, name: string, pattern: RegExp): string {
  const v = (params as Record<string, string | undefined>)[name] ?? '';
  if (!pattern.test(v)) throw new ReadfirstError('invalid-input', `${name}: not valid`);
  return v;
}
const studyUid = (params: unknown): string => param(params, 'studyUid', /^[0-9.]{1,64}$/);

/** Routes after signing: addenda, critical-result communications, and the patient's other studies. */
export function afterSigningRoutes(after: AfterSigning): RouteDef[] {
  return [
    {
      method: 'GET',
      url: '/api/readings/:studyUid/priors',
      access: READERS,
      phi: true,
      summary: "the patient's other studies (PatientID within its issuer), newest first, each with its signed report",
      handler: async (req) => ({ items: await after.priors(studyUid(req.params)) }),
    },
    {
      method: 'GET',
      url: '/api/readings/:studyUid/addenda',
      access: READERS,
      phi: true,
      summary: "the addenda to a study's signed report, oldest first",
      handler: async (req) => ({ items: await after.addenda(studyUid(req.params)) }),
    },
    {
      method: 'POST',
      url: '/api/readings/:studyUid/addenda',
      access: READERS,
      phi: true,
      summary: 'sign an addendum to the signed report (the study becomes addended)',
      handler: async (req) => after.addAddendum(studyUid(req.params), requirePrincipal(req), parse(addendumBody, req.body).text),
    },
    {
      method: 'GET',
      url: '/api/readings/:studyUid/communications',
      access: READERS,
      phi: true,
      summary: 'the critical-result communication log of a study',
      handler: async (req) => ({ items: await after.communications(studyUid(req.params)) }),
    },
    {
      method: 'POST',
      url: '/api/readings/:studyUid/communications',
      access: READERS,
      phi: true,
      summary: 'record a critical-result communication: finding, who was told (role), how, when, who acknowledged',
      handler: async (req) => {
        const b = parse(communicationBody, req.body);
        return after.recordCommunication(studyUid(req.params), requirePrincipal(req), {
          finding: b.finding,
          recipient: b.recipient,
          recipientRole: b.recipientRole,
          method: b.method,
          note: b.note,
          ...(b.communicatedAt !== undefined ? { communicatedAt: b.communicatedAt } : {}),
          ...(b.acknowledgedBy !== undefined ? { acknowledgedBy: b.acknowledgedBy } : {}),
        });
      },
    },
    {
      method: 'POST',
      url: '/api/readings/:studyUid/communications/:id/acknowledge',
      access: READERS,
      phi: true,
      summary: 'record who acknowledged receipt of a critical-result communication',
      handler: async (req) =>
        after.acknowledgeCommunication(
          studyUid(req.params),
          param(req.params, 'id', /^[0-9a-f-]{36}$/),
          parse(acknowledgeBody, req.body).acknowledgedBy,
        ),
    },
  ];
}

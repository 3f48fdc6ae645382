import type { Bundle, CapabilityStatement, Resource, ResourceType } from '@medplum/fhirtypes';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ReadfirstError } from '../../core/errors.ts';
import type { RouteDef } from '../../http/route.ts';
import { ACCESS } from '../../http/access-rules.ts';
import type { FhirStore } from './fhir-store.ts';
import { fhirErrorBody } from './operation-outcome.ts';

/** Resource types readfirst serves, and the search parameters each accepts (FHIR R4 3.1.1). */
export const FHIR_SEARCH: Partial<Record<ResourceType, readonly string[]>> = {
  DiagnosticReport: ['_id', '_count', 'patient', 'subject', 'study', 'imaging-study'],
  Observation: ['_id', '_count', 'patient', 'subject', 'study'],
  ImagingStudy: ['_id', '_count', 'patient', 'subject', 'study'],
  Device: ['_id', '_count'],
  Patient: ['_id', '_count'],
};

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function capability(): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-12-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'readfirst' },
    rest: [
      {
        mode: 'server',
        documentation: 'Read-only: AI triage results (preliminary DiagnosticReports, never final).',
        resource: (Object.entries(FHIR_SEARCH) as Array<[ResourceType, readonly string[]]>).map(([type, params]) => ({
          type,
          interaction: [{ code: 'read' }, { code: 'search-type' }],
          searchParam: params.filter((p) => !p.startsWith('_')).map((name) => ({ name, type: name === 'study' ? 'token' : 'reference' })),
        })),
      },
    ],
  };
}

/**
 * `/fhir` (FHIR R4 RESTful API, read and search only): the resources readfirst generated for
 * analysed studies. `patient`/`subject` take `Patient/<id>` or the DICOM Patient ID; `study` the
 * DICOM Study Instance UID; `imaging-study` an `ImagingStudy/<id>` reference. Errors, sign-in
 * refusals included, come as OperationOutcome resources.
 */
export function fhirRoutes(store: FhirStore): RouteDef[] {
  const patientIdOf = async (v: string): Promise<string> => {
    if (!v.startsWith('Patient/')) return v;
    const p = await store.read('Patient', v.slice('Patient/'.length));
    const id = p?.resourceType === 'Patient' ? p.identifier?.[0]?.value : undefined;
    return id ?? '\u0000no-such-patient';
  };
  const studyUidOf = async (v: string): Promise<string> => {
    const s = await store.read('ImagingStudy', v.replace(/^ImagingStudy\//, ''));
    const oid = s?.resourceType === 'ImagingStudy' ? s.identifier?.find((i) => i.system === 'urn:dicom:uid')?.value : undefined;
    return oid?.replace(/^urn:oid:/, '') ?? '\u0000no-such-study';
  };
  const typeOf = (req: FastifyRequest): ResourceType => {
    const { type } = req.params as { type: ResourceType };
    if (!(type in FHIR_SEARCH))
      throw new ReadfirstError('not-found', `readfirst serves no ${type} resources (it serves ${Object.keys(FHIR_SEARCH).join(', ')})`);
    return type;
  };
  const read = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const type = typeOf(req);
    const { id } = req.params as { id: string };
    const r = await store.read(type, id);
    if (!r) throw new ReadfirstError('not-found', `${type}/${id} not found`);
    return reply.header('content-type', FHIR_JSON).send(r);
  };
  const search = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const type = typeOf(req);
    const q = req.query as Record<string, string | string[] | undefined>;
    const allowed = FHIR_SEARCH[type] ?? [];
    for (const k of Object.keys(q))
      if (!allowed.includes(k))
        throw new ReadfirstError('invalid-input', `search parameter ${k} is not supported on ${type} (supported: ${allowed.join(', ')})`);
    const count = Number(first(q._count) ?? 100);
    if (!Number.isInteger(count) || count < 1) throw new ReadfirstError('invalid-input', '_count must be a positive integer');
    const patient = first(q.patient) ?? first(q.subject);
    const studyRef = first(q['imaging-study']);
    const study = first(q.study) ?? (studyRef ? await studyUidOf(studyRef) : undefined);
    const id = first(q._id);
    const found: Resource[] = await store.search({
      resourceType: type,
      limit: Math.min(count, 1000),
      ...(id ? { id } : {}),
      ...(patient ? { patientId: await patientIdOf(patient) } : {}),
      ...(study ? { studyInstanceUid: study } : {}),
    });
    const bundle: Bundle = {
      resourceType: 'Bundle',
      type: 'searchset',
      total: found.length,
      entry: found.map((resource) => ({ fullUrl: `${resource.resourceType}/${resource.id ?? ''}`, resource, search: { mode: 'match' } })),
    };
    return reply.header('content-type', FHIR_JSON).send(bundle);
  };
  return [
    {
      method: 'GET',
      url: '/fhir/metadata',
      access: ACCESS.fhirRead,
      summary: 'FHIR CapabilityStatement',
      errorBody: fhirErrorBody,
      handler: async (_req, reply) => reply.header('content-type', FHIR_JSON).send(capability()),
    },
    {
      method: 'GET',
      url: '/fhir/:type/:id',
      access: ACCESS.fhirRead,
      phi: true,
      summary: 'FHIR read (DiagnosticReport, Observation, ImagingStudy, Device, Patient)',
      errorBody: fhirErrorBody,
      handler: read,
    },
    {
      method: 'GET',
      url: '/fhir/:type',
      access: ACCESS.fhirRead,
      phi: true,
      summary: 'FHIR search by study or patient',
      errorBody: fhirErrorBody,
      handler: search,
    },
  ];
}

import { ACCESS } from '../http/access-rules.ts';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { JsonDataset } from '../dicom/dicomweb/dicom-json.ts';
import type { RouteDef } from '../http/route.ts';
import type { UpsStore } from './ups-store.ts';
import { TAG, type UpsPriorityCode, type UpsState, type Workitem, publicDataset, str, transition } from './workitem.ts';

const PRIORITIES = new Set<UpsPriorityCode>(['HIGH', 'MEDIUM', 'LOW']);
const STATES = new Set<UpsState>(['SCHEDULED', 'IN PROGRESS', 'COMPLETED', 'CANCELED']);
const UID = /^[0-9]+(\.[0-9]+)*$/;
const DICOM_JSON = 'application/dicom+json';

/** The one dataset of a DICOM JSON body: an object, or an array holding one. */
function datasetOf(raw: unknown): JsonDataset {
  let body = raw;
  if (Buffer.isBuffer(raw)) {
    try {
      body = JSON.parse(raw.toString('utf8')) as unknown;
    } catch {
      throw new ReadfirstError('invalid-input', 'the body is not valid DICOM JSON');
    }
  }
  const ds = Array.isArray(body) ? (body as unknown[])[0] : body;
  if (typeof ds !== 'object' || ds === null || Array.isArray(ds))
    throw new ReadfirstError('invalid-input', 'the body must be one DICOM JSON dataset (application/dicom+json)');
  return ds as JsonDataset;
}

/** A new UID in the 2.25 (UUID) arc, PS3.5 B.2. */
export function uuidUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** A workitem from a create request (PS3.18 11.4, PS3.4 CC.2.5.1.1): SCHEDULED, no Transaction UID. */
export function createWorkitem(ds: JsonDataset, uidParam: string | undefined, now: number): Workitem {
  const uid = uidParam ?? str(ds, TAG.sopInstanceUid) ?? uuidUid();
  if (!UID.test(uid) || uid.length > 64)
    throw new ReadfirstError('invalid-input', 'the workitem UID must be digits and dots, at most 64 characters');
  const state = str(ds, TAG.state) ?? 'SCHEDULED';
  if (state !== 'SCHEDULED') throw new ReadfirstError('invalid-input', 'a workitem is created SCHEDULED (Procedure Step State 0074,1000)');
  if (ds[TAG.transactionUid]) throw new ReadfirstError('invalid-input', 'a new workitem must not carry a Transaction UID');
  const priority = (str(ds, TAG.priority) ?? 'MEDIUM') as UpsPriorityCode;
  if (!PRIORITIES.has(priority))
    throw new ReadfirstError('invalid-input', 'Scheduled Procedure Step Priority (0074,1200) is HIGH, MEDIUM or LOW');
  return {
    uid,
    state: 'SCHEDULED',
    priority,
    studyInstanceUid: str(ds, TAG.studyInstanceUid) ?? null,
    transactionUid: null,
    dataset: ds,
    createdAt: now,
    updatedAt: now,
  };
}

/**
 * UPS-RS (PS3.18 11; IHE AIW-I task manager): create, retrieve, search, update, change state
 * (claim / complete / cancel with the Transaction UID) and request cancellation of workitems.
 */
export function upsRoutes(store: UpsStore, clock: Clock, publicUrl: string): RouteDef[] {
  const W = '/dicom-web/workitems';
  const must = async (uid: string): Promise<Workitem> => {
    const w = await store.get(uid);
    if (!w) throw new ReadfirstError('not-found', `no workitem ${uid}`);
    return w;
  };
  const save = async (next: Workitem, expected: UpsState): Promise<void> => {
    if (!(await store.save({ ...next, updatedAt: clock.now() }, expected)))
      throw new ReadfirstError('conflict', 'the workitem changed meanwhile; retrieve it and try again');
  };
  const json = (reply: FastifyReply, body: unknown, status = 200): FastifyReply =>
    reply.status(status).header('content-type', DICOM_JSON).send(body);
  const uidOf = (req: FastifyRequest): string => (req.params as { uid: string }).uid;

  const create = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const q = req.query as Record<string, string | undefined>;
    const w = createWorkitem(
      datasetOf(req.body),
      q.AffectedSOPInstanceUID ?? q.workitem ?? Object.keys(q).find((k) => UID.test(k)),
      clock.now(),
    );
    if (!(await store.insert(w))) throw new ReadfirstError('conflict', `workitem ${w.uid} exists already (C231... 0111)`);
    const base = publicUrl !== '' ? publicUrl.replace(/\/+$/, '') : `${req.protocol}://${req.host}`;
    return reply.status(201).header('content-location', `${base}${W}/${w.uid}`).send();
  };
  const search = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const q = req.query as Record<string, string | undefined>;
    const known = new Set([
      'ProcedureStepState',
      '00741000',
      'ScheduledProcedureStepPriority',
      '00741200',
      'StudyInstanceUID',
      '0020000D',
      'limit',
      'offset',
      'includefield',
    ]);
    for (const k of Object.keys(q))
      if (!known.has(k))
        throw new ReadfirstError(
          'invalid-input',
          `UPS-RS search key ${k} is not supported (ProcedureStepState, ScheduledProcedureStepPriority, StudyInstanceUID are)`,
        );
    const state = (q.ProcedureStepState ?? q['00741000']) as UpsState | undefined;
    const priority = (q.ScheduledProcedureStepPriority ?? q['00741200']) as UpsPriorityCode | undefined;
    if (state && !STATES.has(state)) throw new ReadfirstError('invalid-input', `unknown Procedure Step State ${state}`);
    if (priority && !PRIORITIES.has(priority)) throw new ReadfirstError('invalid-input', `unknown priority ${priority}`);
    const study = q.StudyInstanceUID ?? q['0020000D'];
    const found = await store.search({
      ...(state ? { state } : {}),
      ...(priority ? { priority } : {}),
      ...(study ? { studyInstanceUid: study } : {}),
      limit: Math.min(Number(q.limit ?? 1000) || 1000, 1000),
      offset: Number(q.offset ?? 0) || 0,
    });
    return json(reply, found.map(publicDataset));
  };
  const retrieve = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> =>
    json(reply, [publicDataset(await must(uidOf(req)))]);
  const update = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const w = await must(uidOf(req));
    const ds = datasetOf(req.body);
    const q = req.query as Record<string, string | undefined>;
    if (w.state === 'COMPLETED' || w.state === 'CANCELED')
      throw new ReadfirstError('conflict', `a ${w.state} workitem cannot be updated (C300)`);
    if (w.state === 'IN PROGRESS' && (q.transaction ?? str(ds, TAG.transactionUid)) !== w.transactionUid)
      throw new ReadfirstError('conflict', 'updating an IN PROGRESS workitem needs the Transaction UID that claimed it (C301)');
    if (ds[TAG.state]) throw new ReadfirstError('invalid-input', 'the state is changed through PUT .../state, not by an update');
    const { [TAG.transactionUid]: _t, [TAG.sopInstanceUid]: _u, ...changes } = ds;
    const priority = (str(changes, TAG.priority) ?? w.priority) as UpsPriorityCode;
    if (!PRIORITIES.has(priority)) throw new ReadfirstError('invalid-input', 'Scheduled Procedure Step Priority is HIGH, MEDIUM or LOW');
    await save({ ...w, priority, dataset: { ...w.dataset, ...changes } }, w.state);
    return reply.status(200).send();
  };
  const changeState = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const w = await must(uidOf(req));
    const ds = datasetOf(req.body);
    const to = str(ds, TAG.state) as UpsState | undefined;
    if (!to || !STATES.has(to))
      throw new ReadfirstError('invalid-input', 'Procedure Step State (0074,1000) must be IN PROGRESS, COMPLETED or CANCELED');
    await save(transition(w, to, str(ds, TAG.transactionUid)), w.state);
    return reply.status(200).send();
  };
  const cancelRequest = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const w = await must(uidOf(req));
    if (w.state !== 'SCHEDULED')
      throw new ReadfirstError('conflict', `a ${w.state} workitem cannot be cancelled by request; its performer cancels it (C311)`);
    await save({ ...w, state: 'CANCELED' }, 'SCHEDULED');
    return reply.status(202).send();
  };
  // AI orchestration work items: an admin, or a token with the `workitems` scope (src/http/access-rules.ts).
  const r = (method: RouteDef['method'], url: string, summary: string, handler: RouteDef['handler']): RouteDef => ({
    method,
    url,
    access: ACCESS.workitems,
    phi: true,
    summary,
    handler,
  });
  return [
    r('POST', W, 'UPS-RS create workitem', create),
    r('GET', W, 'UPS-RS search workitems', search),
    r('GET', `${W}/:uid`, 'UPS-RS retrieve workitem', retrieve),
    r('POST', `${W}/:uid`, 'UPS-RS update workitem', update),
    r('PUT', `${W}/:uid/state`, 'UPS-RS change workitem state (claim, complete, cancel)', changeState),
    r('POST', `${W}/:uid/cancelrequest`, 'UPS-RS request cancellation', cancelRequest),
  ];
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../core/clock.ts';
import type { EventBus } from '../../events/bus.ts';
import type { RouteDef } from '../../http/route.ts';
import type { Logger } from '../../log/logger.ts';
import { routeKey } from '../../http/access-rules.ts';
import type { Principal } from '../users.ts';
import type { AuditAction, AuditEvent } from './audit-entry.ts';
import type { AuditLog } from './audit-log.ts';

/** Look-ups the auditor needs from other domains, given as plain functions (no imports of them). */
export interface AuditPorts {
  /** PatientID of a study, for the ATNA Patient participant; null when unknown. */
  patientOfStudy(studyInstanceUid: string): Promise<string | null>;
  /** Model id and version of a stored AI result. */
  modelOfResult(resultId: string): Promise<{ id: string; version: string } | null>;
}

/**
 * Non-PHI routes whose calls are still audited with a named action (the route's own `phi` flag
 * covers DICOMweb). Every other mutation on a non-public route is audited as `api.change`.
 */
const ROUTE_ACTIONS: ReadonlyMap<string, AuditAction> = new Map([
  ['GET /api/readings/:studyUid', 'phi.view'],
  ['GET /api/studies/:uid/inference', 'phi.view'],
  ['GET /api/inference/results/:id', 'phi.view'],
  ['GET /api/inference/heatmaps/:file', 'phi.view'],
  ['GET /api/worklist/:uid', 'phi.view'],
  ['GET /api/worklist', 'phi.query'],
  ['PUT /api/readings/:studyUid/findings/:findingKey', 'verdict.recorded'],
  ['PATCH /api/readings/:studyUid', 'verdict.recorded'],
  ['POST /api/readings/:studyUid/sign', 'report.signed'],
  ['GET /api/audit', 'phi.query'],
  ['GET /api/audit/export', 'export'],
]);

const STUDY_PARAMS = ['study', 'studyUid', 'uid'] as const;

function studyOf(req: FastifyRequest, route: RouteDef): string {
  const params = (req.params ?? {}) as Record<string, string | undefined>;
  for (const p of STUDY_PARAMS) {
    const v = params[p];
    if (v && route.url.includes(`:${p}`) && /^[0-9.]{1,64}$/.test(v)) return v;
  }
  return '';
}

/** The action a route's call is audited under, or null when it is not audited (public or plain reads). */
export function auditedAction(route: RouteDef, method: string): AuditAction | null {
  if (route.access === 'public') return null;
  const named = ROUTE_ACTIONS.get(routeKey(route));
  if (named) return named;
  if (route.phi) {
    if (method === 'POST') return 'instances.stored';
    return /\/studies(\/:study\/(series|instances))?$|\/series$|\/instances$/.test(route.url) && !route.url.includes(':instance')
      ? 'phi.query'
      : 'phi.view';
  }
  return method === 'GET' ? null : 'api.change';
}

/**
 * Writes the audit trail: every call of a PHI route and every mutation (from the HTTP layer), AI
 * results and verdicts (from the bus), and what the security routes and CLI report themselves
 * (sign-ins, user, token and policy changes, exports). A failed append is logged loudly: it is the
 * "audit recording stopped" condition a security officer must see.
 */
export class Auditor {
  constructor(private readonly deps: { log: AuditLog; clock: Clock; logger: Logger; ports: () => Partial<AuditPorts> }) {}

  async record(
    e: Omit<AuditEvent, 'at' | 'patientId' | 'detail'> & { patientId?: string; detail?: Record<string, unknown> },
  ): Promise<void> {
    let patientId = e.patientId ?? '';
    try {
      if (!patientId && e.objectType === 'study' && e.objectId) patientId = (await this.deps.ports().patientOfStudy?.(e.objectId)) ?? '';
      await this.deps.log.append({ ...e, at: this.deps.clock.now(), patientId, detail: e.detail ?? {} });
    } catch (err) {
      this.deps.logger.error({ err, action: e.action }, 'AUDIT RECORDING FAILED: an audited action was not recorded');
    }
  }

  /** Fastify onResponse hook for one route. */
  async responded(req: FastifyRequest, reply: FastifyReply, route: RouteDef, principal: Principal | undefined): Promise<void> {
    const action = auditedAction(route, req.method);
    if (!action) return;
    const study = studyOf(req, route);
    await this.record({
      action,
      outcome: reply.statusCode < 400 ? 'success' : 'failure',
      actor: principal?.username ?? 'anonymous',
      actorRoles: principal?.roles.join(',') ?? '',
      // A request whose client already hung up has no address left: still recorded, never dropped.
      source: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      objectType: study ? 'study' : 'route',
      objectId: study || routeKey(route),
      detail: { route: routeKey(route), status: reply.statusCode, ...(principal?.tokenId ? { tokenId: principal.tokenId } : {}) },
    });
  }

  /** AI results (with model id and version) and verdicts, from the event bus. */
  subscribe(bus: EventBus): Array<() => void> {
    return [
      bus.on('study.analysed', async (e) => {
        const models: Array<{ id: string; version: string }> = [];
        for (const id of e.resultIds) {
          const m = await this.deps.ports().modelOfResult?.(id);
          if (m && !models.some((x) => x.id === m.id && x.version === m.version)) models.push(m);
        }
        await this.record({
          action: 'ai.result',
          outcome: e.status === 'failed' ? 'failure' : 'success',
          actor: 'system',
          actorRoles: '',
          source: 'readfirst',
          objectType: 'study',
          objectId: e.studyInstanceUid,
          detail: { status: e.status, resultIds: e.resultIds, models },
        });
      }),
      bus.on('verdict.recorded', async (e) => {
        await this.record({
          action: 'verdict.recorded',
          outcome: 'success',
          actor: 'system',
          actorRoles: '',
          source: 'readfirst',
          objectType: 'study',
          objectId: e.studyInstanceUid,
          detail: { resultId: e.resultId, model: { id: e.modelId, version: e.modelVersion } },
        });
      }),
    ];
  }
}

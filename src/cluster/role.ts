import { ReadfirstError } from '../core/errors.ts';
import type { EventName } from '../events/types.ts';
import type { RouteDef } from '../http/route.ts';

/**
 * The process roles of a scaled-out deployment (README "Scaling out"):
 * - `all`: the one-command single process (the default, SQLite or PostgreSQL);
 * - `api`: HTTP, the worklist and its SSE streams, the web app, DICOMweb reads, FHIR, UPS;
 * - `ingest`: DIMSE, STOW-RS and HL7 orders in; stores instances, completes studies, queues analysis jobs;
 * - `worker`: takes analysis jobs from the queue, runs the models, ranks, writes the SR, raises alerts.
 */
export const ROLES = ['all', 'api', 'ingest', 'worker'] as const;

export type Role = (typeof ROLES)[number];

/** Parses `--role`; anything else is a clear configuration error. */
export function parseRole(value: string): Role {
  const role = ROLES.find((r) => r === value);
  if (!role) throw new ReadfirstError('config', `unknown role "${value}": use one of ${ROLES.join(', ')}`);
  return role;
}

/** What the configuration of a split role must share with the other processes. */
export interface SharedSettings {
  databaseUrl: string;
  files: { dir: string };
  security: { auditKeyFile: string };
}

/**
 * A split role shares its database, job queue, instance store and audit key with other processes,
 * possibly on other hosts: only PostgreSQL can be shared that way, and each process keeps its own
 * dataDir (lock, journal, quarantine), so the shared instance store (`files.dir`) and the audit
 * chain's key file (`security.auditKeyFile`) must be named. Refused before anything is opened.
 */
export function assertRoleSupported(role: Role, config: SharedSettings): void {
  if (role === 'all') return;
  if (config.databaseUrl === '')
    throw new ReadfirstError(
      'config',
      `role "${role}" needs PostgreSQL: set databaseUrl (postgres://…) so every process shares one database and job queue; the embedded SQLite store runs only as --role all`,
    );
  if (config.files.dir === '')
    throw new ReadfirstError(
      'config',
      `role "${role}" needs files.dir: the instance store every process shares (a path mounted on every host); dataDir stays per process`,
    );
  if (config.security.auditKeyFile === '')
    throw new ReadfirstError(
      'config',
      `role "${role}" needs security.auditKeyFile: one audit-chain key for every process (each would otherwise make its own, and the chain would not verify)`,
    );
}

/** What one process of a role runs; the composition root (src/app/modules.ts) reads it. */
export interface RolePlan {
  role: Role;
  /** C-STORE SCP, STOW-RS, study completeness and the HL7 orders listener. */
  accept: boolean;
  /** How images are read: in process on arrival, from the job queue, or not here. */
  scoring: 'on-arrival' | 'jobs' | 'none';
  /** Analysis jobs: this process queues them (ingest) or takes them (worker). */
  jobs: 'enqueue' | 'work' | undefined;
  /** Resumes alert deliveries and escalations, runs the write-back outbox worker. */
  deliver: boolean;
  /** Runs the periodic drift check (one kind of process only, so N processes do not check N times). */
  scheduled: boolean;
  /** The events carried to the other processes (LISTEN/NOTIFY); none in a single process. */
  relayed: readonly EventName[];
  /** Whether this process serves a route (health and metrics everywhere; STOW on ingest; the rest on api). */
  serves(route: Pick<RouteDef, 'method' | 'url'>): boolean;
}

/**
 * Views on other processes hear these (SSE streams and banners on every API node): re-rankings
 * and reading states, and alerts. Effects are never relayed: each is handled once, where its
 * event happened (events/bus.ts SubscribeOptions).
 */
export const VIEW_EVENTS: readonly EventName[] = [
  'worklist.changed',
  'worklist.state',
  'worklist.reranked',
  'alert.raised',
  'alert.escalated',
  'alert.acknowledged',
];

const HEALTH_URLS = new Set(['/healthz', '/readyz', '/metrics']);
const isHealth = (r: Pick<RouteDef, 'url'>): boolean => HEALTH_URLS.has(r.url);
const isStow = (r: Pick<RouteDef, 'method' | 'url'>): boolean => r.method === 'POST' && r.url.startsWith('/dicom-web/studies');

const PLANS: Record<Role, RolePlan> = {
  all: {
    role: 'all',
    accept: true,
    scoring: 'on-arrival',
    jobs: undefined,
    deliver: true,
    scheduled: true,
    relayed: [],
    serves: () => true,
  },
  api: {
    role: 'api',
    accept: false,
    scoring: 'none',
    jobs: undefined,
    deliver: false,
    scheduled: true,
    relayed: VIEW_EVENTS,
    serves: (r) => !isStow(r),
  },
  ingest: {
    role: 'ingest',
    accept: true,
    scoring: 'none',
    jobs: 'enqueue',
    deliver: false,
    scheduled: false,
    relayed: VIEW_EVENTS,
    serves: (r) => isHealth(r) || isStow(r),
  },
  worker: {
    role: 'worker',
    accept: false,
    scoring: 'jobs',
    jobs: 'work',
    deliver: true,
    scheduled: false,
    relayed: VIEW_EVENTS,
    serves: isHealth,
  },
};

export function rolePlan(role: Role): RolePlan {
  return PLANS[role];
}

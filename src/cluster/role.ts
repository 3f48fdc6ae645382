import { ReadfirstError } from '../core/errors.ts';

/**
 * The process roles of a scaled-out deployment (issue 15, README "Scaling out"):
 * - `all`: the one-command single process (the default, SQLite or PostgreSQL);
 * - `api`: HTTP, the worklist and its SSE streams;
 * - `ingest`: DIMSE and STOW-RS, stores instances and enqueues analysis jobs;
 * - `worker`: takes analysis jobs from the queue and runs the models.
 */
export const ROLES = ['all', 'api', 'ingest', 'worker'] as const;

export type Role = (typeof ROLES)[number];

/** Parses `--role`; anything else is a clear configuration error. */
export function parseRole(value: string): Role {
  const role = ROLES.find((r) => r === value);
  if (!role) throw new ReadfirstError('config', `unknown role "${value}": use one of ${ROLES.join(', ')}`);
  return role;
}

/**
 * A split role shares its database and job queue with other processes, possibly on other hosts:
 * only PostgreSQL can be shared that way, so a split role on the embedded SQLite store is refused
 * before anything is opened.
 */
export function assertRoleSupported(role: Role, databaseUrl: string): void {
  if (role === 'all') return;
  if (databaseUrl === '')
    throw new ReadfirstError(
      'config',
      `role "${role}" needs PostgreSQL: set databaseUrl (postgres://…) so every process shares one database and job queue; the embedded SQLite store runs only as --role all`,
    );
}

/**
 * Whether `serve` can start `role` today. The split roles' building blocks are in place (the
 * pg-boss analysis jobs in src/jobs/, the LISTEN/NOTIFY bus in pg-notify-bus.ts) but their
 * per-role wiring in src/app/modules.ts is not yet: a split role is refused, clearly, rather
 * than started half-wired (README "Scaling out").
 */
export function assertRoleRunnable(role: Role, databaseUrl: string): void {
  assertRoleSupported(role, databaseUrl);
  if (role !== 'all')
    throw new ReadfirstError(
      'config',
      `role "${role}" is not runnable yet: its wiring (src/app/modules.ts) is pending; run --role all (README "Scaling out")`,
    );
}

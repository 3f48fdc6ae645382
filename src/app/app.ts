import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import { InMemoryBus } from '../events/bus.ts';
import { DataDirLock } from '../files/data-dir-lock.ts';
import type { RouteDef } from '../http/route.ts';
import { type AccessGuard, type ResponseAudit, createHttpServer } from '../http/server.ts';
import { httpsOptions } from '../http/tls.ts';
import { closeEventStreams } from '../http/sse.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import { openDb } from '../store/open.ts';
import type { AppContext } from '../core/module.ts';
import { type AppServices, type WireOptions, wireApp } from './modules.ts';
import { assertRoleSupported, type Role, type RolePlan, rolePlan } from '../cluster/role.ts';
import { clusterEventMigrations, PgNotifyBus } from '../cluster/pg-notify-bus.ts';
import { migrate } from '../store/migrate.ts';
import { ModuleRunner } from './runner.ts';

/** What a wiring hands back: the services it started (typed, for the CLI and tests) and the HTTP guard. */
export interface Wired {
  /** Runs before every route; undefined: only public routes answer. Stated by every wiring, never forgotten. */
  guard: AccessGuard | undefined;
  /** Runs after every route's response: the audit trail (security provides it). */
  routeAudit?: ResponseAudit | undefined;
}

/** Starts modules in dependency order, passing each its dependencies explicitly (see modules.ts). */
export type Wiring<S extends Wired> = (modules: ModuleRunner, opts: WireOptions) => Promise<S>;

export interface App<S extends Wired = AppServices> {
  ctx: AppContext;
  /** What the wiring started, typed. */
  services: S;
  http: FastifyInstance;
  /** Names of the started modules, in start order. */
  modules: string[];
  /** Port the HTTP server listens on (after `listen`). */
  httpPort(): number;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Start the HTTP listener (default true). */
  listen?: boolean;
  /** How long shutdown lets in-flight stores and requests finish before it cuts them off (default 5 s). */
  graceMs?: number;
  /** The process role (`serve --role`, default `all`); a split role needs PostgreSQL (cluster/role.ts). */
  role?: Role;
}

const publicOnly: AccessGuard = async (_req, route: RouteDef) => {
  if (route.access !== 'public') throw new ReadfirstError('unauthenticated', 'sign in required');
};

/** Starts readfirst with every module (src/app/modules.ts). */
export async function startApp(config: Config, opts: StartOptions = {}): Promise<App> {
  return startAppWith(config, wireApp, opts);
}

/** Starts readfirst with a given wiring: store, bus, the wiring's modules, then HTTP on their route table. */
export async function startAppWith<S extends Wired>(config: Config, wire: Wiring<S>, opts: StartOptions = {}): Promise<App<S>> {
  const logger = opts.logger ?? createLogger(config.log.level);
  const dataDir = resolve(config.dataDir);
  const graceMs = opts.graceMs ?? 5000;
  const plan = rolePlan(opts.role ?? 'all');
  assertRoleSupported(plan.role, config);
  // One writer per data directory: refuses (naming the holder's pid) before touching the journal.
  const lock = DataDirLock.acquire(dataDir, 'serve');
  let db: Db;
  try {
    db = await openDb({ databaseUrl: config.databaseUrl, sqlitePath: join(dataDir, 'readfirst.db'), migrations: [] });
  } catch (e) {
    lock.release();
    throw e;
  }
  const onEventError = (event: string, err: unknown): void => logger.error({ err, event }, 'event handler failed');
  // A split role's events cross processes over LISTEN/NOTIFY; one process keeps them in memory.
  let cluster: PgNotifyBus | undefined;
  try {
    cluster = plan.relayed.length ? await startClusterBus(config, db, plan, onEventError, opts.clock ?? systemClock) : undefined;
  } catch (e) {
    await db.close();
    lock.release();
    throw e;
  }
  const bus = cluster ?? new InMemoryBus(onEventError);
  const ctx: AppContext = { config: { ...config, dataDir }, logger, db, bus, clock: opts.clock ?? systemClock, metrics: new Registry() };
  const runner = new ModuleRunner(ctx);
  const onError = (err: unknown, module: string): void => logger.error({ err, module }, 'module shutdown failed');
  const closeAll = async (): Promise<void> => {
    try {
      await runner.close(onError);
      await bus.idle();
      await cluster?.close();
      await db.close();
    } finally {
      lock.release();
    }
  };
  let http: FastifyInstance;
  let services: S;
  let closing: Promise<void> | undefined;
  try {
    services = await wire(runner, {
      plan,
      graceMs,
      ...(cluster ? { eventsListening: () => cluster.listening } : {}),
    });
    http = createHttpServer(
      runner.routes().filter((r) => plan.serves(r)),
      {
        logger,
        maxUploadBytes: config.http.maxUploadBytes,
        guard: services.guard ?? publicOnly,
        ...(services.routeAudit ? { audit: services.routeAudit } : {}),
        requestTimeoutMs: config.http.requestTimeoutMs,
        ...httpsOptions(config),
      },
    );
    if (opts.listen !== false) await http.listen({ host: config.http.host, port: config.http.port });
  } catch (e) {
    await runner.drain(onError);
    await closeAll();
    throw e;
  }
  logger.info(
    { role: plan.role, http: `${config.http.host}:${config.http.port}`, database: db.dialect, modules: runner.names() },
    'readfirst started',
  );
  return {
    ctx,
    services,
    http,
    modules: runner.names(),
    httpPort() {
      const addr = http.server.address();
      return typeof addr === 'object' && addr ? addr.port : config.http.port;
    },
    close() {
      closing ??= (async () => {
        logger.info('readfirst stopping');
        // 1. Stop taking work: end live streams (they would hold HTTP open), stop listening on
        //    both ports, let in-flight stores and requests finish, within the grace period.
        closeEventStreams(http);
        const cutOff = setTimeout(() => http.server.closeAllConnections(), graceMs);
        cutOff.unref();
        await Promise.all([http.close(), runner.drain(onError)]);
        clearTimeout(cutOff);
        // 2. Release: modules newest first (the ingest journal is sealed and swept), then the store.
        await closeAll();
        logger.info('readfirst stopped');
      })();
      return closing;
    },
  };
}

/** The LISTEN/NOTIFY bus of a split role, on its own table (spilled large events) and channel. */
async function startClusterBus(
  config: Config,
  db: Db,
  plan: RolePlan,
  onError: (event: string, err: unknown) => void,
  clock: Clock,
): Promise<PgNotifyBus> {
  await migrate(db, clusterEventMigrations);
  return PgNotifyBus.start({
    connectionString: config.databaseUrl,
    db,
    channel: config.cluster.channel,
    relayed: plan.relayed,
    onError,
    now: () => clock.now(),
  });
}

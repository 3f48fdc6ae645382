import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import { type Clock, systemClock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import { InMemoryBus } from '../events/bus.ts';
import type { RouteDef } from '../http/route.ts';
import { createHttpServer } from '../http/server.ts';
import { httpsOptions } from '../http/tls.ts';
import { createLogger, type Logger } from '../log/logger.ts';
import { openDb } from '../store/open.ts';
import type { AppContext, AppModule, AppServices, ModuleFactory } from './context.ts';
import { moduleFactories } from './modules.ts';

export interface App {
  ctx: AppContext;
  http: FastifyInstance;
  modules: AppModule[];
  /** Port the HTTP server listens on (after `listen`). */
  httpPort(): number;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Replace the module list (tests start a subset). */
  modules?: readonly ModuleFactory[];
  /** Start the HTTP listener (default true). */
  listen?: boolean;
}

/** Starts readfirst: store, bus, every module in order, then the HTTP server on the route table. */
export async function startApp(config: Config, opts: StartOptions = {}): Promise<App> {
  const logger = opts.logger ?? createLogger(config.log.level);
  const dataDir = resolve(config.dataDir);
  const db = await openDb({ databaseUrl: config.databaseUrl, sqlitePath: join(dataDir, 'readfirst.db') });
  const bus = new InMemoryBus((event, err) => logger.error({ err, event }, 'event handler failed'));
  const services: AppServices = {};
  const ctx: AppContext = {
    config: { ...config, dataDir },
    logger,
    db,
    bus,
    clock: opts.clock ?? systemClock,
    metrics: new Registry(),
    services,
  };
  const modules: AppModule[] = [];
  const closeAll = async (): Promise<void> => {
    for (const m of [...modules].reverse()) {
      try {
        await m.close?.();
      } catch (err) {
        logger.error({ err, module: m.name }, 'module close failed');
      }
    }
    await bus.idle();
    await db.close();
  };
  let http: FastifyInstance;
  try {
    for (const factory of opts.modules ?? moduleFactories) modules.push(await factory(ctx));
    const routes: RouteDef[] = modules.flatMap((m) => m.routes ?? []);
    const guard =
      services.guard ??
      (async (_req, route: RouteDef) => {
        if (route.access !== 'public') throw new ReadfirstError('unauthenticated', 'sign in required');
      });
    http = createHttpServer(routes, {
      logger,
      maxUploadBytes: config.http.maxUploadBytes,
      guard,
      ...(services.routeAudit ? { audit: services.routeAudit } : {}),
      requestTimeoutMs: config.http.requestTimeoutMs,
      ...httpsOptions(config),
    });
    if (opts.listen !== false) await http.listen({ host: config.http.host, port: config.http.port });
  } catch (e) {
    await closeAll();
    throw e;
  }
  logger.info({ http: `${config.http.host}:${config.http.port}`, database: db.dialect, modules: modules.map((m) => m.name) }, 'readfirst started');
  return {
    ctx,
    http,
    modules,
    httpPort() {
      const addr = http.server.address();
      return typeof addr === 'object' && addr ? addr.port : config.http.port;
    },
    async close() {
      await http.close();
      await closeAll();
    },
  };
}

import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../core/clock.ts';
import type { EventBus } from '../events/bus.ts';
import type { AccessGuard } from '../http/server.ts';
import type { RouteDef } from '../http/route.ts';
import type { Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';

/** What every domain module is given at start: shared infrastructure, never another module's internals. */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Db;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly metrics: Registry;
  /** Read-only view of services other modules published (see `AppServices`). */
  readonly services: AppServices;
}

/**
 * Services a module publishes for others, set during start in dependency order. Kept small and
 * typed: a module reaches another only through these interfaces or through events.
 */
export interface AppServices {
  guard?: AccessGuard;
  [name: string]: unknown;
}

/** A started domain module: its routes, and how to stop it. Modules close in reverse order. */
export interface AppModule {
  name: string;
  routes?: readonly RouteDef[];
  close?: () => Promise<void>;
}

export type ModuleFactory = (ctx: AppContext) => Promise<AppModule>;

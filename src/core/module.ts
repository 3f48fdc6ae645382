import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Clock } from './clock.ts';
import type { EventBus } from '../events/bus.ts';
import type { RouteDef } from '../http/route.ts';
import type { Logger } from '../log/logger.ts';
import type { Db } from '../store/db.ts';
import type { Migration } from '../store/migrate.ts';

/** Shared infrastructure every module is given at start; never another module's internals. */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly db: Db;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly metrics: Registry;
}

/** What a module that offers nothing to others provides. */
export type NoServices = Record<never, never>;

/** A started module: what it offers the modules started after it, its routes, and how it stops. */
export interface StartedModule<Provides> {
  /** Passed on explicitly by the composition root (src/app/modules.ts) to the modules that need it. */
  provides: Provides;
  routes?: readonly RouteDef[];
  /**
   * Shutdown, first phase (all modules at once): stop accepting new work at once (listeners,
   * queues), then finish what is in flight. The app bounds it in time.
   */
  drain?: () => Promise<void>;
  /** Shutdown, second phase (reverse start order): release resources. */
  close?: () => Promise<void>;
}

/**
 * A domain module, declared as data: its name, the schema it needs, and how it starts from the
 * shared infrastructure plus its typed dependencies `Deps`. A dependency left out where the
 * composition root starts it is a compile error, never a failure at the first request.
 */
export interface ModuleDef<Deps, Provides> {
  readonly name: string;
  /** This module's tables; applied (once, by id) before `start`. */
  readonly migrations?: readonly Migration[];
  start(ctx: AppContext, deps: Deps): Promise<StartedModule<Provides>>;
}

/** Identity helper that keeps `Deps` and `Provides` inferred from `start`. */
export function defineModule<Deps, Provides>(def: ModuleDef<Deps, Provides>): ModuleDef<Deps, Provides> {
  return def;
}

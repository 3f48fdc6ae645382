import type { RouteDef } from '../http/route.ts';
import { migrate } from '../store/migrate.ts';
import type { AppContext, ModuleDef, StartedModule } from '../core/module.ts';

interface Running {
  name: string;
  started: StartedModule<unknown>;
}

/**
 * Starts modules one by one for the composition root: applies each module's migrations, starts
 * it with the dependencies it was handed, and remembers it so that its routes are served and it
 * is drained and closed in reverse order.
 */
export class ModuleRunner {
  private readonly running: Running[] = [];

  constructor(readonly ctx: AppContext) {}

  async start<Deps, Provides>(def: ModuleDef<Deps, Provides>, deps: Deps): Promise<Provides> {
    if (this.running.some((r) => r.name === def.name)) throw new Error(`module ${def.name} started twice`);
    if (def.migrations?.length) await migrate(this.ctx.db, def.migrations);
    const started = await def.start(this.ctx, deps);
    this.running.push({ name: def.name, started });
    return started.provides;
  }

  names(): string[] {
    return this.running.map((r) => r.name);
  }

  routes(): RouteDef[] {
    return this.running.flatMap((r) => r.started.routes ?? []);
  }

  /**
   * First shutdown phase, every module at once: each stops taking work straight away (the DICOM
   * port must not wait for the analysis queue to settle), then finishes what it has in flight.
   * A failing module is reported and the rest go on.
   */
  async drain(onError: (err: unknown, module: string) => void): Promise<void> {
    await Promise.all(
      this.running.map(async (r) => {
        try {
          await r.started.drain?.();
        } catch (err) {
          onError(err, r.name);
        }
      }),
    );
  }

  async close(onError: (err: unknown, module: string) => void): Promise<void> {
    for (const r of this.running.splice(0).reverse()) {
      try {
        await r.started.close?.();
      } catch (err) {
        onError(err, r.name);
      }
    }
  }
}

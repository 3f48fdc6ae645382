import type { Command } from 'commander';
import type { App } from '../../app/app.ts';
import { startApp } from '../../app/app.ts';
import { loadConfig } from '../../config/load.ts';
import { runDemo } from '../../simulate/demo.ts';

export interface DemoFlags {
  demoCount?: string;
  demoInterval?: string;
}

/** Streams the demo into a started app (shared by `readfirst demo` and `serve --demo`). */
export async function startDemo(app: App, folder: string | undefined, flags: DemoFlags): Promise<void> {
  await runDemo(app, {
    ...(folder ? { folder } : {}),
    count: Number(flags.demoCount ?? 20),
    intervalMs: Number(flags.demoInterval ?? 3000),
    write: (l) => process.stdout.write(l),
  });
  process.stdout.write('demo: all studies sent; the server keeps running (Ctrl-C to stop)\n');
}

/** `readfirst demo [folder]`: start the server and stream studies into it so the worklist re-ranks live. */
export function registerDemo(program: Command): void {
  program
    .command('demo [folder]')
    .description('run the server and stream studies into it (folder, else ../shared/data, else SYNTHETIC phantoms)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('--demo-count <n>', 'studies to send', '20')
    .option('--demo-interval <ms>', 'pause between studies', '3000')
    .action(async (folder: string | undefined, opts: DemoFlags & { config?: string }) => {
      const app = await startApp(loadConfig(opts.config ? { file: opts.config } : {}));
      const stop = async (): Promise<void> => {
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      await startDemo(app, folder, opts);
    });
}

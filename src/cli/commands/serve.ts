import type { Command } from 'commander';
import { startApp } from '../../app/app.ts';
import { loadConfig } from '../../config/load.ts';
import { issueToken } from '../../security/token-routes.ts';
import { type DemoFlags, serverUrlOf, streamDemo } from './demo.ts';

/** `readfirst serve`: run the server until SIGINT/SIGTERM. */
export function registerServe(program: Command): void {
  program
    .command('serve', { isDefault: true })
    .description('run the readfirst server (DIMSE, DICOMweb, worklist, web app)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('--demo [folder]', 'also stream demo studies into the server (see `readfirst demo`)')
    .option('--demo-count <n>', 'demo studies to send', '20')
    .option('--demo-interval <ms>', 'pause between demo studies', '3000')
    .action(async (opts: { config?: string; demo?: string | boolean } & DemoFlags) => {
      const config = loadConfig(opts.config ? { file: opts.config } : {});
      const app = await startApp(config);
      const stop = async (): Promise<void> => {
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
      if (opts.demo) {
        // The in-process demo is a modality like any other: it gets a one-day STOW token of its own.
        const { token } = await issueToken({ users: app.services.security.users, tokens: app.services.security.tokens }, { account: 'demo', scopes: ['dicomweb:write'], ttlDays: 1 });
        await streamDemo(serverUrlOf(config, app.httpPort()), typeof opts.demo === 'string' ? opts.demo : undefined, { ...opts, token });
      }
    });
}

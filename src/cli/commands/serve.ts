import type { Command } from 'commander';
import { startApp } from '../../app/app.ts';
import { loadConfig } from '../../config/load.ts';

/** `readfirst serve`: run the server until SIGINT/SIGTERM. */
export function registerServe(program: Command): void {
  program
    .command('serve', { isDefault: true })
    .description('run the readfirst server (DIMSE, DICOMweb, worklist, web app)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .action(async (opts: { config?: string }) => {
      const config = loadConfig(opts.config ? { file: opts.config } : {});
      const app = await startApp(config);
      const stop = async (): Promise<void> => {
        await app.close();
        process.exit(0);
      };
      process.once('SIGINT', () => void stop());
      process.once('SIGTERM', () => void stop());
    });
}

import type { Command } from 'commander';
import { startApp } from '../../app/app.ts';
import { assertRoleSupported, parseRole, ROLES } from '../../cluster/role.ts';
import { loadConfig } from '../../config/load.ts';
import { issueToken } from '../../security/token-routes.ts';
import { type DemoFlags, serverUrlOf, streamDemo } from './demo.ts';

/**
 * Past this, shutdown gives up waiting and exits anyway. Nothing acknowledged is lost by that:
 * every acknowledgement followed the journal's fdatasync, and start-up replays the journal.
 */
const EXIT_DEADLINE_MS = 9000;

/** `readfirst serve`: run the server until SIGINT/SIGTERM, then shut down within 10 s. */
export function registerServe(program: Command): void {
  program
    .command('serve', { isDefault: true })
    .description('run the readfirst server (DIMSE, DICOMweb, worklist, web app)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('--role <role>', `process role: ${ROLES.join('|')} (split roles need PostgreSQL; README "Scaling out")`, 'all')
    .option('--demo [folder]', 'also stream demo studies into the server (see `readfirst demo`)')
    .option('--demo-count <n>', 'demo studies to send', '20')
    .option('--demo-interval <ms>', 'pause between demo studies', '3000')
    .action(async (opts: { config?: string; role: string; demo?: string | boolean } & DemoFlags) => {
      const role = parseRole(opts.role);
      const config = loadConfig(opts.config ? { file: opts.config } : {});
      assertRoleSupported(role, config);
      const app = await startApp(config, { role });
      const demo = new AbortController();
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) {
          // A second Ctrl-C: stop now (acknowledged instances are already durable).
          app.ctx.logger.warn({ signal }, 'second signal: exiting without waiting');
          process.exit(130);
        }
        stopping = true;
        demo.abort();
        app.ctx.logger.info({ signal }, 'shutting down');
        setTimeout(() => {
          app.ctx.logger.error(
            { deadlineMs: EXIT_DEADLINE_MS },
            'shutdown did not finish in time: exiting (the ingest journal is replayed at start)',
          );
          process.exit(1);
        }, EXIT_DEADLINE_MS).unref();
        app.close().then(
          () => process.exit(0),
          (err: unknown) => {
            app.ctx.logger.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      if (opts.demo) {
        // The in-process demo is a modality like any other: it gets a one-day STOW token of its own.
        if (!app.services.plan.accept)
          throw new Error(`--demo streams studies in: run it on a process that ingests (role all or ingest), not ${role}`);
        const { token } = await issueToken(
          { users: app.services.security.users, tokens: app.services.security.tokens },
          { account: 'demo', scopes: ['dicomweb:write'], ttlDays: 1 },
        );
        await streamDemo(
          serverUrlOf(config, app.httpPort()),
          typeof opts.demo === 'string' ? opts.demo : undefined,
          { ...opts, token },
          demo.signal,
        );
      }
    });
}

import type { Command } from 'commander';
import { SCOPES } from '../../security/scopes.ts';
import { issueToken } from '../../security/token-routes.ts';
import { openSecurityContext } from './security-context.ts';

const collect = (v: string, acc: string[]): string[] => [...acc, v];

/** `readfirst token create|list|revoke`: scoped API tokens of service accounts (OHIF, Orthanc, Prometheus). */
export function registerToken(program: Command): void {
  const token = program.command('token').description('API tokens for service accounts (DICOMweb clients, scrapers)');
  token
    .command('create')
    .description(
      `issue a token; the secret is printed once. Scopes: ${Object.entries(SCOPES)
        .map(([s, d]) => `${s} (${d})`)
        .join('; ')}`,
    )
    .requiredOption('--account <name>', 'service account (created when new), e.g. orthanc, ohif, prometheus')
    .option('--scope <scope>', 'scope to grant; repeatable', collect, [])
    .option('--days <n>', 'lifetime in days (at most 366)', '90')
    .option('--name <label>', 'what the token is for')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .action(async (opts: { account: string; scope: string[]; days: string; name?: string; config?: string }) => {
      const ctx = await openSecurityContext(opts.config);
      try {
        const issued = await issueToken(ctx, { account: opts.account, name: opts.name, scopes: opts.scope, ttlDays: Number(opts.days) });
        await ctx.audit({
          action: 'token.changed',
          objectType: 'token',
          objectId: issued.tokenId,
          detail: { change: 'issued', account: issued.account, scopes: issued.scopes, expiresAt: issued.expiresAt },
        });
        process.stderr.write(
          `token ${issued.tokenId} for ${issued.account} (${issued.scopes.join(', ')}), expires ${new Date(issued.expiresAt).toISOString()}\n`,
        );
        process.stdout.write(`${issued.token}\n`);
      } finally {
        await ctx.close();
      }
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .action(async (opts: { config?: string }) => {
      const ctx = await openSecurityContext(opts.config);
      try {
        const names = new Map((await ctx.users.list()).map((u) => [u.userId, u.username]));
        for (const t of await ctx.tokens.list()) {
          const state = t.revokedAt !== null ? 'revoked' : t.expiresAt <= Date.now() ? 'expired' : 'live';
          process.stdout.write(
            `${t.tokenId}\t${names.get(t.userId) ?? '?'}\t${t.scopes.join(',')}\t${state}\texpires ${new Date(t.expiresAt).toISOString()}\n`,
          );
        }
      } finally {
        await ctx.close();
      }
    });
  token
    .command('revoke <id>')
    .description('revoke a token; it is refused from its next request')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .action(async (id: string, opts: { config?: string }) => {
      const ctx = await openSecurityContext(opts.config);
      try {
        await ctx.tokens.revoke(id);
        await ctx.audit({ action: 'token.changed', objectType: 'token', objectId: id, detail: { change: 'revoked' } });
        process.stdout.write(`revoked ${id}\n`);
      } finally {
        await ctx.close();
      }
    });
}

import { z } from 'zod';
import { ReadfirstError } from '../core/errors.ts';
import type { RouteDef } from '../http/route.ts';
import { ACCESS } from '../http/access-rules.ts';
import type { ApiTokenStore } from './api-tokens.ts';
import type { Auditor } from './audit/auditor.ts';
import { requirePrincipal } from './guard.ts';
import { parseBody } from './routes.ts';
import { parseScopes } from './scopes.ts';
import type { UserStore } from './users.ts';

const DAY = 24 * 3600_000;
/** Tokens live at most a year: a forgotten token must die on its own. */
export const MAX_TOKEN_DAYS = 366;

const newTokenBody = z
  .object({
    account: z.string().min(2).max(64),
    name: z.string().max(128).optional(),
    scopes: z.array(z.string()).min(1),
    ttlDays: z.number().positive().max(MAX_TOKEN_DAYS).default(90),
  })
  .strict();

/** Issues a token for a service account, creating the account on first use. */
export async function issueToken(
  deps: { users: UserStore; tokens: ApiTokenStore },
  input: { account: string; name?: string | undefined; scopes: readonly string[]; ttlDays: number },
): Promise<{ token: string; tokenId: string; account: string; scopes: string[]; expiresAt: number }> {
  const scopes = parseScopes(input.scopes);
  if (!(input.ttlDays > 0 && input.ttlDays <= MAX_TOKEN_DAYS))
    throw new ReadfirstError('invalid-input', `token lifetime must be 1-${MAX_TOKEN_DAYS} days`);
  const account = (await deps.users.findByUsername(input.account)) ?? (await deps.users.createServiceAccount({ username: input.account }));
  if (!account.roles.includes('service'))
    throw new ReadfirstError('invalid-input', `${account.username} is a person, not a service account: tokens are for service accounts`);
  const { token, info } = await deps.tokens.create({
    userId: account.userId,
    name: input.name ?? account.username,
    scopes,
    ttlMs: input.ttlDays * DAY,
  });
  return { token, tokenId: info.tokenId, account: account.username, scopes, expiresAt: info.expiresAt };
}

/** API-token administration (admin): list, issue (the secret is shown once), revoke. */
export function tokenRoutes(deps: { users: UserStore; tokens: ApiTokenStore; auditor: Auditor }): RouteDef[] {
  return [
    {
      method: 'GET',
      url: '/api/tokens',
      access: ACCESS.admin,
      summary: 'list API tokens (never their secrets)',
      handler: async () => {
        const names = new Map((await deps.users.list()).map((u) => [u.userId, u.username]));
        return (await deps.tokens.list()).map((t) => ({ ...t, account: names.get(t.userId) ?? null }));
      },
    },
    {
      method: 'POST',
      url: '/api/tokens',
      access: ACCESS.admin,
      summary: 'issue a scoped API token for a service account; the secret is in this answer only',
      handler: async (req, reply) => {
        const body = parseBody(newTokenBody, req.body);
        const issued = await issueToken(deps, body);
        const me = requirePrincipal(req);
        await deps.auditor.record({
          action: 'token.changed',
          outcome: 'success',
          actor: me.username,
          actorRoles: me.roles.join(','),
          source: req.ip,
          objectType: 'token',
          objectId: issued.tokenId,
          detail: { change: 'issued', account: issued.account, scopes: issued.scopes, expiresAt: issued.expiresAt },
        });
        return reply.status(201).send(issued);
      },
    },
    {
      method: 'DELETE',
      url: '/api/tokens/:id',
      access: ACCESS.admin,
      summary: 'revoke an API token (effective on its next request)',
      handler: async (req) => {
        const id = String((req.params as { id?: string }).id ?? '');
        await deps.tokens.revoke(id);
        const me = requirePrincipal(req);
        await deps.auditor.record({
          action: 'token.changed',
          outcome: 'success',
          actor: me.username,
          actorRoles: me.roles.join(','),
          source: req.ip,
          objectType: 'token',
          objectId: id,
          detail: { change: 'revoked' },
        });
        return { revoked: id };
      },
    },
  ];
}

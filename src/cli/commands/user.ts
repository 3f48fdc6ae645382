import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ReadfirstError } from '../../core/errors.ts';
import { parseRoles, type UserStore } from '../../security/users.ts';
import { type SecurityContext, openSecurityContext } from './security-context.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** Asks on the terminal without echoing what is typed. */
function prompt(question: string): Promise<string> {
  if (!process.stdin.isTTY) throw new ReadfirstError('invalid-input', 'no terminal to ask for a password: use --password-stdin');
  return new Promise((resolvePw) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const out = rl as unknown as { _writeToOutput: (s: string) => void };
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolvePw(answer);
    });
    // The question is already written; mute the echo of what is typed after it.
    out._writeToOutput = () => undefined;
  });
}

async function askPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) return readStdin();
  const first = await prompt('password: ');
  const again = await prompt('again: ');
  if (first !== again) throw new ReadfirstError('invalid-input', 'the passwords differ');
  return first;
}

interface AddOptions {
  config?: string;
  admin?: boolean;
  role: string[];
  displayName?: string;
  passwordStdin?: boolean;
}

/** `readfirst user add|passwd|list`: manage sign-in accounts. There is no default password. */
export function registerUser(program: Command): void {
  const user = program.command('user').description('manage users and roles');
  const open = async (configFile?: string): Promise<SecurityContext & { store: UserStore }> => {
    const ctx = await openSecurityContext(configFile);
    return { ...ctx, store: ctx.users };
  };
  user
    .command('add <username>')
    .description('create a user; --admin for an administrator (the first one is made this way)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('--admin', 'give the admin role')
    .option(
      '--role <role>',
      'role to give (radiologist, technologist, admin, auditor); repeatable',
      (v: string, acc: string[]) => [...acc, v],
      [],
    )
    .option('--display-name <name>', 'name shown in the app and on signed reports')
    .option('--password-stdin', 'read the password from standard input instead of asking')
    .action(async (username: string, opts: AddOptions) => {
      const roles = parseRoles([
        ...opts.role,
        ...(opts.admin ? ['admin'] : []),
        ...(opts.role.length === 0 && !opts.admin ? ['radiologist'] : []),
      ]);
      const password = await askPassword(opts.passwordStdin === true);
      const { store, close, audit } = await open(opts.config);
      try {
        const u = await store.create({ username, password, roles, ...(opts.displayName ? { displayName: opts.displayName } : {}) });
        await audit({ action: 'user.changed', objectType: 'user', objectId: u.username, detail: { change: 'created', roles: u.roles } });
        process.stdout.write(`created ${u.username} (${u.roles.join(', ')})\n`);
      } finally {
        await close();
      }
    });
  user
    .command('passwd <username>')
    .description("set a user's password")
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('--password-stdin', 'read the password from standard input instead of asking')
    .action(async (username: string, opts: { config?: string; passwordStdin?: boolean }) => {
      const password = await askPassword(opts.passwordStdin === true);
      const { store, sessions, close, audit } = await open(opts.config);
      try {
        const userId = await store.setPassword(username, password);
        // A new password ends every session: whoever held the old one is signed out.
        await sessions.revokeAllFor(userId);
        await audit({
          action: 'user.changed',
          objectType: 'user',
          objectId: username.toLowerCase(),
          detail: { change: 'password', sessionsRevoked: true },
        });
        process.stdout.write(`password set for ${username}; their sessions ended\n`);
      } finally {
        await close();
      }
    });
  user
    .command('list')
    .description('list users and roles')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .action(async (opts: { config?: string }) => {
      const { store, close } = await open(opts.config);
      try {
        for (const u of await store.list()) process.stdout.write(`${u.username}\t${u.roles.join(',')}${u.disabled ? '\tdisabled' : ''}\n`);
      } finally {
        await close();
      }
    });
}

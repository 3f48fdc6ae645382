import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import { systemClock } from '../../core/clock.ts';
import { ReadfirstError } from '../../core/errors.ts';
import { parseRoles, UserStore } from '../../security/users.ts';
import { allMigrations } from '../../app/modules.ts';
import { openDb } from '../../store/open.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
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
  const open = async (configFile?: string): Promise<{ store: UserStore; close: () => Promise<void> }> => {
    const config = loadConfig(configFile ? { file: configFile } : {});
    const db = await openDb({ databaseUrl: config.databaseUrl, sqlitePath: join(resolve(config.dataDir), 'readfirst.db'), migrations: allMigrations });
    return { store: new UserStore(db, systemClock), close: () => db.close() };
  };
  user
    .command('add <username>')
    .description('create a user; --admin for an administrator (the first one is made this way)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON)')
    .option('--admin', 'give the admin role')
    .option('--role <role>', 'role to give (radiologist, admin, service); repeatable', (v: string, acc: string[]) => [...acc, v], [])
    .option('--display-name <name>', 'name shown in the app and on signed reports')
    .option('--password-stdin', 'read the password from standard input instead of asking')
    .action(async (username: string, opts: AddOptions) => {
      const roles = parseRoles([...opts.role, ...(opts.admin ? ['admin'] : []), ...(opts.role.length === 0 && !opts.admin ? ['radiologist'] : [])]);
      const password = await askPassword(opts.passwordStdin === true);
      const { store, close } = await open(opts.config);
      try {
        const u = await store.create({ username, password, roles, ...(opts.displayName ? { displayName: opts.displayName } : {}) });
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
      const { store, close } = await open(opts.config);
      try {
        await store.setPassword(username, password);
        process.stdout.write(`password set for ${username}\n`);
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

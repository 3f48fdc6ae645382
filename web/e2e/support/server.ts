import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../../test/support/server-process.ts';

/** The repository root, from this file's place in it. */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const CLI = join(REPO, 'src/cli/readfirst.ts');

/** ../shared (real DICOM samples), overridable with READFIRST_SHARED_DIR; never copied into the repo. */
export const SHARED_DIR = resolve(REPO, process.env.READFIRST_SHARED_DIR ?? '../shared');
export const SAMPLES = join(SHARED_DIR, 'data/dicom-samples');

/** Newest modification time under a path (file or folder). */
function newest(path: string): number {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(s.mtimeMs, ...readdirSync(path).map((f) => newest(join(path, f))));
}

function builtIsFresh(): boolean {
  const index = join(REPO, 'web/dist/index.html');
  const sources = ['web/src', 'web/index.html', 'web/vite.config.ts'].map((p) => newest(join(REPO, p)));
  return existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources);
}

const sleep = (ms: number): void => void Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Builds web/dist when it is missing or older than its sources (vite is heavy: never in a loop).
 * Test files run in parallel workers: a lock folder lets one build while the others wait.
 */
export function ensureWebBuilt(): void {
  const lock = join(REPO, 'web/.build-lock');
  for (;;) {
    if (builtIsFresh()) return;
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else is building; a lock older than 5 minutes belongs to a dead process.
      if (existsSync(lock) && Date.now() - statSync(lock).mtimeMs > 300_000) rmSync(lock, { recursive: true, force: true });
      sleep(500);
    }
  }
  try {
    if (builtIsFresh()) return;
    const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build failed');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export interface ServerHandle {
  base: string;
  dataDir: string;
  env: NodeJS.ProcessEnv;
  /** Runs `readfirst <args>` against the same configuration, with `stdin` piped in. */
  cli(args: string[], stdin?: string): string;
  stop(): Promise<void>;
  /** Kills the server (SIGKILL: no goodbye to its clients), as a crash or a pulled cable would. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data folder. */
  restart(): Promise<void>;
}

/** Only our READFIRST_* keys reach the server: it refuses unknown ones. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('READFIRST_')) env[k] = v;
  return env;
}

/**
 * Starts the real server (`readfirst serve`) in a child process on a free port with a fresh data
 * folder and SQLite store; `config` adds READFIRST_* settings.
 */
export async function startServer(
  config: Record<string, string> = {},
  before?: (h: Pick<ServerHandle, 'dataDir' | 'env' | 'cli'>) => void | Promise<void>,
): Promise<ServerHandle> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rf-e2e-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...cleanEnv(),
    READFIRST_DATA_DIR: dataDir,
    READFIRST_HTTP_PORT: String(port),
    READFIRST_HTTP_HOST: '127.0.0.1',
    READFIRST_DIMSE_ENABLED: 'false',
    READFIRST_LOG_LEVEL: 'warn',
    ...config,
  };
  const cli = (args: string[], stdin?: string): string => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO, env, input: stdin ?? '', encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`readfirst ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  };
  await before?.({ dataDir, env, cli });
  const base = `http://127.0.0.1:${port}`;
  const boot = async (): Promise<ChildProcess> => {
    const c: ChildProcess = spawn(process.execPath, ['--import', 'tsx', CLI, 'serve'], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (c.exitCode !== null) throw new Error(`server exited with ${c.exitCode}`);
      try {
        if ((await fetch(`${base}/healthz`)).ok) return c;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error('server did not start within 60 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  let child = await boot();
  const end = (signal: NodeJS.Signals): Promise<void> =>
    new Promise<void>((ok) => {
      if (child.exitCode !== null || child.signalCode !== null) return ok();
      child.once('exit', () => ok());
      child.kill(signal);
    });
  return {
    base,
    dataDir,
    env,
    cli,
    stop: () => end('SIGTERM'),
    kill: () => end('SIGKILL'),
    restart: async () => {
      await end('SIGTERM');
      child = await boot();
    },
  };
}

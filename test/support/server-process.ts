import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** A free loopback TCP port (bound and released). */
export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  httpPort: number;
  dimsePort: number;
  /** Everything the server wrote to stdout so far (its pino log lines). */
  stdout(): string;
}

/** Starts `readfirst serve` as a child process configured by READFIRST_* variables; resolves once /healthz answers. */
export async function startServerProcess(
  env: Record<string, string>,
  ports?: { http: number; dimse: number },
  nodeArgs: readonly string[] = [],
  serveArgs: readonly string[] = [],
): Promise<ServerProcess> {
  const httpPort = ports?.http ?? (await freePort());
  const dimsePort = ports?.dimse ?? (await freePort());
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', 'src/cli/readfirst.ts', 'serve', ...serveArgs], {
    cwd: repoRoot,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('READFIRST_'))),
      READFIRST_HTTP_HOST: '127.0.0.1',
      READFIRST_HTTP_PORT: String(httpPort),
      READFIRST_DIMSE_HOST: '127.0.0.1',
      READFIRST_DIMSE_PORT: String(dimsePort),
      READFIRST_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  // Always drained: a full pipe would block the server.
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${stderr}`);
    try {
      const r = await fetch(`http://127.0.0.1:${httpPort}/healthz`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`server not ready: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, httpPort, dimsePort, stdout: () => stdout };
}

/** Runs one `readfirst <args>` command to its end, configured by READFIRST_* variables. */
export async function runReadfirst(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/readfirst.ts', ...args], {
    cwd: repoRoot,
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('READFIRST_'))),
      READFIRST_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Stops the child by its PID with `signal` and waits for it to exit. */
export async function stopServerProcess(p: ServerProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((r) => p.child.once('exit', () => r()));
  p.child.kill(signal);
  await exited;
}

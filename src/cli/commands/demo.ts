import type { Command } from 'commander';
import { loadConfig } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';
import { runDemo } from '../../simulate/demo.ts';

export interface DemoFlags {
  demoCount?: string;
  demoInterval?: string;
  /** API token with `dicomweb:write` (`readfirst token create --account demo --scope dicomweb:write --days 1`). */
  token?: string;
}

/** The URL a local client reaches the configured server at (a wildcard bind is reached on loopback). */
export function serverUrlOf(config: Config, port = config.http.port): string {
  const host = ['0.0.0.0', '::', ''].includes(config.http.host) ? '127.0.0.1' : config.http.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** Streams the demo into the server at `server` (shared by `readfirst demo` and `serve --demo`). */
export async function streamDemo(server: string, folder: string | undefined, flags: DemoFlags, signal?: AbortSignal): Promise<void> {
  const r = await runDemo({
    server,
    ...(folder ? { folder } : {}),
    count: Number(flags.demoCount ?? 20),
    intervalMs: Number(flags.demoInterval ?? 3000),
    write: (l) => process.stdout.write(l),
    ...(signal ? { signal } : {}),
    ...(flags.token ? { token: flags.token } : {}),
  });
  process.stdout.write(`demo: ${r.sent} studies sent${r.failed ? `, ${r.failed} failed` : ''}\n`);
}

/** `readfirst demo [folder]`: stream studies into a running server so its worklist re-ranks live. */
export function registerDemo(program: Command): void {
  program
    .command('demo [folder]')
    .description('stream studies into a running server over STOW-RS (folder, else ../shared/data, else SYNTHETIC phantoms)')
    .option('-c, --config <file>', 'configuration file (YAML or JSON): the server address is read from it')
    .option('--server <url>', 'the running server (default: from the configuration)')
    .option('--demo-count <n>', 'studies to send', '20')
    .option('--demo-interval <ms>', 'pause between studies', '3000')
    .option(
      '--token <token>',
      'API token with the dicomweb:write scope (readfirst token create --account demo --scope dicomweb:write --days 1)',
    )
    .action(async (folder: string | undefined, opts: DemoFlags & { config?: string; server?: string }) => {
      const server = opts.server ?? serverUrlOf(loadConfig(opts.config ? { file: opts.config } : {}));
      const abort = new AbortController();
      process.once('SIGINT', () => abort.abort());
      await streamDemo(server, folder, opts, abort.signal);
    });
}

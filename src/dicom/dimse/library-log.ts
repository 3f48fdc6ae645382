import dimse from 'dcmjs-dimse';
import type { Logger } from '../../log/logger.ts';

const text = (args: unknown[]): string =>
  args.map((a) => (a instanceof Error ? a.message : typeof a === 'string' ? a : JSON.stringify(a))).join(' ');

/**
 * Sends dcmjs-dimse's own log (loglevel, which prints "<time> -- ERROR -- …" to the console)
 * through pino instead, so the server's stdout stays JSON lines. Its per-connection info lines
 * are dropped (level warn); readfirst logs associations itself. The library's logger is global:
 * the last server started wins, which is the one running.
 */
export function routeDimseLog(logger: Logger): void {
  const log = logger.child({ lib: 'dcmjs-dimse' });
  dimse.log.methodFactory =
    (method) =>
    (...args: unknown[]) =>
      log[method](text(args));
  // loglevel rebuilds its methods from the factory when the level is set.
  dimse.log.setLevel('warn');
}

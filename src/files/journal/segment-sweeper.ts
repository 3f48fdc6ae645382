import { syncFiles } from '../durable-write.ts';
import type { SealedSegment } from './ingest-journal.ts';

export interface SweeperDeps {
  /** Makes metadata recorded so far durable (a database checkpoint); runs before a segment retires. */
  beforeRetire: () => Promise<void>;
  retire: (seq: number) => Promise<void>;
  onError: (err: unknown, seq: number) => void;
}

/**
 * Retires sealed journal segments, oldest first: waits for each record's file write, syncs those
 * files and their folders, makes the database durable, then drops the segment. If anything
 * fails the segment stays, and start-up replays it.
 */
export class SegmentSweeper {
  private chain: Promise<void> = Promise.resolve();
  constructor(private readonly deps: SweeperDeps) {}

  readonly onSealed = (s: SealedSegment): void => {
    this.chain = this.chain.then(() => this.sweep(s));
  };

  /** Resolves when every segment sealed so far has been swept. */
  idle(): Promise<void> {
    return this.chain;
  }

  private async sweep(s: SealedSegment): Promise<void> {
    try {
      const paths = await Promise.all(s.work);
      await syncFiles(paths.filter((p): p is string => typeof p === 'string'));
      await this.deps.beforeRetire();
      await this.deps.retire(s.seq);
    } catch (e) {
      this.deps.onError(e, s.seq);
    }
  }
}

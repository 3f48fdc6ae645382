import type { Db } from '../../store/db.ts';

export type PushState = 'pending' | 'delivered' | 'failed';

export interface PushItem {
  key: string;
  attempts: number;
  nextAt: number;
}

export interface PushStatus {
  state: PushState;
  attempts: number;
  lastError: string | null;
}

/** One channel's rows of the push queue (`report_push`), over the Db seam. */
export class PushQueue {
  constructor(
    private readonly db: Db,
    readonly channel: string,
  ) {}

  /** Queues a key, or queues it again with its attempts reset (new content to send). */
  async enqueue(key: string, at: number): Promise<void> {
    await this.db.run(
      `INSERT INTO report_push (channel, item_key, state, attempts, next_at, last_error, updated_at) VALUES ($1, $2, 'pending', 0, $3, NULL, $3)
       ON CONFLICT (channel, item_key) DO UPDATE SET state = 'pending', attempts = 0, next_at = excluded.next_at, last_error = NULL, updated_at = excluded.updated_at`,
      [this.channel, key, at],
    );
  }

  /**
   * Claims up to `limit` due items for `leaseMs`: their next attempt moves past the lease, so
   * another process's loop (several workers of a scaled-out deployment) skips them, and a
   * process killed mid-send leaves them to be retried once the lease has passed. Under
   * PostgreSQL a racing claim re-checks `next_at` after the winner commits and gets nothing.
   */
  async due(now: number, limit = 20, leaseMs = 60_000): Promise<PushItem[]> {
    const rows = await this.db.query<{ item_key: string; attempts: number; next_at: number }>(
      `UPDATE report_push SET next_at = $3 WHERE channel = $1 AND state = 'pending' AND next_at <= $2 AND item_key IN (
         SELECT item_key FROM report_push WHERE channel = $1 AND state = 'pending' AND next_at <= $2 ORDER BY next_at, item_key LIMIT ${limit}
       ) RETURNING item_key, attempts, next_at`,
      [this.channel, now, now + leaseMs],
    );
    return rows
      .map((r) => ({ key: r.item_key, attempts: Number(r.attempts), nextAt: Number(r.next_at) }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async nextAt(): Promise<number | undefined> {
    const rows = await this.db.query<{ t: number | null }>(
      `SELECT MIN(next_at) AS t FROM report_push WHERE channel = $1 AND state = 'pending'`,
      [this.channel],
    );
    const t = rows[0]?.t;
    return t === null || t === undefined ? undefined : Number(t);
  }

  async delivered(key: string, at: number): Promise<void> {
    await this.db.run(
      `UPDATE report_push SET state = 'delivered', attempts = attempts + 1, last_error = NULL, updated_at = $3 WHERE channel = $1 AND item_key = $2`,
      [this.channel, key, at],
    );
  }

  /** Records a failed attempt; `retryAt` undefined gives up (state 'failed'). */
  async failed(key: string, error: string, at: number, retryAt: number | undefined): Promise<void> {
    await this.db.run(
      `UPDATE report_push SET state = $3, attempts = attempts + 1, next_at = $4, last_error = $5, updated_at = $6 WHERE channel = $1 AND item_key = $2`,
      [this.channel, key, retryAt === undefined ? 'failed' : 'pending', retryAt ?? at, error.slice(0, 500), at],
    );
  }

  async status(key: string): Promise<PushStatus | undefined> {
    const rows = await this.db.query<{ state: PushState; attempts: number; last_error: string | null }>(
      'SELECT state, attempts, last_error FROM report_push WHERE channel = $1 AND item_key = $2',
      [this.channel, key],
    );
    const r = rows[0];
    return r ? { state: r.state, attempts: Number(r.attempts), lastError: r.last_error } : undefined;
  }
}

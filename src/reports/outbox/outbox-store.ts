import { type Db, queryOne, type Row } from '../../store/db.ts';

/** What the outbox carries: a DICOM Part-10 object, or a study's urgency for a PACS that can sort by it. */
export type OutboxKind = 'sr' | 'kos' | 'heatmap' | 'urgency';

export interface OutboxObject {
  /** SOP Instance UID for DICOM objects; `urgency:<StudyInstanceUID>` for the urgency. */
  id: string;
  studyInstanceUid: string;
  kind: OutboxKind;
  contentType: 'application/dicom' | 'application/json';
  sopClassUid: string | null;
  seriesInstanceUid: string | null;
  description: string;
  body: Buffer;
}

export type DeliveryState = 'pending' | 'delivered' | 'failed';

export interface ClaimedDelivery {
  object: OutboxObject;
  destination: string;
  version: number;
  /** This attempt's number (1 for the first). */
  attempt: number;
}

export interface DeliveryRow {
  objectId: string;
  destination: string;
  kind: OutboxKind;
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: number;
  lastError: string | null;
  lastAttemptAt: number | null;
  deliveredAt: number | null;
}

export interface DestinationCounts {
  destination: string;
  pending: number;
  delivered: number;
  failed: number;
  lastError: string | null;
  lastAttemptAt: number | null;
  lastDeliveredAt: number | null;
}

const num = (v: unknown): number => Number(v);
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'bigint' ? v.toString() : '');
const textOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : text(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

function objectOf(r: Row): OutboxObject {
  return {
    id: text(r.id),
    studyInstanceUid: text(r.study_instance_uid),
    kind: r.kind as OutboxKind,
    contentType: r.content_type as OutboxObject['contentType'],
    sopClassUid: textOrNull(r.sop_class_uid),
    seriesInstanceUid: textOrNull(r.series_instance_uid),
    description: text(r.description),
    body: Buffer.from(r.body as Uint8Array),
  };
}

/**
 * The outbox over the Db seam (SQLite or PostgreSQL; one contract suite covers both). A delivery
 * is claimed with a lease before it is sent, so a process killed mid-send leaves it to be retried
 * once the lease has passed, and two workers never send the same delivery at once.
 */
export class OutboxStore {
  constructor(private readonly db: Db) {}

  /**
   * Adds an object for the given destinations. The same DICOM object enqueued again is a no-op
   * for destinations that already have it (exactly one delivery per object and destination). An
   * urgency whose value changed replaces the stored one and is delivered again.
   */
  async enqueue(o: OutboxObject, destinations: readonly string[], now: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      const existing = await queryOne<{ version: number; body: Uint8Array }>(tx, 'SELECT version, body FROM outbox_object WHERE id = $1', [
        o.id,
      ]);
      let version = existing ? num(existing.version) : 1;
      if (!existing) {
        await tx.run(
          `INSERT INTO outbox_object (id, study_instance_uid, kind, content_type, sop_class_uid, series_instance_uid, description, version, body, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $9, $9)`,
          [o.id, o.studyInstanceUid, o.kind, o.contentType, o.sopClassUid, o.seriesInstanceUid, o.description, o.body, now],
        );
      } else if (o.kind === 'urgency' && !Buffer.from(existing.body).equals(o.body)) {
        version += 1;
        await tx.run('UPDATE outbox_object SET body = $1, description = $2, version = $3, updated_at = $4 WHERE id = $5', [
          o.body,
          o.description,
          version,
          now,
          o.id,
        ]);
        await tx.run(
          `UPDATE outbox_delivery SET object_version = $1, state = 'pending', attempts = 0, next_attempt_at = $2, lease_until = NULL, last_error = NULL WHERE object_id = $3`,
          [version, now, o.id],
        );
      }
      for (const d of destinations)
        await tx.run(
          `INSERT INTO outbox_delivery (object_id, destination, object_version, state, attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, 'pending', 0, $4, $4)
           ON CONFLICT (object_id, destination) DO NOTHING`,
          [o.id, d, version, now],
        );
    });
  }

  /** Claims up to `limit` due deliveries of one destination for `leaseMs`, oldest first. */
  async claimDue(destination: string, now: number, leaseMs: number, limit: number): Promise<ClaimedDelivery[]> {
    const due = await this.db.query(
      `SELECT object_id, object_version, attempts FROM outbox_delivery
       WHERE destination = $1 AND state = 'pending' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2)
       ORDER BY next_attempt_at, created_at, object_id LIMIT $3`,
      [destination, now, limit],
    );
    const claimed: ClaimedDelivery[] = [];
    for (const d of due) {
      // The guarded update is the claim: only one worker's update matches the row it read.
      const n = await this.db.run(
        `UPDATE outbox_delivery SET lease_until = $1, attempts = attempts + 1, last_attempt_at = $2
         WHERE object_id = $3 AND destination = $4 AND state = 'pending' AND attempts = $5 AND (lease_until IS NULL OR lease_until < $2)`,
        [now + leaseMs, now, text(d.object_id), destination, num(d.attempts)],
      );
      if (n !== 1) continue;
      const row = await queryOne(this.db, 'SELECT * FROM outbox_object WHERE id = $1', [text(d.object_id)]);
      if (row) claimed.push({ object: objectOf(row), destination, version: num(d.object_version), attempt: num(d.attempts) + 1 });
    }
    return claimed;
  }

  /** Records a delivery as done; a newer version of the object (urgency changed meanwhile) stays pending. */
  async markDelivered(c: ClaimedDelivery, now: number): Promise<void> {
    await this.db.run(
      `UPDATE outbox_delivery SET state = 'delivered', delivered_at = $1, lease_until = NULL, last_error = NULL WHERE object_id = $2 AND destination = $3 AND object_version = $4`,
      [now, c.object.id, c.destination, c.version],
    );
  }

  /** Records a failed attempt: retried at `retryAt`, or given up (state failed) when null. */
  async markFailed(c: ClaimedDelivery, error: string, retryAt: number | null): Promise<void> {
    await this.db.run(
      `UPDATE outbox_delivery SET state = $1, next_attempt_at = $2, lease_until = NULL, last_error = $3 WHERE object_id = $4 AND destination = $5 AND object_version = $6`,
      [retryAt === null ? 'failed' : 'pending', retryAt ?? 0, error.slice(0, 1000), c.object.id, c.destination, c.version],
    );
  }

  /** Puts a destination's given-up deliveries back in the queue (an administrator's retry). */
  async retryFailed(destination: string, now: number): Promise<number> {
    return this.db.run(
      `UPDATE outbox_delivery SET state = 'pending', attempts = 0, next_attempt_at = $1, last_error = NULL WHERE destination = $2 AND state = 'failed'`,
      [now, destination],
    );
  }

  /** Epoch ms of the earliest pending attempt of a destination, or null when nothing is pending. */
  async nextDueAt(destination: string): Promise<number | null> {
    const r = await queryOne<{ t: unknown }>(
      this.db,
      `SELECT MIN(CASE WHEN lease_until IS NULL OR lease_until < next_attempt_at THEN next_attempt_at ELSE lease_until END) AS t FROM outbox_delivery WHERE destination = $1 AND state = 'pending'`,
      [destination],
    );
    return numOrNull(r?.t);
  }

  async deliveries(filter: { studyInstanceUid?: string; destination?: string } = {}): Promise<DeliveryRow[]> {
    const rows = await this.db.query(
      `SELECT d.*, o.kind FROM outbox_delivery d JOIN outbox_object o ON o.id = d.object_id
       WHERE ($1 = '' OR o.study_instance_uid = $1) AND ($2 = '' OR d.destination = $2) ORDER BY d.created_at, d.object_id, d.destination`,
      [filter.studyInstanceUid ?? '', filter.destination ?? ''],
    );
    return rows.map((r) => ({
      objectId: text(r.object_id),
      destination: text(r.destination),
      kind: r.kind as OutboxKind,
      state: r.state as DeliveryState,
      attempts: num(r.attempts),
      nextAttemptAt: num(r.next_attempt_at),
      lastError: textOrNull(r.last_error),
      lastAttemptAt: numOrNull(r.last_attempt_at),
      deliveredAt: numOrNull(r.delivered_at),
    }));
  }

  async objectsOfStudy(studyInstanceUid: string): Promise<OutboxObject[]> {
    return (
      await this.db.query('SELECT * FROM outbox_object WHERE study_instance_uid = $1 ORDER BY created_at, id', [studyInstanceUid])
    ).map(objectOf);
  }

  async getObject(id: string): Promise<OutboxObject | undefined> {
    const r = await queryOne(this.db, 'SELECT * FROM outbox_object WHERE id = $1', [id]);
    return r ? objectOf(r) : undefined;
  }

  /** Per destination: how many deliveries wait, are done or were given up, and the latest error. */
  async destinationCounts(): Promise<DestinationCounts[]> {
    const rows = await this.db.query(
      `SELECT destination,
              SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END) AS pending,
              SUM(CASE WHEN state = 'delivered' THEN 1 ELSE 0 END) AS delivered,
              SUM(CASE WHEN state = 'failed' THEN 1 ELSE 0 END) AS failed,
              MAX(last_attempt_at) AS last_attempt_at, MAX(delivered_at) AS last_delivered_at
       FROM outbox_delivery GROUP BY destination ORDER BY destination`,
    );
    const out: DestinationCounts[] = [];
    for (const r of rows) {
      const err = await queryOne<{ last_error: string }>(
        this.db,
        `SELECT last_error FROM outbox_delivery WHERE destination = $1 AND last_error IS NOT NULL ORDER BY last_attempt_at DESC LIMIT 1`,
        [text(r.destination)],
      );
      out.push({
        destination: text(r.destination),
        pending: num(r.pending),
        delivered: num(r.delivered),
        failed: num(r.failed),
        lastError: err?.last_error ?? null,
        lastAttemptAt: numOrNull(r.last_attempt_at),
        lastDeliveredAt: numOrNull(r.last_delivered_at),
      });
    }
    return out;
  }
}

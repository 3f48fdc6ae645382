import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../../core/clock.ts';
import { errorMessage } from '../../core/errors.ts';
import type { EventBus } from '../../events/bus.ts';
import type { IngestChannel } from '../../events/types.ts';
import { type InstanceFiles, instanceFilePath } from '../../files/instance-files.ts';
import type { Quarantine } from '../../files/quarantine.ts';
import type { Logger } from '../../log/logger.ts';
import type { ParseLimits } from '../parse/part10.ts';
import { DicomRejectError, type RejectReason } from '../parse/reject.ts';
import { type ParsedInstance, parseInstance } from '../parse/validate.ts';
import type { DicomIngestStore } from '../dicom-store.ts';
import { toInstanceWrite } from './extract.ts';
import type { IngestMetrics } from './metrics.ts';

const sha256Of = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Where an upload came from, for the ingest log (never patient data). */
export interface IngestSource {
  /** Calling AE title (DIMSE), client address (STOW) or file path (import). */
  source?: string;
  /** SOP instance UID announced by the channel (C-STORE command), kept with a quarantined upload. */
  sopInstanceUid?: string;
}

interface Identified {
  sopInstanceUid: string;
  sopClassUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
}

/** The outcome of one upload. 'stored' and 'duplicate' are successes: the bytes are durable. */
export type IngestResult =
  | (Identified & { outcome: 'stored'; filePath: string; transferSyntaxUid: string })
  | (Identified & { outcome: 'duplicate'; filePath: string; transferSyntaxUid: string })
  | {
      outcome: 'quarantined';
      reason: RejectReason;
      message: string;
      quarantineId: string | null;
      sopInstanceUid: string | null;
      sopClassUid: string | null;
    }
  | { outcome: 'failed'; reason: 'failed'; message: string; sopInstanceUid: string | null; sopClassUid: string | null };

/**
 * The one ingest path shared by C-STORE, STOW-RS and `readfirst import`: validate, write the
 * file durably (ingest journal), record it in the store (committed only after the bytes are
 * durable), then report success. Nothing
 * is acknowledged before it is on disk and in the database. Refused uploads go to quarantine.
 * Never throws: every problem becomes a result the channel maps to its own failure status.
 */
export class IngestService {
  constructor(
    private readonly deps: {
      store: DicomIngestStore;
      files: InstanceFiles;
      quarantine: Quarantine;
      bus: EventBus;
      clock: Clock;
      logger: Logger;
      metrics: IngestMetrics;
      /** Nesting depth, element count and inflate bounds (config `ingest.*`); defaults when absent. */
      limits?: ParseLimits;
    },
  ) {}

  /** Ingests one Part-10 file (preamble, meta header, data set) exactly as given. */
  async storeBuffer(bytes: Uint8Array, via: IngestChannel, src: IngestSource = {}): Promise<IngestResult> {
    const t0 = performance.now();
    const { metrics } = this.deps;
    metrics.bytes.inc({ via }, bytes.byteLength);
    const result = await this.ingest(bytes, via, src, t0);
    metrics.instances.inc({ via, outcome: result.outcome });
    if (result.outcome === 'quarantined' || result.outcome === 'failed') metrics.failures.inc({ via, reason: result.reason });
    metrics.latency.observe({ via }, (performance.now() - t0) / 1000);
    return result;
  }

  private async ingest(bytes: Uint8Array, via: IngestChannel, src: IngestSource, t0: number): Promise<IngestResult> {
    let parsed: ParsedInstance;
    try {
      parsed = parseInstance(bytes, this.deps.limits);
    } catch (e) {
      if (e instanceof DicomRejectError) return this.toQuarantine(bytes, via, src, e.reason, e.message, t0);
      return this.toQuarantine(bytes, via, src, 'not-dicom', `unreadable: ${errorMessage(e)}`, t0);
    }
    const ids: Identified = {
      sopInstanceUid: parsed.sopInstanceUid,
      sopClassUid: parsed.sopClassUid,
      studyInstanceUid: parsed.studyInstanceUid,
      seriesInstanceUid: parsed.seriesInstanceUid,
    };
    const { store, files, clock, logger, bus } = this.deps;
    try {
      const existing = await store.getInstance(ids.sopInstanceUid);
      if (existing) {
        if (existing.sha256 !== sha256Of(bytes))
          logger.warn({ sopInstanceUid: ids.sopInstanceUid, via }, 'SOP instance re-sent with different content; keeping the first');
        await store.recordEvent({
          at: clock.now(),
          via,
          outcome: 'duplicate',
          sopInstanceUid: ids.sopInstanceUid,
          studyInstanceUid: ids.studyInstanceUid,
          sizeBytes: bytes.byteLength,
          reason: null,
          source: src.source ?? null,
          durationMs: performance.now() - t0,
        });
        bus.emit('instance.stored', { ...ids, via, duplicate: true, receivedAt: existing.receivedAt });
        return { ...ids, outcome: 'duplicate', filePath: existing.filePath, transferSyntaxUid: existing.transferSyntaxUid };
      }
      const filePath = instanceFilePath(ids.studyInstanceUid, ids.seriesInstanceUid, ids.sopInstanceUid);
      // The write starts now (journal append, its fdatasync, the file itself); the database
      // statements run while the sync is under way and commit only once it has succeeded.
      const durable = files.write(filePath, bytes, via);
      durable.catch(() => undefined);
      const sha256 = sha256Of(bytes);
      const at = clock.now();
      const write = toInstanceWrite(parsed, { filePath, sizeBytes: bytes.byteLength, sha256 }, via, at);
      const added = await store.recordInstance(
        write,
        {
          at,
          via,
          outcome: 'stored',
          sopInstanceUid: ids.sopInstanceUid,
          studyInstanceUid: ids.studyInstanceUid,
          sizeBytes: bytes.byteLength,
          reason: null,
          source: src.source ?? null,
          durationMs: performance.now() - t0,
        },
        durable,
      );
      bus.emit('instance.stored', { ...ids, via, duplicate: !added, receivedAt: at });
      return {
        ...ids,
        outcome: added ? ('stored' as const) : ('duplicate' as const),
        filePath,
        transferSyntaxUid: parsed.transferSyntaxUid,
      };
    } catch (e) {
      logger.error({ err: e, sopInstanceUid: ids.sopInstanceUid, via }, 'storing an instance failed');
      return {
        outcome: 'failed',
        reason: 'failed',
        message: 'storage failed',
        sopInstanceUid: ids.sopInstanceUid,
        sopClassUid: ids.sopClassUid,
      };
    }
  }

  private async toQuarantine(
    bytes: Uint8Array,
    via: IngestChannel,
    src: IngestSource,
    reason: RejectReason,
    message: string,
    t0: number,
  ): Promise<IngestResult> {
    const { logger, quarantine, store, clock } = this.deps;
    const sop = src.sopInstanceUid ?? null;
    try {
      const entry = await quarantine.put(bytes, { at: clock.now(), via, reason, message, source: src.source ?? null, sopInstanceUid: sop });
      await store.recordQuarantine(entry, performance.now() - t0);
      logger.warn({ via, reason, quarantineId: entry.id, sizeBytes: bytes.byteLength }, 'upload quarantined');
      return { outcome: 'quarantined', reason, message, quarantineId: entry.id, sopInstanceUid: sop, sopClassUid: null };
    } catch (e) {
      logger.error({ err: e, via, reason }, 'quarantine failed');
      return { outcome: 'quarantined', reason, message, quarantineId: null, sopInstanceUid: sop, sopClassUid: null };
    }
  }
}

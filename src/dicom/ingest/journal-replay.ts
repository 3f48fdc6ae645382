import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { IngestChannel } from '../../events/types.ts';
import type { InstanceFiles } from '../../files/instance-files.ts';
import { scanSegment } from '../../files/journal/record.ts';
import { fsyncDir } from '../../files/durable-write.ts';
import { listSegments, retireSegment } from '../../files/journal/segment-files.ts';
import type { Logger } from '../../log/logger.ts';
import { type ParsedInstance, parseInstance } from '../parse/validate.ts';
import { errorMessage } from '../../core/errors.ts';
import type { DicomIngestStore } from '../dicom-store.ts';
import { toInstanceWrite } from './extract.ts';

const CHANNELS: readonly IngestChannel[] = ['dimse', 'stow', 'import'];

/**
 * Start-up recovery, before any connection is accepted: every record left in the ingest journal
 * was acknowledged (or was about to be), so its file is restored if missing or different and its
 * instance recorded if the database lacks it. Idempotent: a crash during replay replays again.
 * Segments are removed only once their files and the database are durable.
 */
export async function replayJournal(
  dir: string,
  deps: { store: DicomIngestStore; files: InstanceFiles; logger: Logger },
): Promise<{ records: number; recorded: number }> {
  const { store, files, logger } = deps;
  let records = 0;
  let recorded = 0;
  const segments = await listSegments(dir);
  for (const seg of segments) {
    const scan = scanSegment(await readFile(seg.path), seg.seq);
    if (scan.end !== 'end')
      logger.warn(
        { segment: seg.seq, offset: scan.endOffset, end: scan.end },
        'ingest journal segment ends in a record that fails its checks (never acknowledged); ignored',
      );
    for (const r of scan.records) {
      records++;
      await files.restore(r.key, r.payload);
      let parsed: ParsedInstance;
      try {
        parsed = parseInstance(r.payload);
      } catch (e) {
        logger.error(
          { segment: seg.seq, offset: r.offset, err: errorMessage(e) },
          'journal record does not parse; file restored, not recorded',
        );
        continue;
      }
      if (await store.getInstance(parsed.sopInstanceUid)) continue;
      const via = CHANNELS.find((c) => c === r.tag) ?? 'import';
      const sha256 = createHash('sha256').update(r.payload).digest('hex');
      const at = Date.now();
      const write = toInstanceWrite(parsed, { filePath: r.key, sizeBytes: r.payload.byteLength, sha256 }, via, at);
      const event = {
        at,
        via,
        outcome: 'stored' as const,
        sopInstanceUid: parsed.sopInstanceUid,
        studyInstanceUid: parsed.studyInstanceUid,
        sizeBytes: r.payload.byteLength,
        reason: 'journal-replay',
        source: null,
        durationMs: 0,
      };
      if (await store.recordInstance(write, event)) recorded++;
    }
  }
  if (segments.length > 0) {
    await store.makeDurable();
    for (const seg of segments) await retireSegment(dir, seg.seq, true);
    await fsyncDir(dir);
    logger.info({ segments: segments.length, records, recorded }, 'ingest journal replayed');
  }
  return { records, recorded };
}

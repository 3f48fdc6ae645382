import { createHash } from 'node:crypto';
import { defineModule } from '../../core/module.ts';
import type { DicomStore } from '../../dicom/dicom-store.ts';
import type { InferenceResultStore } from '../../inference/result.ts';
import { PushLoop } from '../push/push-loop.ts';
import { PushQueue } from '../push/push-queue.ts';
import { oruR01 } from './oru-r01.ts';
import { sendOverMllp } from './oru-sender.ts';

export interface Hl7OutDeps {
  studies: Pick<DicomStore, 'getStudy'>;
  results: Pick<InferenceResultStore, 'listForStudy'>;
}

export interface Hl7OutServices {
  /** The ORU push queue (delivery state per study), undefined when `hl7.oru.host` is empty. */
  oruQueue: PushQueue | undefined;
  oruIdle: () => Promise<void>;
}

/**
 * HL7 v2 results out (needs `pushQueueModule` started before it): each analysed study's ORU^R01 goes to `hl7.oru.host:port` over MLLP, ACK
 * checked, retried with back-off through the durable push queue (a NAK, a timeout or a refused
 * connection is retried; the queue survives a restart).
 */
export const hl7OutModule = defineModule({
  name: 'hl7-out',
  async start(ctx, deps: Hl7OutDeps) {
    const cfg = ctx.config.hl7;
    if (cfg.oru.host === '') return { provides: { oruQueue: undefined, oruIdle: async () => undefined } satisfies Hl7OutServices };
    const log = ctx.logger.child({ mod: 'hl7-out' });
    const queue = new PushQueue(ctx.db, 'hl7-oru');
    const deliver = async (studyInstanceUid: string): Promise<void> => {
      const study = await deps.studies.getStudy(studyInstanceUid);
      if (!study) throw new Error('study no longer stored');
      const results = await deps.results.listForStudy(studyInstanceUid);
      const controlId = createHash('sha256')
        .update(`${studyInstanceUid}|${results.map((r) => r.id).join(',')}`)
        .digest('hex')
        .slice(0, 20);
      const msg = oruR01(study, results, { ...cfg, controlId, at: ctx.clock.now() });
      await sendOverMllp(cfg.oru.host, cfg.oru.port, msg, cfg.oru.ackTimeoutMs);
    };
    const loop = new PushLoop({
      queue,
      clock: ctx.clock,
      logger: log,
      deliver,
      maxAttempts: cfg.oru.maxAttempts,
      backoffMs: cfg.oru.backoffMs,
    });
    // One ORU per complete reading: per-image re-readings of a study scored on arrival send nothing.
    const off = ctx.bus.on('study.analysed', async (e) => {
      if (!e.complete) return;
      await queue.enqueue(e.studyInstanceUid, ctx.clock.now());
      loop.kick();
    });
    loop.kick();
    const provides: Hl7OutServices = { oruQueue: queue, oruIdle: () => loop.idle() };
    return {
      provides,
      async drain() {
        off();
        await loop.close();
      },
    };
  },
});

import type { Hl7Message } from '@medplum/core';
import { defineModule } from '../core/module.ts';
import type { DicomStore } from '../dicom/dicom-store.ts';
import { risUpdateOf } from './hl7-inbound.ts';
import { MllpListener } from './mllp-listener.ts';
import { orderMigrations } from './migrations.ts';
import type { OrderLookup } from './order.ts';
import { OrderStore } from './order-store.ts';

export interface OrdersDeps {
  studies: Pick<DicomStore, 'findStudies'>;
  /** This process runs the MLLP listener (`hl7.listen`); a scaled-out deployment runs it on its ingest processes. */
  accept: boolean;
}

export interface OrdersServices {
  orders: OrderLookup & { receive(msg: Hl7Message): Promise<void> };
  /** The bound MLLP port, when the listener is enabled (tests use port 0). */
  mllpPort: number | undefined;
}

/**
 * Orders and ADT from the RIS over HL7 v2 MLLP (`hl7.listen.*`): each ORM^O01 / OMI^O23 is stored
 * by accession number, each ADT moves the patient's orders, then `order.updated` tells triage to
 * re-rank the studies concerned. The ACK is sent only after the order row is committed.
 */
export const ordersModule = defineModule({
  name: 'orders',
  migrations: orderMigrations,
  async start(ctx, deps: OrdersDeps) {
    const log = ctx.logger.child({ mod: 'orders' });
    const store = new OrderStore(ctx.db);
    const announce = async (accessionNumber: string): Promise<void> => {
      const studies = await deps.studies.findStudies({ accessionNumber, limit: 100 });
      ctx.bus.emit('order.updated', { accessionNumber, studyInstanceUids: studies.map((s) => s.studyInstanceUid) });
    };
    const receive = async (msg: Hl7Message): Promise<void> => {
      const u = risUpdateOf(msg, ctx.clock.now());
      if (u.kind === 'order') {
        const o = await store.upsert(u.order);
        log.info({ source: u.order.source, priority: o.priority, patientClass: o.patientClass }, 'RIS order stored');
        await announce(o.accessionNumber);
      } else {
        const accessions = await store.movePatient(u.patientId, u.patientClass, u.location, u.source, ctx.clock.now());
        log.info({ source: u.source, orders: accessions.length }, 'RIS visit update applied');
        for (const a of accessions) await announce(a);
      }
    };
    const cfg = ctx.config.hl7.listen;
    const listener =
      deps.accept && cfg.enabled ? new MllpListener({ host: cfg.host, port: cfg.port, handler: receive, logger: log }) : undefined;
    const mllpPort = listener ? await listener.start() : undefined;
    const provides: OrdersServices = { orders: { orderFor: (a) => store.orderFor(a), receive }, mllpPort };
    return {
      provides,
      async drain() {
        await listener?.close();
      },
    };
  },
});

import type { Db } from '../store/db.ts';
import type { OrderLookup, RisOrder } from './order.ts';

interface OrderRow {
  [k: string]: unknown;
  accession_number: string;
  patient_id: string | null;
  priority: string | null;
  patient_class: string | null;
  location: string | null;
  order_control: string | null;
  procedure_text: string | null;
  source: string;
  updated_at: number;
}

const toOrder = (r: OrderRow): RisOrder => ({
  accessionNumber: r.accession_number,
  patientId: r.patient_id,
  priority: r.priority,
  patientClass: r.patient_class,
  location: r.location,
  orderControl: r.order_control,
  procedure: r.procedure_text,
  source: r.source,
  updatedAt: Number(r.updated_at),
});

/** RIS orders over the Db seam (SQLite or PostgreSQL). */
export class OrderStore implements OrderLookup {
  constructor(private readonly db: Db) {}

  async orderFor(accessionNumber: string): Promise<RisOrder | undefined> {
    const rows = await this.db.query<OrderRow>('SELECT * FROM ris_order WHERE accession_number = $1', [accessionNumber]);
    return rows[0] ? toOrder(rows[0]) : undefined;
  }

  /** Creates or updates an order; a field the message left empty keeps its earlier value. */
  async upsert(o: RisOrder): Promise<RisOrder> {
    await this.db.run(
      `INSERT INTO ris_order (accession_number, patient_id, priority, patient_class, location, order_control, procedure_text, source, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (accession_number) DO UPDATE SET
         patient_id = COALESCE(excluded.patient_id, ris_order.patient_id),
         priority = COALESCE(excluded.priority, ris_order.priority),
         patient_class = COALESCE(excluded.patient_class, ris_order.patient_class),
         location = COALESCE(excluded.location, ris_order.location),
         order_control = COALESCE(excluded.order_control, ris_order.order_control),
         procedure_text = COALESCE(excluded.procedure_text, ris_order.procedure_text),
         source = excluded.source, updated_at = excluded.updated_at`,
      [o.accessionNumber, o.patientId, o.priority, o.patientClass, o.location, o.orderControl, o.procedure, o.source, o.updatedAt],
    );
    return (await this.orderFor(o.accessionNumber)) ?? o;
  }

  /** ADT: the patient moved or changed class; every order of theirs follows. Returns the accessions changed. */
  async movePatient(
    patientId: string,
    patientClass: string | null,
    location: string | null,
    source: string,
    at: number,
  ): Promise<string[]> {
    const rows = await this.db.query<{ accession_number: string }>('SELECT accession_number FROM ris_order WHERE patient_id = $1', [
      patientId,
    ]);
    await this.db.run(
      `UPDATE ris_order SET patient_class = COALESCE($2, patient_class), location = COALESCE($3, location), source = $4, updated_at = $5 WHERE patient_id = $1`,
      [patientId, patientClass, location, source, at],
    );
    return rows.map((r) => r.accession_number);
  }
}

import type { Hl7Message } from '@medplum/core';
import { ReadfirstError } from '../core/errors.ts';
import type { RisOrder } from './order.ts';

/** What one inbound HL7 v2 message asks of the orders domain. */
export type RisUpdate =
  | { kind: 'order'; order: RisOrder }
  | { kind: 'visit'; patientId: string; patientClass: string | null; location: string | null; source: string };

const text = (s: string | undefined): string | null => {
  const t = (s ?? '').trim();
  return t === '' ? null : t;
};

/** PV1-3 (PL): point of care ^ room ^ bed ^ facility..., non-empty components joined by spaces. */
function locationOf(msg: Hl7Message): string | null {
  const pv1 = msg.getSegment('PV1');
  if (!pv1) return null;
  const parts = [1, 2, 3].map((c) => pv1.getComponent(3, c).trim()).filter((p) => p !== '');
  return parts.length > 0 ? parts.join(' ') : null;
}

/** The message type as "ORM^O01". */
export function messageType(msg: Hl7Message): string {
  const msh = msg.getSegment('MSH');
  return `${msh?.getComponent(9, 1) ?? ''}^${msh?.getComponent(9, 2) ?? ''}`;
}

/**
 * Maps an ORM^O01 (v2.3/2.4, IHE RAD SWF) or OMI^O23 (v2.5+) order, or an ADT^A01/A02/A03/A04/A08
 * visit event, to an update. Accession number: IPC-1, else OBR-18 (SWF placer field 1), else
 * ORC-3 / OBR-3 (filler order number). Priority: TQ1-9, else ORC-7.6, else OBR-27.6.
 */
export function risUpdateOf(msg: Hl7Message, at: number): RisUpdate {
  const type = messageType(msg);
  const [code, event] = type.split('^');
  const pid = msg.getSegment('PID');
  const patientId = text(pid?.getComponent(3, 1));
  const patientClass = text(msg.getSegment('PV1')?.getField(2).toString());
  if (code === 'ADT') {
    if (!patientId) throw new ReadfirstError('invalid-input', `${type} without a patient identifier (PID-3)`);
    const discharge = event === 'A03';
    return {
      kind: 'visit',
      patientId,
      patientClass: discharge ? 'O' : patientClass,
      location: discharge ? 'DISCHARGED' : locationOf(msg),
      source: type,
    };
  }
  if (code !== 'ORM' && code !== 'OMI')
    throw new ReadfirstError('unsupported', `message type ${type} is not handled (ORM^O01, OMI^O23, ADT^A01/A02/A03/A04/A08 are)`);
  const orc = msg.getSegment('ORC');
  const obr = msg.getSegment('OBR');
  const accession =
    text(msg.getSegment('IPC')?.getComponent(1, 1)) ??
    text(obr?.getComponent(18, 1)) ??
    text(orc?.getComponent(3, 1)) ??
    text(obr?.getComponent(3, 1));
  if (!accession) throw new ReadfirstError('invalid-input', `${type} without an accession number (IPC-1, OBR-18, ORC-3 or OBR-3)`);
  const priority = text(msg.getSegment('TQ1')?.getComponent(9, 1)) ?? text(orc?.getComponent(7, 6)) ?? text(obr?.getComponent(27, 6));
  return {
    kind: 'order',
    order: {
      accessionNumber: accession,
      patientId,
      priority: priority?.toUpperCase() ?? null,
      patientClass,
      location: locationOf(msg),
      orderControl: text(orc?.getComponent(1, 1)),
      procedure: text(obr?.getComponent(4, 2)) ?? text(obr?.getComponent(4, 1)),
      source: type,
      updatedAt: at,
    },
  };
}

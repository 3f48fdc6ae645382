import type { Hl7Message } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';

/** MSA-1 acknowledgement codes that mean the receiver kept the message (original and enhanced mode). */
const ACCEPTED = new Set(['AA', 'CA']);

/**
 * Sends one message over MLLP and waits for its ACK: AA/CA resolve; AE/AR, a timeout or a lost
 * connection reject, so the push queue tries again with back-off.
 */
export async function sendOverMllp(host: string, port: number, msg: Hl7Message, ackTimeoutMs: number): Promise<void> {
  const client = new Hl7Client({ host, port, connectTimeout: ackTimeoutMs });
  try {
    const ack = await client.sendAndWait(msg, { timeoutMs: ackTimeoutMs });
    const code = ack.getSegment('MSA')?.getComponent(1, 1) ?? '';
    if (!ACCEPTED.has(code))
      throw new Error(`ORU refused with ${code || 'no MSA'}: ${ack.getSegment('MSA')?.getField(3).toString() ?? ''}`);
  } finally {
    await client.close().catch(() => undefined);
  }
}

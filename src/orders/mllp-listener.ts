import { createServer, type Server, type Socket } from 'node:net';
import type { Hl7Message } from '@medplum/core';
import { Hl7Connection, type Hl7ErrorEvent, type Hl7MessageEvent } from '@medplum/hl7';
import { errorMessage, isReadfirstError } from '../core/errors.ts';
import type { Logger } from '../log/logger.ts';

/** Handles one inbound message; resolves when it is durably stored (the ACK follows). */
export type Hl7Handler = (msg: Hl7Message) => Promise<void>;

/**
 * An HL7 v2 MLLP listener (HL7 v2 Appendix C, MLLP release 2) on one address, answering each
 * message with an original-mode ACK: AA once the handler has stored it, AE when its content is
 * wrong, AR when the message type is not handled. Built on @medplum/hl7's connection framing;
 * the socket is ours so it binds the configured host (Hl7Server binds every interface).
 */
export class MllpListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly o: { host: string; port: number; handler: Hl7Handler; logger: Logger }) {}

  async start(): Promise<number> {
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.setNoDelay(true);
      const conn = new Hl7Connection(socket);
      conn.addEventListener('error', (e: Hl7ErrorEvent) => this.o.logger.warn({ err: errorMessage(e.error) }, 'HL7 connection error'));
      conn.addEventListener('message', (e: Hl7MessageEvent) => {
        void this.answer(conn, e.message);
      });
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.o.port, this.o.host, () => resolve());
    });
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : this.o.port;
  }

  private async answer(conn: Hl7Connection, msg: Hl7Message): Promise<void> {
    let ack: Hl7Message;
    try {
      await this.o.handler(msg);
      ack = msg.buildAck();
    } catch (err) {
      const code = isReadfirstError(err) && err.code === 'unsupported' ? 'AR' : 'AE';
      this.o.logger.warn({ err: errorMessage(err), ack: code }, 'HL7 message refused');
      ack = msg.buildAck({ ackCode: code });
      const msa = ack.getSegment('MSA');
      msa?.setField(
        3,
        errorMessage(err)
          .replace(/[|^~\\&\r\n]/g, ' ')
          .slice(0, 80),
      );
    }
    if (!conn.isClosed()) conn.send(ack);
  }

  port(): number {
    const addr = this.server?.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    const closed = new Promise<void>((r) => server.close(() => r()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

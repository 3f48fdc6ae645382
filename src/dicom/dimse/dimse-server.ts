import { type Server, type Socket, createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { type TlsMaterial, addressAllowList } from '../../http/tls.ts';
import dimse from 'dcmjs-dimse';
import type { Logger } from '../../log/logger.ts';
import { type ScpOptions, createScpClass } from './scp.ts';

// dcmjs-dimse logs every connection at info level; readfirst logs what matters itself.
dimse.log.setLevel('warn');

/** The DIMSE listener published as `ctx.services.dimse`: tests read the bound (ephemeral) port. */
export interface DimseService {
  aeTitle: string;
  /** The TCP port actually bound (useful when configured as 0). */
  port(): number;
}

/**
 * Listens for DICOM associations on one address. dcmjs-dimse's own Server binds every
 * interface and leaves Nagle on (about 45 ms per C-STORE); this binds `host` and sets
 * TCP_NODELAY on each socket.
 */
export class DimseServer implements DimseService {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  readonly aeTitle: string;

  constructor(
    private readonly opts: ScpOptions & {
      host: string;
      port: number;
      logger: Logger;
      /** Source addresses or CIDR ranges that may connect; empty allows any. */
      allowedSourceAddresses?: readonly string[];
      /** DICOM TLS (PS3.15 B.1, the BCP 195 profile): the SCP speaks TLS only. */
      tls?: TlsMaterial | undefined;
    },
  ) {
    this.aeTitle = opts.aeTitle;
  }

  async start(): Promise<void> {
    const ScpClass = createScpClass(this.opts);
    const allowed = addressAllowList(this.opts.allowedSourceAddresses ?? []);
    const onSocket = (socket: Socket): void => {
      if (!allowed(socket.remoteAddress)) {
        // Refused before any PDU is read; the address is not patient data.
        this.opts.logger.warn({ remoteAddress: socket.remoteAddress }, 'DIMSE connection refused by dimse.allowedSourceAddresses');
        socket.destroy();
        return;
      }
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', (err) => this.opts.logger.debug({ err: err.message }, 'DIMSE socket error'));
      try {
        new ScpClass(socket);
      } catch (err) {
        this.opts.logger.error({ err }, 'DIMSE association setup failed');
        socket.destroy();
      }
    };
    const tls = this.opts.tls;
    const server: Server = tls
      ? createTlsServer({ key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2', ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}) }, onSocket)
      : createServer({ noDelay: true }, onSocket);
    if (tls) server.on('tlsClientError', (err: Error) => this.opts.logger.warn({ err: err.message }, 'DIMSE TLS handshake failed'));
    server.on('error', (err) => this.opts.logger.error({ err }, 'DIMSE listener error'));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.opts.logger.info({ aeTitle: this.aeTitle, host: this.opts.host, port: this.port() }, 'DIMSE SCP listening');
    if (!tls && this.opts.host !== '127.0.0.1' && this.opts.host !== '::1' && this.opts.allowedCallingAeTitles.length === 0) {
      this.opts.logger.warn('DIMSE listens beyond loopback and accepts any calling AE title: set dimse.allowedCallingAeTitles');
    }
  }

  port(): number {
    const addr = this.server?.address();
    return typeof addr === 'object' && addr ? addr.port : this.opts.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    this.server = undefined;
  }
}

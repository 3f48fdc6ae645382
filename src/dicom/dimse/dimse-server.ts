import { type Server, type Socket, createServer } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { type TlsMaterial, addressAllowList } from '../../http/tls.ts';
import type { Logger } from '../../log/logger.ts';
import { routeDimseLog } from './library-log.ts';
import { type ScpOptions, type ScpShared, createScpClass } from './scp.ts';

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
  private readonly shared: ScpShared = { draining: false, inflight: new Set(), associations: new Set() };
  private closed: Promise<void> | undefined;
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
    routeDimseLog(opts.logger);
  }

  async start(): Promise<void> {
    const ScpClass = createScpClass(this.opts, this.shared);
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
      ? createTlsServer(
          {
            key: tls.key,
            cert: tls.cert,
            minVersion: 'TLSv1.2',
            ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: true } : {}),
          },
          onSocket,
        )
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

  /**
   * Shutdown: stops listening at once (new connections are refused), refuses new associations
   * and C-STOREs on open ones with a failure status, lets the stores in flight finish and answer
   * (each acknowledgement still follows durability), then aborts what is left. Bounded by
   * `graceMs`: a store still running after it gets no acknowledgement, so nothing unkept is
   * ever acknowledged.
   */
  async close(graceMs = 5000): Promise<void> {
    this.closed ??= this.shutdown(graceMs);
    return this.closed;
  }

  private async shutdown(graceMs: number): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.shared.draining = true;
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    const deadline = Date.now() + graceMs;
    while (this.shared.inflight.size > 0 && Date.now() < deadline) {
      const left = deadline - Date.now();
      await Promise.race([Promise.allSettled([...this.shared.inflight]), new Promise((r) => setTimeout(r, left).unref())]);
    }
    if (this.shared.inflight.size > 0)
      this.opts.logger.warn({ stores: this.shared.inflight.size }, 'DIMSE stores still running at shutdown: not acknowledged');
    for (const a of this.shared.associations) {
      try {
        a.abortAssociation();
      } catch {
        /* the socket is already gone */
      }
    }
    // A-ABORT is written; give the peer a moment to read it, then drop the connections.
    if (this.sockets.size > 0) await new Promise((r) => setTimeout(r, 50).unref());
    for (const s of this.sockets) s.destroy();
    await stopped;
    this.server = undefined;
    this.opts.logger.info('DIMSE SCP stopped');
  }
}

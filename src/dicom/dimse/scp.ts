import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import dimse from 'dcmjs-dimse';
import type { IngestService } from '../ingest/ingest-service.ts';
import { rejectStatus, Status } from '../ingest/status.ts';
import type { Logger } from '../../log/logger.ts';
import { part10FromDimse } from './part10-from-dimse.ts';
import { FastCommandDataset } from './command-set.ts';

const { Scp, Dataset, constants, responses } = dimse;

/** After an A-ABORT, how long a peer may take to close the connection before it is destroyed. */
const ABORT_LINGER_MS = 1000;
type DimseDataset = InstanceType<typeof Dataset>;
type Association = Parameters<InstanceType<typeof Scp>['associationRequested']>[0];
type PresentationContext = ReturnType<Association['getPresentationContext']>;
type CStoreRequest = Parameters<InstanceType<typeof Scp>['cStoreRequest']>[0];
type CStoreResponse = InstanceType<typeof responses.CStoreResponse>;
type CEchoRequest = Parameters<InstanceType<typeof Scp>['cEchoRequest']>[0];
type CEchoResponse = InstanceType<typeof responses.CEchoResponse>;

const VERIFICATION = '1.2.840.10008.1.1';
const STORAGE_PREFIX = '1.2.840.10008.5.1.4.1.1.';
const DICOM_ROOT = '1.2.840.10008.';

/** Transfer syntaxes accepted, in readfirst's order of preference; bytes are stored as received. */
export const ACCEPTED_SYNTAXES = new Set([
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.81',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
  '1.2.840.10008.1.2.4.201',
  '1.2.840.10008.1.2.4.202',
  '1.2.840.10008.1.2.4.203',
  '1.2.840.10008.1.2.5',
]);

/** Storage SOP classes (PS3.4 B.5), verification, and private (non-standard) storage classes. */
function acceptsAbstractSyntax(uid: string): boolean {
  return uid === VERIFICATION || uid.startsWith(STORAGE_PREFIX) || !uid.startsWith(DICOM_ROOT);
}

/** Default of {@link ScpOptions.idleTimeoutMs}: Orthanc's `DicomScpTimeout`, and dcmtk's ACSE timeout. */
export const DEFAULT_ASSOCIATION_IDLE_TIMEOUT_MS = 30_000;

export interface ScpOptions {
  aeTitle: string;
  /** Empty: any calling AE may associate. */
  allowedCallingAeTitles: readonly string[];
  ingest: IngestService;
  logger: Logger;
  /**
   * How long a connection may stay silent, while readfirst owes the peer no answer, before it is
   * dropped: with an A-ABORT (PS3.8 7.3.1, source service-provider) once an association was
   * requested, without one before (PS3.8 9.2, the ARTIM timer in Sta2). It also ends a peer that
   * stopped in the middle of a PDU, whose half-received PDU would otherwise be waited for forever.
   * Default {@link DEFAULT_ASSOCIATION_IDLE_TIMEOUT_MS}.
   */
  idleTimeoutMs?: number;
}

/** What the SCPs of one listener share: whether shutdown has begun, and the stores in flight. */
export interface ScpShared {
  draining: boolean;
  inflight: Set<Promise<void>>;
  /** Live associations, to be aborted once their stores have finished at shutdown. */
  associations: Set<{ abortAssociation(): void }>;
}

/** Gives a response a command set that encodes without dcmjs (same bytes; see command-set.ts). */
function fastCommandSet<R extends CStoreResponse | CEchoResponse>(response: R): R {
  response.setCommandDataset(new FastCommandDataset(response.getCommandDataset().getElements()));
  return response;
}

/** Collects a C-STORE data set in memory (instances are single files, bounded by the PDU stream). */
class BufferSink extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunks.push(chunk);
    cb();
  }
}

/**
 * The C-STORE / C-ECHO SCP for one association (PS3.4 B, A.4; PS3.7 9.1.1, 9.1.5). It checks the
 * called and calling AE titles, accepts the first acceptable transfer syntax the peer proposed,
 * and hands each received data set, bytes untouched, to the shared ingest path. The response
 * status is sent only after the instance is durable.
 */
export function createScpClass(opts: ScpOptions, shared: ScpShared): new (socket: Socket) => InstanceType<typeof Scp> {
  const allowed = new Set(opts.allowedCallingAeTitles.map((a) => a.trim()));
  const raw = new WeakMap<DimseDataset, readonly Buffer[]>();
  const idleMs = opts.idleTimeoutMs ?? DEFAULT_ASSOCIATION_IDLE_TIMEOUT_MS;

  return class ReadfirstScp extends Scp {
    private callingAe = '';
    private readonly tcp: Socket;
    /** Accepted and not yet released: a silent connection is then ended with an A-ABORT. */
    private established = false;
    /** C-STOREs of this association whose response is not sent yet: the peer is waiting on us. */
    private owed = 0;
    private readonly idle: NodeJS.Timeout;

    constructor(socket: Socket) {
      // dcmjs-dimse's own association and PDU timers run only for connections its Server accepted
      // (it sets `connected`), so they never fire here: the idle timer below replaces them.
      super(socket, { associationTimeout: 60_000, pduTimeout: 60_000 });
      socket.setNoDelay(true);
      this.tcp = socket;
      this.on('networkError', (err: Error) => opts.logger.debug({ err: err.message }, 'DIMSE network error'));
      const self = { abortAssociation: () => this.sendAbort() };
      shared.associations.add(self);
      this.idle = setTimeout(() => this.idleExpired(), idleMs);
      this.idle.unref();
      // Any byte counts, whole PDU or not: the timer measures the peer's silence.
      socket.on('data', () => this.idle.refresh());
      socket.once('close', () => {
        clearTimeout(this.idle);
        shared.associations.delete(self);
      });
    }

    private idleExpired(): void {
      if (this.tcp.destroyed) return;
      if (this.owed > 0) {
        // The peer waits for our answer: its silence is expected, and the store's answer restarts the timer.
        this.idle.refresh();
        return;
      }
      opts.logger.warn({ callingAe: this.callingAe, idleMs, established: this.established }, 'DIMSE connection silent too long: aborted');
      if (this.established) {
        const { AbortSource, AbortReason } = constants;
        this.sendAbort(AbortSource.ServiceProvider, AbortReason.NotSpecified);
      }
      this.tcp.end();
      // A peer that no longer reads never completes the close: drop the connection.
      setTimeout(() => this.tcp.destroy(), ABORT_LINGER_MS).unref();
    }

    /** The peer sent an A-ABORT (PS3.8 7.3, 9.3.8): nothing is answered; the acceptor closes the connection. */
    override abort(source: number, reason: number): void {
      opts.logger.info({ callingAe: this.callingAe, source, reason }, 'DIMSE association aborted by the peer');
      this.tcp.end();
    }

    override associationRequested(association: Association): void {
      this.callingAe = association.getCallingAeTitle().trim();
      const called = association.getCalledAeTitle().trim();
      const { RejectResult, RejectSource, RejectReason, PresentationContextResult } = constants;
      if (shared.draining) {
        // PS3.8 7.1.1.9: transient, "local limit exceeded": the peer may retry after the restart.
        this.sendAssociationReject(RejectResult.Transient, RejectSource.ServiceProviderPresentation, RejectReason.LocalLimitExceeded);
        return;
      }
      if (called !== opts.aeTitle) {
        opts.logger.warn({ callingAe: this.callingAe, calledAe: called }, 'association rejected: called AE title unknown');
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CalledAeNotRecognized);
        return;
      }
      if (allowed.size > 0 && !allowed.has(this.callingAe)) {
        opts.logger.warn({ callingAe: this.callingAe }, 'association rejected: calling AE title not allowed');
        this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, RejectReason.CallingAeNotRecognized);
        return;
      }
      for (const { context } of association.getPresentationContexts()) {
        if (!acceptsAbstractSyntax(context.getAbstractSyntaxUid())) {
          context.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
          continue;
        }
        const ts = context.getTransferSyntaxUids().find((t) => ACCEPTED_SYNTAXES.has(t));
        if (ts) context.setResult(PresentationContextResult.Accept, ts);
        else context.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
      }
      this.established = true;
      this.sendAssociationAccept();
    }

    override associationReleaseRequested(): void {
      this.established = false;
      this.sendAssociationReleaseResponse();
    }

    override cEchoRequest(request: CEchoRequest, callback: (response: CEchoResponse) => void): void {
      const response = fastCommandSet(responses.CEchoResponse.fromRequest(request));
      response.setStatus(Status.Success);
      callback(response);
    }

    override createStoreWritableStream(_pc: PresentationContext, _request: CStoreRequest): Writable {
      return new BufferSink();
    }

    override createDatasetFromStoreWritableStream(
      writable: Writable,
      pc: PresentationContext,
      callback: (dataset: DimseDataset) => void,
    ): void {
      const ts = pc.getAcceptedTransferSyntaxUid() ?? '1.2.840.10008.1.2';
      const dataset = new Dataset({}, ts);
      raw.set(dataset, writable instanceof BufferSink ? writable.chunks : []);
      callback(dataset);
    }

    override cStoreRequest(request: CStoreRequest, callback: (response: CStoreResponse) => void): void {
      const response = fastCommandSet(responses.CStoreResponse.fromRequest(request));
      const dataset = request.getDataset();
      const bytes = dataset ? raw.get(dataset) : undefined;
      const sopClass = request.getAffectedSopClassUid();
      const sopInstance = request.getAffectedSopInstanceUid();
      const ts = dataset?.getTransferSyntaxUid() ?? '1.2.840.10008.1.2';
      if (shared.draining) {
        // Shutting down: refuse rather than acknowledge what might not be kept (PS3.4 B.2.3).
        response.setStatus(Status.OutOfResources);
        response.setErrorComment('server shutting down');
        callback(response);
        return;
      }
      const file = part10FromDimse(bytes ?? [], sopClass, sopInstance, ts, this.callingAe);
      this.owed++;
      const stored = opts.ingest
        .storeBuffer(file, 'dimse', { source: this.callingAe, sopInstanceUid: sopInstance })
        .then((r) => {
          if (r.outcome === 'stored' || r.outcome === 'duplicate') {
            response.setStatus(Status.Success);
            return;
          }
          response.setStatus(rejectStatus(r.reason));
          response.setErrorComment(r.message.slice(0, 64));
        })
        .catch(() => response.setStatus(Status.OutOfResources))
        .finally(() => {
          this.owed--;
          this.idle.refresh();
          callback(response);
        });
      shared.inflight.add(stored);
      void stored.finally(() => shared.inflight.delete(stored));
    }
  };
}

import type { Socket } from 'node:net';
import dimse from 'dcmjs-dimse';
import { errorMessage } from '../../core/errors.ts';
import { allFailed, type DestinationSender, type SendItem, type SendResult } from './send-result.ts';

const { Client, Dataset, requests, constants } = dimse;

// As for the SCP (dicom/dimse/dimse-server.ts): dcmjs-dimse logs every association at info level.
dimse.log.setLevel('warn');
type DimseDataset = InstanceType<typeof Dataset>;

/** dcmjs-dimse reads a Part-10 buffer with this static (used by its own `fromFile`), kept off its typings. */
const fromP10 = (Dataset as unknown as { _fromP10Buffer(buffer: Buffer): DimseDataset })._fromP10Buffer.bind(Dataset);

export interface DimseDestinationConfig {
  id: string;
  host: string;
  port: number;
  calledAeTitle: string;
  callingAeTitle: string;
  timeoutMs: number;
}

/** DIMSE statuses (PS3.7 C): 0x0000 success, 0xB000/0xB007/0xB006 warnings still store the object. */
function isStored(status: number): boolean {
  return status === constants.Status.Success || (status & 0xf000) === 0xb000;
}

/**
 * C-STORE SCU (PS3.4 B.2) over dcmjs-dimse: one association per batch, each object in its own
 * SOP class's presentation context as explicit VR little endian (how readfirst writes them).
 * An object the peer refuses for itself (0xA9xx, 0xCxxx) is not retried; out of resources (0xA7xx), a lost connection, a
 * rejected association or a timeout is, for every object without a response.
 */
export function cStoreSender(cfg: DimseDestinationConfig): DestinationSender {
  return {
    id: cfg.id,
    async send(items: readonly SendItem[]): Promise<Map<string, SendResult>> {
      const results = new Map<string, SendResult>();
      const client = new Client();
      for (const item of items) {
        let dataset: DimseDataset;
        try {
          dataset = fromP10(item.body);
        } catch (e) {
          results.set(item.id, { ok: false, error: `unreadable object: ${errorMessage(e)}`, retry: false });
          continue;
        }
        const request = new requests.CStoreRequest(dataset);
        request.on('response', (response: InstanceType<typeof dimse.responses.CStoreResponse>) => {
          const status = response.getStatus();
          if (isStored(status)) results.set(item.id, { ok: true });
          else
            results.set(item.id, {
              ok: false,
              error: `C-STORE status 0x${status.toString(16).padStart(4, '0')}`,
              retry: (status & 0xff00) === 0xa700,
            });
        });
        client.addRequest(request);
      }
      if (results.size === items.length) return results;
      const failure = await new Promise<string | null>((resolve) => {
        let error: string | null = null;
        client.on(
          'associationRejected',
          (r: { result?: number; reason?: number }) =>
            (error = `association rejected (result ${r.result ?? '?'}, reason ${r.reason ?? '?'})`),
        );
        client.on('networkError', (e: Error) => (error = `network error: ${e.message}`));
        client.on('closed', () => resolve(error));
        // dcmjs-dimse leaves Nagle on: each PDU of a large object then waits for the peer's delayed
        // ACK (about 40 ms per 16 KiB PDU). Its Client keeps the socket on `network` (not typed).
        client.on('connected', () => (client as unknown as { network?: { socket?: Socket } }).network?.socket?.setNoDelay(true));
        try {
          client.send(cfg.host, cfg.port, cfg.callingAeTitle, cfg.calledAeTitle, {
            connectTimeout: cfg.timeoutMs,
            associationTimeout: cfg.timeoutMs,
            pduTimeout: cfg.timeoutMs,
          });
        } catch (e) {
          resolve(`send failed: ${errorMessage(e)}`);
        }
      });
      const missing = items.filter((i) => !results.has(i.id));
      for (const [id, r] of allFailed(missing, failure ?? 'no C-STORE response')) results.set(id, r);
      return results;
    },
  };
}

import type { WritebackDestination } from '../../config/schema.ts';
import { cStoreSender } from './cstore-scu.ts';
import { orthancPrioritySender } from './orthanc-priority.ts';
import type { DestinationSender } from './send-result.ts';
import { stowRsSender } from './stow-rs-client.ts';

/** The sender of a configured destination. */
export function senderFor(d: WritebackDestination, opts: { callingAeTitle: string; timeoutMs: number }): DestinationSender {
  switch (d.type) {
    case 'dimse':
      return cStoreSender({
        id: d.id,
        host: d.host,
        port: d.port,
        calledAeTitle: d.aeTitle,
        callingAeTitle: d.callingAeTitle || opts.callingAeTitle,
        timeoutMs: opts.timeoutMs,
      });
    case 'stow-rs':
      return stowRsSender({ id: d.id, url: d.url, headers: d.headers, timeoutMs: opts.timeoutMs });
    case 'orthanc-priority':
      return orthancPrioritySender({
        id: d.id,
        url: d.url,
        username: d.username,
        password: d.password,
        metadataName: d.metadataName,
        timeoutMs: opts.timeoutMs,
      });
  }
}

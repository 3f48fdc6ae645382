import { randomUUID } from 'node:crypto';
import { errorMessage, ReadfirstError } from '../core/errors.ts';
import { demoImages } from './demo-images.ts';

export interface DemoOptions {
  /** The running server, e.g. http://127.0.0.1:8080. */
  server: string;
  folder?: string;
  count: number;
  intervalMs: number;
  write: (line: string) => void;
  /** Stops between studies when aborted (Ctrl-C). */
  signal?: AbortSignal;
  /** An API token with the `dicomweb:write` scope: STOW-RS, like every route, needs credentials. */
  token?: string;
}

/** One STOW-RS request body (PS3.18 10.5.1.2: multipart/related; type="application/dicom"). */
function stowBody(bytes: Buffer): { body: Buffer; contentType: string } {
  const boundary = `readfirst-demo-${randomUUID()}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/**
 * Streams demo studies into a running readfirst over STOW-RS, one every `intervalMs`, exactly as
 * a PACS or modality would send them: the demo never opens the server's data directory.
 */
export async function runDemo(o: DemoOptions): Promise<{ sent: number; failed: number }> {
  const server = o.server.replace(/\/$/, '');
  try {
    await fetch(`${server}/healthz`, { signal: AbortSignal.timeout(5000) });
  } catch {
    throw new ReadfirstError('unavailable', `no readfirst server answers at ${server}: start it first (npm start), or pass --server`);
  }
  const { source, images } = await demoImages({ ...(o.folder ? { folder: o.folder } : {}), count: o.count });
  o.write(
    `demo: ${images.length} studies from ${source} into ${server} (STOW-RS)\ndemo: open ${server}/ and sign in to watch the worklist re-rank\n`,
  );
  let sent = 0;
  let failed = 0;
  for (const [i, img] of images.entries()) {
    if (o.signal?.aborted) break;
    try {
      const { body, contentType } = stowBody(img.bytes);
      const res = await fetch(`${server}/dicom-web/studies`, {
        method: 'POST',
        headers: {
          'content-type': contentType,
          accept: 'application/dicom+json',
          ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
        },
        body,
      });
      if (res.status !== 200) throw new Error(`STOW-RS answered ${res.status}`);
      sent++;
      o.write(`sent ${i + 1}/${images.length}${img.synthetic ? ' [SYNTHETIC]' : ''}: ${img.label}\n`);
    } catch (e) {
      failed++;
      o.write(`could not send ${img.label}: ${errorMessage(e)}\n`);
    }
    if (i < images.length - 1) await new Promise<void>((r) => setTimeout(r, o.intervalMs));
  }
  return { sent, failed };
}

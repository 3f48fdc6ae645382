import type { App } from '../app/app.ts';
import { errorMessage } from '../core/errors.ts';
import { demoImages } from './demo-images.ts';

export interface DemoOptions {
  folder?: string;
  count: number;
  intervalMs: number;
  write: (line: string) => void;
}

/**
 * Streams demo studies into a running readfirst through its ingest service, one every
 * `intervalMs`, and prints how each is ranked as the worklist re-ranks live.
 */
export async function runDemo(app: App, o: DemoOptions): Promise<void> {
  const ingest = app.services.dicom.ingest;
  const { source, images } = await demoImages({ ...(o.folder ? { folder: o.folder } : {}), count: o.count });
  const base = `http://${app.ctx.config.http.host}:${app.httpPort()}`;
  o.write(`demo: ${images.length} studies from ${source}\ndemo: open ${base}/ and sign in to watch the worklist re-rank\n`);
  o.write(`demo: each study is ranked once the ingest quiet period (${app.ctx.config.ingest.quietPeriodMs} ms) has passed\n`);
  const last = new Map<string, string>();
  const off = app.services.worklist.subscribe((c) => {
    if (c.type !== 'ranked') return;
    const line = `  #${c.position ?? '-'} ${c.item.urgency.padEnd(13)} AI ${c.item.aiStatus.padEnd(14)} ${c.item.studyDescription ?? ''}: ${c.item.reason}\n`;
    if (last.get(c.item.studyInstanceUid) !== line) o.write(line);
    last.set(c.item.studyInstanceUid, line);
  });
  try {
    for (const [i, img] of images.entries()) {
      try {
        const r = await ingest.storeBuffer(img.bytes, 'import');
        o.write(`sent ${i + 1}/${images.length}${img.synthetic ? ' [SYNTHETIC]' : ''}: ${img.label} (${r.outcome})\n`);
      } catch (e) {
        o.write(`could not send ${img.label}: ${errorMessage(e)}\n`);
      }
      await new Promise((r) => setTimeout(r, o.intervalMs));
    }
  } finally {
    off();
  }
}

import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ReadfirstError } from '../../core/errors.ts';
import type { MimePart } from './multipart.ts';

const CHUNK = 1 << 20;
/** A part's header block is small; a longer one is not a MIME part. */
const MAX_PART_HEADERS = 16 * 1024;

/** A request body spooled to a temporary file; `remove` deletes it. */
export interface SpooledBody {
  path: string;
  size: number;
  remove(): Promise<void>;
}

/**
 * Writes a request body to a file under `dir` instead of holding it in memory, refusing it once
 * it passes `maxBytes` (HTTP 413) and cutting it off when nothing arrives for `idleTimeoutMs`
 * (HTTP 408); the server's request timeout bounds the whole upload.
 */
export async function spoolBody(body: Readable, dir: string, maxBytes: number, idleTimeoutMs: number): Promise<SpooledBody> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `stow-${randomBytes(8).toString('hex')}.part`);
  let size = 0;
  let timer: NodeJS.Timeout | undefined;
  const idle = (): void => {
    clearTimeout(timer);
    timer = setTimeout(
      () => counter.destroy(new ReadfirstError('request-timeout', `the upload sent nothing for ${idleTimeoutMs} ms`)),
      idleTimeoutMs,
    );
  };
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      idle();
      size += chunk.length;
      if (size > maxBytes) done(new ReadfirstError('too-large', `STOW-RS body exceeds ${maxBytes} bytes`));
      else done(null, chunk);
    },
  });
  const remove = (): Promise<void> => rm(path, { force: true });
  idle();
  try {
    await pipeline(body, counter, createWriteStream(path, { flags: 'wx' }));
  } catch (e) {
    clearTimeout(timer);
    await remove();
    if (e instanceof ReadfirstError) throw e;
    throw new ReadfirstError('invalid-input', 'the STOW-RS body was not received completely', undefined, { cause: e });
  }
  clearTimeout(timer);
  return { path, size, remove };
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/** Offsets of every `delim` in the file, scanned a chunk at a time (RFC 2046 5.1.1). */
async function delimiterOffsets(path: string, delim: Buffer): Promise<number[]> {
  const fh = await open(path, 'r');
  try {
    const found: number[] = [];
    const buf = Buffer.alloc(CHUNK + delim.length);
    let carry = 0;
    let filePos = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, carry, CHUNK, filePos);
      const avail = carry + bytesRead;
      const base = filePos - carry;
      let at = buf.indexOf(delim, 0);
      while (at >= 0 && at + delim.length <= avail) {
        found.push(base + at);
        at = buf.indexOf(delim, at + delim.length);
      }
      if (bytesRead === 0) return found;
      filePos += bytesRead;
      // Keep the tail that could hold the start of a delimiter cut by the chunk edge.
      carry = Math.min(delim.length - 1, avail);
      buf.copy(buf, 0, avail - carry, avail);
      buf.fill(0, carry);
    }
  } finally {
    await fh.close();
  }
}

/**
 * The parts of a spooled multipart/related body, read one at a time: only the part being stored
 * is in memory. Same grammar as `parseMultipart` (PS3.18 8.6.1.2).
 */
export async function* spooledParts(body: SpooledBody, boundary: string): AsyncGenerator<MimePart> {
  const dash = Buffer.from(`--${boundary}`, 'latin1');
  const starts = await delimiterOffsets(body.path, dash);
  if (starts.length === 0) throw new ReadfirstError('invalid-input', 'multipart boundary not found');
  // A delimiter is `--boundary` at the very start or `\r\n--boundary` elsewhere.
  const delims = starts.filter((o) => o === 0 || o >= 2);
  const fh = await open(body.path, 'r');
  try {
    const peek = Buffer.alloc(2);
    const valid: number[] = [];
    for (const o of delims) {
      if (o === 0) valid.push(o);
      else {
        await fh.read(peek, 0, 2, o - 2);
        if (peek[0] === 0x0d && peek[1] === 0x0a) valid.push(o);
      }
    }
    for (let i = 0; i < valid.length; i++) {
      const at = valid[i] ?? 0;
      let start = at + dash.length;
      await fh.read(peek, 0, 2, start);
      if (peek[0] === 0x2d && peek[1] === 0x2d) return;
      if (peek[0] === 0x0d && peek[1] === 0x0a) start += 2;
      const next = valid[i + 1];
      const end = next === undefined ? body.size : next - 2;
      if (end <= start) continue;
      const headBuf = Buffer.alloc(Math.min(MAX_PART_HEADERS, end - start));
      await fh.read(headBuf, 0, headBuf.length, start);
      const split = headBuf.indexOf('\r\n\r\n');
      if (split < 0) {
        yield { headers: parseHeaders(headBuf.toString('latin1')), body: Buffer.alloc(0) };
        continue;
      }
      const bodyStart = start + split + 4;
      const part = Buffer.allocUnsafe(Math.max(0, end - bodyStart));
      if (part.length > 0) await fh.read(part, 0, part.length, bodyStart);
      yield { headers: parseHeaders(headBuf.subarray(0, split).toString('latin1')), body: part };
    }
  } finally {
    await fh.close();
  }
}

import { randomBytes } from 'node:crypto';
import { ReadfirstError } from '../../core/errors.ts';

export interface MimePart {
  headers: Record<string, string>;
  body: Buffer;
}

/** A parameter of a Content-Type header (`boundary`, `type`, `transfer-syntax`), unquoted. */
export function contentTypeParam(contentType: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|;)\\s*${name}\\s*=\\s*(?:"([^"]*)"|([^;\\s]*))`, 'i');
  const m = re.exec(contentType);
  return m ? (m[1] ?? m[2]) : undefined;
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

/** Splits a multipart body (RFC 2046 5.1; PS3.18 8.6.1.2) into its parts, without copying bodies. */
export function parseMultipart(body: Buffer, contentType: string): MimePart[] {
  const boundary = contentTypeParam(contentType, 'boundary');
  if (!boundary) throw new ReadfirstError('invalid-input', 'multipart body without a boundary');
  const delim = Buffer.from(`--${boundary}`, 'latin1');
  const parts: MimePart[] = [];
  let at = body.indexOf(delim);
  if (at < 0) throw new ReadfirstError('invalid-input', 'multipart boundary not found');
  for (;;) {
    let start = at + delim.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    while (body[start] === 0x20 || body[start] === 0x09) start++;
    if (body[start] === 0x0d && body[start + 1] === 0x0a) start += 2;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delim]), start);
    const end = next < 0 ? body.length : next;
    const part = body.subarray(start, end);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) parts.push({ headers: parseHeaders(part.toString('latin1')), body: Buffer.alloc(0) });
    else parts.push({ headers: parseHeaders(part.subarray(0, split).toString('latin1')), body: part.subarray(split + 4) });
    if (next < 0) break;
    at = next + 2;
  }
  return parts;
}

/** Builds a multipart/related body; returns it with its boundary. */
export function buildMultipart(parts: ReadonlyArray<{ contentType: string; body: Uint8Array; location?: string }>): {
  boundary: string;
  body: Buffer;
} {
  const boundary = `readfirst-${randomBytes(12).toString('hex')}`;
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const loc = p.location ? `Content-Location: ${p.location}\r\n` : '';
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Type: ${p.contentType}\r\n${loc}Content-Length: ${p.body.byteLength}\r\n\r\n`, 'latin1'),
    );
    chunks.push(Buffer.from(p.body.buffer, p.body.byteOffset, p.body.byteLength));
    chunks.push(Buffer.from('\r\n', 'latin1'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`, 'latin1'));
  return { boundary, body: Buffer.concat(chunks) };
}

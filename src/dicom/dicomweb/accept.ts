import { ReadfirstError } from '../../core/errors.ts';
import { contentTypeParam, mediaType } from './multipart.ts';

/** One acceptable representation from an Accept header (RFC 9110 12.5.1; PS3.18 8.7.3 and 8.8). */
export interface AcceptOption {
  /** Media type of each part (for multipart/related, its `type` parameter), lower case; `*\/*` for any. */
  type: string;
  /** `transfer-syntax` parameter: a UID, `*` (any), or undefined (the media type's default). */
  transferSyntax?: string;
  q: number;
}

/** Splits on commas outside quotes. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (const ch of s) {
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((x) => x.trim()).filter((x) => x !== '');
}

/**
 * The options of an Accept header, best first; q=0 entries are dropped. `multipart/related`
 * contributes its `type`; a bare `*\/*` (or no header) accepts anything.
 */
export function acceptOptions(accept: string | undefined): AcceptOption[] {
  if (accept === undefined || accept.trim() === '') return [{ type: '*/*', q: 1 }];
  const options: AcceptOption[] = [];
  for (const entry of splitTop(accept)) {
    const mt = mediaType(entry);
    const q = Number(contentTypeParam(entry, 'q') ?? '1');
    if (!Number.isFinite(q) || q <= 0) continue;
    const ts = contentTypeParam(entry, 'transfer-syntax')?.trim();
    const type = mt === 'multipart/related' ? (contentTypeParam(entry, 'type') ?? '*/*').toLowerCase() : mt;
    options.push({ type, ...(ts ? { transferSyntax: ts } : {}), q });
  }
  return options.sort((a, b) => b.q - a.q);
}

/** Does an option's media range cover `type`? */
export function covers(option: AcceptOption, type: string): boolean {
  if (option.type === '*/*' || option.type === type) return true;
  return option.type.endsWith('/*') && type.startsWith(option.type.slice(0, -1));
}

export const notAcceptable = (what: string): ReadfirstError => new ReadfirstError('not-acceptable', what);

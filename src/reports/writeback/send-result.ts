/** What one attempt to send one object to one destination came to. */
export type SendResult =
  { ok: true } | { ok: false; error: string; /** False when retrying cannot help (the peer refused this object itself). */ retry: boolean };

/** One object handed to a sender: its outbox id and body. */
export interface SendItem {
  id: string;
  contentType: 'application/dicom' | 'application/json';
  studyInstanceUid: string;
  body: Buffer;
}

/** Sends a batch to one destination; returns a result for every item, by id. Never throws. */
export interface DestinationSender {
  readonly id: string;
  send(items: readonly SendItem[]): Promise<Map<string, SendResult>>;
}

export function allFailed(items: readonly SendItem[], error: string, retry = true): Map<string, SendResult> {
  return new Map(items.map((i) => [i.id, { ok: false, error, retry }]));
}

/**
 * Where instance bytes live, exactly as received. The ingest path writes through this interface
 * and every reader (WADO-RS, inference) reads through it; the local folder
 * (`LocalInstanceFiles`) is one implementation, object storage would be another. Every
 * implementation passes `instance-files.contract.int.test.ts`.
 */
export interface InstanceFiles {
  /** Resolves only once the bytes are durable: an acknowledgement may follow at once. */
  write(filePath: string, bytes: Uint8Array, tag?: string): Promise<void>;
  /** The stored bytes; rejects when the file is missing. */
  read(file: StoredFile): Promise<Buffer>;
  /** Writes (durably) unless the same bytes are already there: journal replay after a crash. */
  restore(filePath: string, bytes: Uint8Array): Promise<void>;
  /** Size in bytes, or undefined when nothing is stored at that path. */
  size(file: StoredFile): Promise<number | undefined>;
}

/** A reference to a stored file: its path relative to the store's root (forward slashes). */
export interface StoredFile {
  filePath: string;
}

const UID = /^[0-9]+(\.[0-9]+)*$/;

/**
 * The deterministic relative path of an instance, `<Study>/<Series>/<SOP>.dcm`. UIDs are checked
 * here as well as at parse time (digits and dots, PS3.5 9.1), so a path can never leave the root.
 */
export function instanceFilePath(studyUid: string, seriesUid: string, sopUid: string): string {
  for (const uid of [studyUid, seriesUid, sopUid]) if (!UID.test(uid)) throw new Error('not a DICOM UID');
  return `${studyUid}/${seriesUid}/${sopUid}.dcm`;
}

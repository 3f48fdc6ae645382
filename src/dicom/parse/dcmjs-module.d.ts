/**
 * The slice of dcmjs 0.51 (untyped upstream) that readfirst uses. Extend it here when you need
 * more; keep it declarative.
 */
declare module 'dcmjs' {
  /** One element in dcmjs's denaturalised model (close to the DICOM JSON model, PS3.18 F.2). */
  export interface DcmjsElement {
    vr: string;
    Value?: unknown[];
    InlineBinary?: string;
    BulkDataURI?: string;
  }
  export type DcmjsDict = Record<string, DcmjsElement>;

  export interface DicomMessageReadOptions {
    ignoreErrors?: boolean;
    untilTag?: string;
    includeUntilTagValue?: boolean;
    noCopy?: boolean;
  }

  export class DicomDict {
    constructor(meta: DcmjsDict);
    meta: DcmjsDict;
    dict: DcmjsDict;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }

  export interface DcmjsData {
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: DicomMessageReadOptions): DicomDict;
    };
    DicomDict: typeof DicomDict;
    DicomMetaDictionary: {
      naturalizeDataset(dict: DcmjsDict): Record<string, unknown>;
      /** The PS3.6 data dictionary, keyed "(gggg,eeee)". */
      dictionary: Record<string, { tag: string; vr: string; name: string } | undefined>;
      denaturalizeDataset(ds: Record<string, unknown>): DcmjsDict;
      uid(): string;
    };
  }

  export interface DcmjsLog {
    setLevel(level: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent'): void;
  }

  const dcmjs: { data: DcmjsData; log: DcmjsLog };
  export default dcmjs;
}

/** One attribute in the DICOM JSON model (PS3.18 F.2). */
export interface JsonAttr {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

export type JsonDataset = Record<string, JsonAttr>;

/** A DICOM JSON attribute; an absent or empty value gives an attribute without Value. */
export function attr(vr: string, value: string | number | null | undefined | ReadonlyArray<string | number>): JsonAttr {
  if (value === null || value === undefined || value === '') return { vr };
  const values = Array.isArray(value) ? [...(value as ReadonlyArray<string | number>)] : [value as string | number];
  if (values.length === 0) return { vr };
  if (vr === 'PN') return { vr, Value: values.map((v) => ({ Alphabetic: String(v) })) };
  return { vr, Value: values };
}

import { DcmjsDicomDict, DicomMetaDictionary } from '../dicom/parse/dcmjs.ts';

/** Implementation class UID on generated (demo and test) instances, distinct from ingest's `.1455.1`. */
export const GENERATED_IMPLEMENTATION_CLASS_UID = '1.2.826.0.1.3680043.10.1455.9';

/**
 * Writes a naturalized data set as a Part-10 file: preamble, "DICM" and a file meta group
 * (PS3.10 7.1) naming `sop`, with the data set in explicit VR little endian. `sop` is passed
 * apart from the data set so a generator can omit SOPInstanceUID from it (a malformed case).
 */
export function naturalToPart10(natural: Record<string, unknown>, sop: { classUid: string; instanceUid: string }): Buffer {
  const meta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sop.classUid,
    MediaStorageSOPInstanceUID: sop.instanceUid,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: GENERATED_IMPLEMENTATION_CLASS_UID,
  });
  const dict = new DcmjsDicomDict(meta);
  dict.dict = DicomMetaDictionary.denaturalizeDataset(natural);
  return Buffer.from(dict.write());
}

import { IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION } from '../../dicom/dimse/part10-from-dimse.ts';
import { DcmjsDicomDict, DicomMetaDictionary } from '../../dicom/parse/dcmjs.ts';

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/**
 * Writes a naturalized data set as a Part-10 file (PS3.10 7.1): preamble, "DICM", a file meta
 * group naming the SOP class and instance, the data set in explicit VR little endian.
 */
export function writePart10(natural: Record<string, unknown>): Buffer {
  const sopClassUid = natural.SOPClassUID;
  const sopInstanceUid = natural.SOPInstanceUID;
  if (typeof sopClassUid !== 'string' || typeof sopInstanceUid !== 'string')
    throw new Error('writePart10: SOPClassUID and SOPInstanceUID are required');
  const meta = DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopInstanceUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION,
  });
  const dict = new DcmjsDicomDict(meta);
  dict.dict = DicomMetaDictionary.denaturalizeDataset(natural);
  return Buffer.from(dict.write());
}

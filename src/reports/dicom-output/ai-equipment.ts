import type { ModelProvenance } from '../../inference/result.ts';
import { stableUid } from './uid.ts';

/** The model as a DICOM device: software version = model version, one device UID per model build. */
export interface AiDevice {
  manufacturer: string;
  modelName: string;
  softwareVersion: string;
  deviceUid: string;
  /** The card id and sha256, carried as the device serial number for traceability. */
  serialNumber: string;
}

export const DEFAULT_MANUFACTURER = 'readfirst';

/** The device identity of a model; the same model build always gets the same UID. */
export function aiDeviceOf(model: ModelProvenance, manufacturer = DEFAULT_MANUFACTURER): AiDevice {
  return {
    manufacturer,
    modelName: model.modelName,
    softwareVersion: model.modelVersion,
    deviceUid: stableUid('readfirst-model', model.modelId, model.modelVersion, model.modelSha256),
    serialNumber: `${model.modelId}@sha256:${model.modelSha256.slice(0, 16)}`,
  };
}

/**
 * Purpose of reference "Processing Algorithm" as IHE AI Results (AIR, Rev 1.1, 6.5.3.2) defines
 * it for AI-generated objects, pending a DICOM code.
 */
export const PROCESSING_ALGORITHM = {
  CodeValue: 'Newcode1',
  CodingSchemeDesignator: '99IHE',
  CodeMeaning: 'Processing Algorithm',
} as const;

/** General Equipment (PS3.3 C.7.5.1) of the output; the device UID goes in the Contributing Equipment, where the IOD has it. */
export function generalEquipment(d: AiDevice): Record<string, unknown> {
  return {
    Manufacturer: d.manufacturer,
    ManufacturerModelName: d.modelName,
    SoftwareVersions: d.softwareVersion,
    DeviceSerialNumber: d.serialNumber,
  };
}

/**
 * Contributing Equipment Sequence (PS3.3 C.12.1.1.5, IHE AIR): names the algorithm that made the
 * object, so a PACS or viewer can tell AI output from acquired images.
 */
export function contributingEquipment(d: AiDevice, dateTime: { date: string; time: string }): Record<string, unknown> {
  return {
    ContributingEquipmentSequence: [
      {
        PurposeOfReferenceCodeSequence: [{ ...PROCESSING_ALGORITHM }],
        Manufacturer: d.manufacturer,
        ManufacturerModelName: d.modelName,
        SoftwareVersions: d.softwareVersion,
        DeviceSerialNumber: d.serialNumber,
        DeviceUID: d.deviceUid,
        ContributionDateTime: `${dateTime.date}${dateTime.time}`,
        ContributionDescription: 'AI-generated: for assistance, not a diagnosis',
      },
    ],
  };
}

/** DICOM DA and TM of an epoch-ms time, in UTC (the offset is written beside it). */
export function dicomDateTime(epochMs: number): { date: string; time: string; offset: string } {
  const iso = new Date(epochMs).toISOString();
  return { date: iso.slice(0, 10).replaceAll('-', ''), time: iso.slice(11, 19).replaceAll(':', ''), offset: '+0000' };
}

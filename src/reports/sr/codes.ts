import { code } from './content-items.ts';

/**
 * Codes of the TID 1500 tree (PS3.16: DCM, SCT, UCUM, RFC5646) and readfirst's own local codes
 * (scheme "99READFIRST", PS3.16 8.2: a private scheme starts with "99") for what no standard
 * code names: the operating point of a decision and its threshold.
 */
export const CODES = {
  imagingMeasurementReport: code('126000', 'DCM', 'Imaging Measurement Report'),
  language: code('121049', 'DCM', 'Language of Content Item and Descendants'),
  englishUs: code('en-US', 'RFC5646', 'English (United States)'),
  observerType: code('121005', 'DCM', 'Observer Type'),
  device: code('121007', 'DCM', 'Device'),
  deviceObserverUid: code('121012', 'DCM', 'Device Observer UID'),
  deviceObserverName: code('121013', 'DCM', 'Device Observer Name'),
  deviceObserverManufacturer: code('121014', 'DCM', 'Device Observer Manufacturer'),
  deviceObserverModelName: code('121015', 'DCM', 'Device Observer Model Name'),
  procedureReported: code('121058', 'DCM', 'Procedure reported'),
  chestXray: code('168731009', 'SCT', 'Standard chest X-ray'),
  imageLibrary: code('111028', 'DCM', 'Image Library'),
  imageLibraryGroup: code('126200', 'DCM', 'Image Library Group'),
  imagingMeasurements: code('126010', 'DCM', 'Imaging Measurements'),
  measurementGroup: code('125007', 'DCM', 'Measurement Group'),
  trackingIdentifier: code('112039', 'DCM', 'Tracking Identifier'),
  trackingUid: code('112040', 'DCM', 'Tracking Unique Identifier'),
  finding: code('121071', 'DCM', 'Finding'),
  algorithmName: code('111001', 'DCM', 'Algorithm Name'),
  algorithmVersion: code('111003', 'DCM', 'Algorithm Version'),
  sourceOfMeasurement: code('121112', 'DCM', 'Source of Measurement'),
  certaintyOfFinding: code('111012', 'DCM', 'Certainty of Finding'),
  present: code('52101004', 'SCT', 'Present'),
  absent: code('2667000', 'SCT', 'Absent'),
  noUnits: code('1', 'UCUM', 'no units'),
  operatingPoint: code('operating-point', '99READFIRST', 'Operating point'),
  decisionThreshold: code('threshold', '99READFIRST', 'Decision threshold'),
} as const;

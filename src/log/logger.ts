import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Paths redacted from every log line. Logs must never carry patient names or identifiers; code
 * logs UIDs and counts, and this list is the safety net if a tag object slips through.
 */
export const PHI_REDACT_PATHS = [
  'patientName',
  'patientId',
  'PatientName',
  'PatientID',
  'patientBirthDate',
  'PatientBirthDate',
  'accessionNumber',
  'AccessionNumber',
  '*.patientName',
  '*.patientId',
  '*.PatientName',
  '*.PatientID',
  '*.patientBirthDate',
  '*.PatientBirthDate',
  '*.accessionNumber',
  '*.AccessionNumber',
];

/** The structured logger (pino, JSON lines). `destination` lets tests capture the output. */
export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const opts = { level, base: { svc: 'readfirst' }, redact: { paths: PHI_REDACT_PATHS, censor: '[redacted]' } };
  return destination ? pino(opts, destination) : pino(opts);
}

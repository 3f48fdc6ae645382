import { describe, expect, it } from 'vitest';
import { unansweredRequests } from './fuzz-ingest.ts';

// Lines as dcmtk 3.6.7's storescu -v -ta 10 -td 10 writes them.
const dimseTimeout = [
  'I: Sending Store Request (MsgID 33, DX)',
  'E: Store Failed, file: /tmp/batch-355/11.dcm:',
  'E: 0006:0207 DIMSE No data available (timeout in non-blocking mode)',
  'I: Sending file: /tmp/batch-355/49.dcm',
].join('\n');
const acseTimeout = 'I: Requesting Association\nF: Association Request Failed: 0006:031a DUL network read timeout';
const refusedAndParsed = [
  'F: Association Request Failed: 0006:031c TCP Initialization Error: Connection refused',
  'E: Bad DICOM file: /tmp/batch-355/35.dcm: Invalid tag',
  'I: Received Store Response (Error: CannotUnderstand)',
  'I: Received Store Response (Success)',
].join('\n');

describe('unanswered requests in storescu output (the fuzzer counts them as hangs)', () => {
  it('counts a C-STORE whose response did not come within the DIMSE timeout', () => {
    expect(unansweredRequests(dimseTimeout)).toBe(1);
  });
  it('counts an association request the SCP never answered within the ACSE timeout', () => {
    expect(unansweredRequests(acseTimeout)).toBe(1);
  });
  it('does not count refusals, unreadable files or answered requests', () => {
    expect(unansweredRequests(refusedAndParsed)).toBe(0);
  });
});

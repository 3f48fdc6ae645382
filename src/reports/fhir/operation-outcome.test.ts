import { describe, expect, it } from 'vitest';
import { fhirErrorBody, operationOutcome } from './operation-outcome.ts';

describe('errors as FHIR OperationOutcome', () => {
  it('carries the message in one issue, typed from the error code', () => {
    expect(operationOutcome({ status: 400, code: 'invalid-input', message: 'search parameter status is not supported' })).toEqual({
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'error', code: 'invalid', diagnostics: 'search parameter status is not supported' }],
    });
    expect(operationOutcome({ status: 404, code: 'not-found', message: 'x' }).issue[0]?.code).toBe('not-found');
    expect(operationOutcome({ status: 401, code: 'unauthenticated', message: 'x' }).issue[0]?.code).toBe('login');
    expect(operationOutcome({ status: 403, code: 'forbidden', message: 'x' }).issue[0]?.code).toBe('forbidden');
  });

  it('says a server fault is fatal', () => {
    expect(operationOutcome({ status: 500, code: 'internal', message: 'internal error' }).issue[0]).toEqual({
      severity: 'fatal',
      code: 'exception',
      diagnostics: 'internal error',
    });
  });

  it('is sent as application/fhir+json', () => {
    expect(fhirErrorBody({ status: 404, code: 'not-found', message: 'x' }).contentType).toMatch(/^application\/fhir\+json/);
  });
});

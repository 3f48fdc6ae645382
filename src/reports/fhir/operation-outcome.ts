import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { ErrorCode } from '../../core/errors.ts';
import type { ErrorBody, HttpError } from '../../http/route.ts';

/** readfirst's error codes as FHIR R4 IssueType codes (http://hl7.org/fhir/R4/valueset-issue-type.html). */
const ISSUE_TYPE: Record<ErrorCode, OperationOutcomeIssue['code']> = {
  'invalid-input': 'invalid',
  'not-found': 'not-found',
  conflict: 'conflict',
  unauthenticated: 'login',
  forbidden: 'forbidden',
  'rate-limited': 'throttled',
  'too-large': 'too-costly',
  unsupported: 'not-supported',
  'not-acceptable': 'not-supported',
  'not-analysable': 'processing',
  unavailable: 'transient',
  timeout: 'timeout',
  'request-timeout': 'timeout',
  config: 'exception',
  internal: 'exception',
};

/**
 * An error as a FHIR OperationOutcome (FHIR R4 3.1.0.4.1: a RESTful server SHOULD return one
 * with any 4xx or 5xx answer): one issue, `fatal` for a server fault, its text in `diagnostics`.
 */
export function operationOutcome(e: HttpError): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: e.status >= 500 ? 'fatal' : 'error', code: ISSUE_TYPE[e.code], diagnostics: e.message }],
  };
}

/** The `errorBody` of every /fhir route. */
export const fhirErrorBody: ErrorBody = (e) => ({ contentType: 'application/fhir+json; charset=utf-8', body: operationOutcome(e) });

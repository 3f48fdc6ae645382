import dimse from 'dcmjs-dimse';
import { describe, expect, it } from 'vitest';
import { FastCommandDataset, encodeCommandSet } from './command-set.ts';

const { Dataset, requests, responses } = dimse;

function storeRequest(sopClass: string, sopInstance: string, messageId: number): InstanceType<typeof requests.CStoreRequest> {
  const req = new requests.CStoreRequest(new Dataset({ SOPClassUID: sopClass, SOPInstanceUID: sopInstance }));
  req.setAffectedSopClassUid(sopClass);
  req.setAffectedSopInstanceUid(sopInstance);
  req.setMessageId(messageId);
  return req;
}

describe('encodeCommandSet', () => {
  const cases: Array<[string, Record<string, unknown>]> = [];
  for (const [uid, comment] of [
    ['1.2.3.4', undefined],
    ['1.2.3.45', 'abc'],
    ['1.2.840.10008.5.1.4.1.1.1.1', 'even'],
  ] as const) {
    const ok = responses.CStoreResponse.fromRequest(storeRequest('1.2.840.10008.5.1.4.1.1.1.1', uid, 7));
    ok.setStatus(0);
    cases.push([`C-STORE-RSP ${uid}`, ok.getCommandDataset().getElements()]);
    if (comment !== undefined) {
      const bad = responses.CStoreResponse.fromRequest(storeRequest('1.2.840.10008.5.1.4.1.1.7', uid, 65535));
      bad.setStatus(0xa900);
      bad.setErrorComment(comment);
      cases.push([`C-STORE-RSP failure ${comment}`, bad.getCommandDataset().getElements()]);
    }
  }
  const echo = responses.CEchoResponse.fromRequest(new requests.CEchoRequest());
  echo.setStatus(0);
  cases.push(['C-ECHO-RSP', echo.getCommandDataset().getElements()]);
  cases.push(['an empty UID', { CommandField: 0x8001, AffectedSOPClassUID: '', Status: 0 }]);

  it.each(cases)('gives the same bytes as dcmjs-dimse for %s', (_name, elements) => {
    const reference = new Dataset({ ...elements }).getDenaturalizedCommandDataset();
    expect(encodeCommandSet(elements)?.toString('hex')).toBe(reference.toString('hex'));
    expect(new FastCommandDataset({ ...elements }).getDenaturalizedCommandDataset().equals(reference)).toBe(true);
  });

  it('declines elements outside its dictionary or values of the wrong type, and the dataset falls back to dcmjs', () => {
    const odd = { CommandField: 0x8001, NumberOfRemainingSuboperations: 3 };
    expect(encodeCommandSet(odd)).toBeUndefined();
    expect(encodeCommandSet({ Status: 'x' })).toBeUndefined();
    expect(encodeCommandSet({ Status: 70000 })).toBeUndefined();
    const reference = new Dataset({ ...odd }).getDenaturalizedCommandDataset();
    expect(new FastCommandDataset({ ...odd }).getDenaturalizedCommandDataset().equals(reference)).toBe(true);
  });
});

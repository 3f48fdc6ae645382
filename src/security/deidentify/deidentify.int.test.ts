import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../test/support/app.ts';
import { runDcmtk } from '../../../test/support/dcmtk.ts';
import type { App } from '../../app/app.ts';
import { DcmjsDicomDict, type DcmjsDict, DicomMetaDictionary } from '../../dicom/parse/dcmjs.ts';
import { createLogger } from '../../log/logger.ts';
import { readLabelsCsv } from '../../monitor/labels-csv.ts';
import type { Reading } from '../../reading/reading.ts';
import { Pseudonyms, mayHaveBurnedInText } from './deidentify.ts';
import { exportDeidentified } from '../../cli/commands/export-deidentified.ts';
import { type DeidAction, PROFILE_TABLE, actionFor } from './profile.ts';

const SOP_CLASS = '1.2.840.10008.5.1.4.1.1.1.1';
const SKIP = new Set(['FFFAFFFA', 'FFFCFFFC', '00080016', '7FE00010']);

/** A value of the right VR for any attribute, recognisable in dcmdump's output. */
function sample(vr: string, i: number): unknown[] {
  switch (vr) {
    case 'DA':
      return ['20240315'];
    case 'TM':
      return ['101112'];
    case 'DT':
      return ['20240315101112'];
    case 'PN':
      return [{ Alphabetic: `Secret^Person${i}` }];
    case 'UI':
      return [`1.2.826.0.1.3680043.10.1.${i}`];
    case 'AS':
      return ['045Y'];
    case 'DS':
    case 'IS':
      return ['7'];
    case 'US':
      return [7];
    case 'CS':
      return ['SECRET'];
    case 'AE':
      return ['SECRETAE'];
    case 'OB':
    case 'UN':
      return [new Uint8Array([1, 2, 3, 4]).buffer];
    case 'SQ':
      return [{ '00100020': { vr: 'LO', Value: ['NESTED-SECRET'] } }];
    default:
      return [`secret text ${i}`];
  }
}

interface Probe {
  tag: string;
  name: string;
  vr: string;
  action: DeidAction;
}

/** One DX image carrying every attribute of PS3.15 Table E.1-1 that the data dictionary knows, plus a private block. */
function everyAttributeFile(study: string, series: string, sop: string, patientId: string): { bytes: Buffer; probes: Probe[] } {
  const probes: Probe[] = [];
  const dict: DcmjsDict = {};
  PROFILE_TABLE.forEach((a, i) => {
    if (a.tag.includes('x') || a.tag.startsWith('0002') || a.tag.startsWith('0000') || SKIP.has(a.tag)) return;
    const entry = DicomMetaDictionary.dictionary[`(${a.tag.slice(0, 4)},${a.tag.slice(4)})`];
    const vr = entry?.vr.split(' ')[0];
    if (!vr || !/^[A-Z]{2}$/.test(vr)) return;
    dict[a.tag] = { vr, Value: sample(vr, i) };
    probes.push({ tag: a.tag, name: a.name, vr, action: actionFor(a) });
  });
  const pixels = new Uint16Array(64 * 64).map((_, i) => (i * 13) % 4096);
  Object.assign(dict, {
    '00080016': { vr: 'UI', Value: [SOP_CLASS] },
    '00080018': { vr: 'UI', Value: [sop] },
    '0020000D': { vr: 'UI', Value: [study] },
    '0020000E': { vr: 'UI', Value: [series] },
    '00100020': { vr: 'LO', Value: [patientId] },
    '00100040': { vr: 'CS', Value: ['F'] },
    '00080060': { vr: 'CS', Value: ['DX'] },
    '00185101': { vr: 'CS', Value: ['PA'] },
    '00280301': { vr: 'CS', Value: ['NO'] },
    '00090010': { vr: 'LO', Value: ['SECRET PRIVATE CREATOR'] },
    '00091001': { vr: 'LO', Value: ['private secret'] },
    '00280002': { vr: 'US', Value: [1] },
    '00280004': { vr: 'CS', Value: ['MONOCHROME2'] },
    '00280010': { vr: 'US', Value: [64] },
    '00280011': { vr: 'US', Value: [64] },
    '00280100': { vr: 'US', Value: [16] },
    '00280101': { vr: 'US', Value: [12] },
    '00280102': { vr: 'US', Value: [11] },
    '00280103': { vr: 'US', Value: [0] },
    '7FE00010': { vr: 'OW', Value: [pixels.buffer] },
  });
  const meta: DcmjsDict = {
    '00020001': { vr: 'OB', Value: [new Uint8Array([0, 1]).buffer] },
    '00020002': { vr: 'UI', Value: [SOP_CLASS] },
    '00020003': { vr: 'UI', Value: [sop] },
    '00020010': { vr: 'UI', Value: ['1.2.840.10008.1.2.1'] },
    '00020012': { vr: 'UI', Value: ['1.2.826.0.1.3680043.10.1'] },
  };
  const file = new DcmjsDicomDict(meta);
  file.dict = dict;
  return { bytes: Buffer.from(file.write()), probes };
}

/** Top-level elements of a dcmdump listing: tag → the value text (null when dcmdump says "no value available"). */
function dumpTopLevel(text: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  for (const line of text.split('\n')) {
    const m = /^\(([0-9a-f]{4}),([0-9a-f]{4})\) (\w\w) (.*?)\s+#/i.exec(line);
    if (!m) continue;
    // A sequence shows its item count: "(Sequence with undefined length #=0)".
    const value = m[3] === 'SQ' ? (/#=(\d+)/.exec(line)?.[1] ?? '') : (m[4] ?? '');
    out.set(`${m[1]}${m[2]}`.toUpperCase(), /no value available/.test(value) ? null : value.replace(/^\[|\]$/g, ''));
  }
  return out;
}

describe('readfirst export --deidentify (DICOM PS3.15 E.1, modified dates, patient characteristics)', () => {
  let app: App;
  let out: string;
  let probes: Probe[];
  const study = '1.2.826.0.1.3680043.10.9.1';
  const series = '1.2.826.0.1.3680043.10.9.2';
  const sops = ['1.2.826.0.1.3680043.10.9.3', '1.2.826.0.1.3680043.10.9.4'];
  const laterStudy = '1.2.826.0.1.3680043.10.9.5';

  beforeAll(async () => {
    app = await startTestApp({ 'dimse.enabled': false });
    const first = everyAttributeFile(study, series, sops[0] ?? '', 'MRN-SECRET-1');
    probes = first.probes;
    const files = [
      first.bytes,
      everyAttributeFile(study, series, sops[1] ?? '', 'MRN-SECRET-1').bytes,
      everyAttributeFile(laterStudy, '1.2.826.0.1.3680043.10.9.6', '1.2.826.0.1.3680043.10.9.7', 'MRN-SECRET-1').bytes,
    ];
    for (const f of files) expect((await app.services.dicom.ingest.storeBuffer(f, 'import')).outcome).toBe('stored');
    const signed: Reading = {
      id: 'r1',
      studyInstanceUid: study,
      readerId: 'u1',
      readerName: 'Dr Grey',
      resultId: null,
      modelId: 'readfirst-cxr',
      modelVersion: '1.0.0',
      status: 'signed',
      overall: 'agree',
      missedFindings: ['nodule'],
      verdicts: [
        { findingKey: 'effusion', verdict: 'agree', comment: '', probability: 0.8, aiPositive: true, recordedAt: 1 },
        { findingKey: 'cardiomegaly', verdict: 'disagree', comment: '', probability: 0.7, aiPositive: true, recordedAt: 1 },
        { findingKey: 'pneumothorax', verdict: 'uncertain', comment: '', probability: 0.4, aiPositive: false, recordedAt: 1 },
      ],
      report: { technique: '', findings: '', impression: '' },
      reportEdited: false,
      openedAt: 1,
      signedAt: 2,
      readingMs: 1,
      updatedAt: 2,
      signOverride: null,
      imageProblem: null,
    };
    out = mkdtempSync(join(tmpdir(), 'rf-export-'));
    const summary = await exportDeidentified(
      {
        studies: app.services.dicom.studies,
        files: app.services.dicom.files,
        signedReadings: async (uid) => (uid === study ? [signed] : []),
        logger: createLogger('silent'),
      },
      out,
      { source: 'site-a', pseudonyms: new Pseudonyms() },
    );
    expect(summary).toMatchObject({ studies: 2, instances: 3, labelled: 2, heldForReview: 0, failed: 0 });
  });
  afterAll(async () => app.close());

  const exported = (): string[] =>
    execFileSync('find', [join(out, 'dicom'), '-name', '*.dcm'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .sort();

  it('removes, empties, replaces or keeps each attribute of Table E.1-1 as the profile says (checked with dcmdump)', async () => {
    const [file] = exported().filter((f) => readFileSync(f).includes(Buffer.from('MODIFIED')));
    const dump = await runDcmtk('dcmdump', ['+L', '-M', file ?? '']);
    const top = dumpTopLevel(dump.stdout);
    expect(top.size).toBeGreaterThan(50);
    const wrong: string[] = [];
    for (const p of probes) {
      const v = top.get(p.tag) ?? null;
      const has = top.has(p.tag);
      const ok = ((): boolean => {
        switch (p.action) {
          case 'remove':
            return !has;
          case 'empty':
            // Z allows a dummy too (E.1.1): PatientName carries the export's pseudonym, like PatientID.
            return has && (v === null || v === '' || (p.vr === 'SQ' && v === '0') || (p.tag === '00100010' && /^RF[0-9A-F]{12}$/.test(v)));
          case 'dummy':
            return p.vr === 'SQ'
              ? has
              : has && v !== null && !/secret/i.test(v) && !v.includes('20240315') && !v.includes('1.2.826.0.1.3680043.10.1.');
          case 'uid':
            // A sequence under U keeps its items, whose UIDs are replaced (NESTED-SECRET checked below).
            return p.vr === 'SQ' ? has : has && v !== null && /^2\.25\.\d+$/.test(v);
          case 'keep':
            return has;
          case 'shift':
            return p.vr === 'DA' || p.vr === 'DT' ? has && v !== null && /^\d{8}/.test(v) && !v.startsWith('20240315') : has;
        }
      })();
      if (!ok) wrong.push(`${p.tag} ${p.name} (${p.vr}, ${p.action}): ${has ? String(v) : 'absent'}`);
    }
    expect(wrong).toEqual([]);
    expect(top.get('00100040')).toBe('F');
    expect(top.get('00101010')).toBe('045Y');
    expect(top.has('00090010') || top.has('00091001')).toBe(false);
    expect(top.get('00120062')).toBe('YES');
    expect(top.get('00280303')).toBe('MODIFIED');
    expect(dump.stdout).not.toMatch(/MRN-SECRET|NESTED-SECRET|Secret\^Person/);
    expect(dump.stdout).toMatch(/\(0012,0064\)[\s\S]*113100[\s\S]*113107[\s\S]*113108/);
  });

  it('remaps UIDs consistently within and across the studies of the export, and shifts one patient by one offset', async () => {
    const files = exported();
    expect(files).toHaveLength(3);
    const read = async (f: string): Promise<Map<string, string | null>> => dumpTopLevel((await runDcmtk('dcmdump', ['+L', f])).stdout);
    const [a, b, c] = await Promise.all(files.map(read));
    const sameStudy = [a, b, c].filter((d) => d?.get('0020000D') === a?.get('0020000D'));
    expect(sameStudy.length === 2 || sameStudy.length === 1).toBe(true);
    const byStudy = new Map<string, Array<Map<string, string | null>>>();
    for (const d of [a, b, c]) if (d) byStudy.set(d.get('0020000D') ?? '', [...(byStudy.get(d.get('0020000D') ?? '') ?? []), d]);
    expect(byStudy.size).toBe(2);
    const pair = [...byStudy.values()].find((l) => l.length === 2) ?? [];
    expect(pair[0]?.get('0020000E')).toBe(pair[1]?.get('0020000E'));
    expect(pair[0]?.get('00080018')).not.toBe(pair[1]?.get('00080018'));
    for (const d of [a, b, c]) {
      expect(d?.get('0020000D')).not.toBe(study);
      expect(d?.get('00100020')).toBe(a?.get('00100020'));
      expect(d?.get('00080020')).toBe(a?.get('00080020'));
    }
    for (const f of files) expect(basename(f, '.dcm')).toBe((await read(f)).get('00080018'));
    expect(basename(dirname(files[0] ?? ''))).toMatch(/^2\.25\./);
  });

  it('writes labels.csv in the format of ../shared/data, keyed to the new ids, that the training pipeline loads', async () => {
    const { findings, rows } = await readLabelsCsv(join(out, 'labels.csv'));
    expect(findings[0]).toBe('no_finding');
    expect(findings).toHaveLength(16);
    expect(rows).toHaveLength(2);
    for (const r of rows) {
      expect(r).toMatchObject({ sex: 'F', age: 45, view: 'PA', source: 'site-a' });
      expect(r.patientId).toMatch(/^RF[0-9A-F]{12}$/);
      expect(r.file).toMatch(/^images\/2\.25\.\d+\.png$/);
      expect(r.labels).toMatchObject({ effusion: 1, cardiomegaly: 0, pneumothorax: null, nodule: 1, no_finding: 0, mass: null });
    }
    const py = execFileSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys; from training import data as D; rows = D.read_source(sys.argv[1], sys.argv[2]); img, hw = D.load_image(rows[0]["path"]); print(len(rows), rows[0]["sex"], rows[0]["age"], img.shape)',
        dirname(out),
        basename(out),
      ],
      { cwd: join(import.meta.dirname, '../../..'), encoding: 'utf8' },
    );
    expect(py.trim()).toMatch(/^2 F 45\.0 \(\d+, \d+\)$/);
  });
});

describe('burned-in annotation', () => {
  it('holds back objects that say YES, and secondary captures or ultrasound that do not say NO', () => {
    const d = (tags: Record<string, string>): DcmjsDict =>
      Object.fromEntries(Object.entries(tags).map(([t, v]) => [t, { vr: 'CS', Value: [v] }]));
    expect(mayHaveBurnedInText(d({ '00280301': 'YES', '00080060': 'DX' }))).toBe(true);
    expect(mayHaveBurnedInText(d({ '00080060': 'US' }))).toBe(true);
    expect(mayHaveBurnedInText(d({ '00080060': 'US', '00280301': 'NO' }))).toBe(false);
    expect(mayHaveBurnedInText(d({ '00080060': 'DX' }))).toBe(false);
  });
});

import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { samplePath } from '../../../test/support/shared-data.ts';
import { readSourceImage } from '../../reports/dicom-output/source-header.ts';
import { readSr } from '../../reports/sr/read-sr.ts';
import { dciodvfy } from '../../reports/testing/dicom-tools.ts';
import { makeTinyPackage } from '../../inference/testing/tiny-package.ts';
import { analyseFolder, type AnalyseSummary } from './analyse.ts';

const run = promisify(execFile);
const SAMPLES = ['nccid-dx-uncompressed.dcm', 'siim-cr-jpeg-baseline.dcm'];

describe('readfirst analyse <folder> --out <dir>', () => {
  const input = mkdtempSync(join(tmpdir(), 'rf-analyse-in-'));
  const out = mkdtempSync(join(tmpdir(), 'rf-analyse-out-'));
  let summary: AnalyseSummary;
  // The tiny seeded model: pneumothorax positive at every point, the others negative.
  const tiny = makeTinyPackage({
    card: (c) => c.findings.forEach((f) => f.operatingPoints.forEach((p) => (p.threshold = f.key === 'pneumothorax' ? 0 : 1))),
  });

  beforeAll(async () => {
    for (const s of SAMPLES) copyFileSync(samplePath(s), join(input, s));
    writeFileSync(join(input, 'truncated.dcm'), readFileSync(samplePath(SAMPLES[0] ?? '')).subarray(0, 900));
    summary = await analyseFolder(input, out, { models: [tiny.dir] });
  });

  it('ingests the folder, quarantines the broken file with its reason, and analyses every study', () => {
    expect(summary.stored).toBe(2);
    expect(summary.quarantined.map((q) => q.file)).toEqual(['truncated.dcm']);
    expect(summary.quarantined[0]?.reason).toMatch(/./);
    expect(summary.studies.map((s) => s.status)).toEqual(['analysed', 'analysed']);
    expect(summary.studies.every((s) => s.positive.length === 1 && s.positive[0]?.startsWith('Pneumothorax '))).toBe(true);
    const tsv = readFileSync(join(out, 'summary.tsv'), 'utf8').trim().split('\n');
    expect(tsv[0]).toBe('study\timages\tstatus\tpositive findings (balanced)\toutputs');
    expect(tsv).toHaveLength(4);
    expect(tsv[3]).toMatch(/^quarantined\ttruncated\.dcm\t/);
  });

  it('writes per study an SR, a KOS and a heat-map that dciodvfy accepts, all in the source study', () => {
    for (const s of SAMPLES) {
      const src = readSourceImage(readFileSync(samplePath(s)));
      const study = String(src.patientStudy.StudyInstanceUID);
      expect(readdirSync(join(out, study)).sort()).toEqual(['fhir-bundle.json', 'heatmap-1.dcm', 'kos.dcm', 'oru-r01.hl7', 'sr.dcm']);
      for (const f of ['sr.dcm', 'kos.dcm', 'heatmap-1.dcm']) {
        const check = dciodvfy(readFileSync(join(out, study, f)));
        expect(check.errors, `${s} ${f}: ${check.output}`).toEqual([]);
      }
      const sr = readSr(readFileSync(join(out, study, 'sr.dcm')));
      expect(sr.studyInstanceUid).toBe(study);
      expect(sr.algorithm).toEqual({ name: tiny.card.name, version: tiny.card.version });
      expect(sr.findings.map((f) => [f.code.CodeValue, f.sopInstanceUid, f.decisions.every((d) => d.present)])).toEqual([
        ['36118008', src.sopInstanceUid, true],
        ['60046008', src.sopInstanceUid, false],
        ['8186001', src.sopInstanceUid, false],
      ]);
      const pneumothorax = summary.studies.find((x) => x.studyInstanceUid === study)?.positive[0];
      expect(pneumothorax).toBe(`Pneumothorax ${sr.findings[0]?.probability.toFixed(2)}`);
      // The same answer as FHIR (a preliminary report, never final from the AI) and as an HL7 ORU.
      const bundle = JSON.parse(readFileSync(join(out, study, 'fhir-bundle.json'), 'utf8')) as {
        resourceType: string;
        entry: Array<{ resource: { resourceType: string; status?: string } }>;
      };
      expect(bundle.resourceType).toBe('Bundle');
      expect(bundle.entry.filter((e) => e.resource.resourceType === 'DiagnosticReport').map((e) => e.resource.status)).toEqual([
        'preliminary',
      ]);
      const oru = readFileSync(join(out, study, 'oru-r01.hl7'), 'utf8').split('\r\n');
      expect(oru[0]).toMatch(/^MSH\|.*\|ORU\^R01/);
      expect(oru.some((l) => l.startsWith('OBX|') && l.includes('36118008'))).toBe(true);
    }
  });

  it('exits non-zero with a reason when the folder holds no DICOM file', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'rf-analyse-empty-'));
    writeFileSync(join(empty, 'notes.txt'), 'not dicom');
    const err = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/readfirst.ts', 'analyse', empty, '--out', join(empty, 'out'), '--model', tiny.dir],
      { env: { ...process.env, READFIRST_LOG_LEVEL: 'silent' } },
    ).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    expect(err?.stderr).toContain('no DICOM file could be read');
  });
});

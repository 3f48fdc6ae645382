import { readFile } from 'node:fs/promises';
import { ReadfirstError } from '../core/errors.ts';

/** One row of an evaluation set's labels.csv (../shared/data/README.md). */
export interface LabelRow {
  file: string;
  sex: 'M' | 'F' | null;
  age: number | null;
  view: string;
  source: string;
  patientId: string;
  /** Finding key → 1 present, 0 absent, null not annotated (never read as negative). */
  labels: Record<string, 0 | 1 | null>;
}

const FIXED = ['file', 'sex', 'age', 'view', 'source', 'patient_id'] as const;

export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** Reads `file,sex,age,view,source,patient_id,<finding>…`; finding cells are 1, 0 or empty. */
export async function readLabelsCsv(path: string): Promise<{ findings: string[]; rows: LabelRow[] }> {
  const text = await readFile(path, 'utf8').catch((e: unknown) => {
    throw new ReadfirstError('invalid-input', `cannot read ${path}`, undefined, { cause: e });
  });
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = splitCsvLine(lines[0] ?? '').map((h) => h.trim());
  for (const [i, name] of FIXED.entries())
    if (header[i] !== name)
      throw new ReadfirstError('invalid-input', `${path}: column ${i + 1} must be "${name}" (found "${header[i] ?? ''}")`);
  const findings = header.slice(FIXED.length);
  const rows = lines.slice(1).map((line, n) => {
    const cells = splitCsvLine(line);
    const labels: Record<string, 0 | 1 | null> = {};
    findings.forEach((f, j) => {
      const v = (cells[FIXED.length + j] ?? '').trim();
      if (v !== '' && v !== '0' && v !== '1')
        throw new ReadfirstError('invalid-input', `${path} line ${n + 2}: ${f} is "${v}", not 1, 0 or empty`);
      labels[f] = v === '' ? null : v === '1' ? 1 : 0;
    });
    const sex = (cells[1] ?? '').trim().toUpperCase();
    const age = Number((cells[2] ?? '').trim());
    return {
      file: (cells[0] ?? '').trim(),
      sex: sex === 'M' || sex === 'F' ? sex : null,
      age: (cells[2] ?? '').trim() !== '' && Number.isFinite(age) ? age : null,
      view: (cells[3] ?? '').trim(),
      source: (cells[4] ?? '').trim(),
      patientId: (cells[5] ?? '').trim() || `row-${n + 2}`,
      labels,
    } satisfies LabelRow;
  });
  return { findings, rows };
}

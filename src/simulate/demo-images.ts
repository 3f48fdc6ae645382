import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { naturalToPart10 } from './part10.ts';
import { Prng } from './prng.ts';

/**
 * One image the demo sends: DICOM bytes ready for ingest, and what it is. `label` names the
 * image for the operator's console; it never carries the dataset's ground truth, and nothing of
 * the truth goes into the DICOM (the reader would see it in the study description).
 */
export interface DemoImage {
  label: string;
  bytes: Buffer;
  synthetic: boolean;
}

const LOCATIONS = ['ED', 'ED', 'ICU 2', 'Ward 7', 'Ward 3', 'OPD clinic'];
const PRIORITIES = ['ROUTINE', 'ROUTINE', 'ROUTINE', 'STAT', 'HIGH'];
let uidCounter = 0;

function demoUid(): string {
  uidCounter += 1;
  return `2.25.${Date.now()}${process.pid % 1000}${uidCounter}`.slice(0, 64);
}

/** Wraps 8-bit grey pixels as a DX "for presentation" chest PA instance (explicit VR little endian). */
export interface GreyDicomOptions {
  patientName: string;
  description: string;
  location: string;
  priority: string;
  sex?: string;
  age?: string;
  /** Defaults: PA, a generated accession and patient id, "readfirst demo". */
  view?: string;
  accession?: string;
  patientId?: string;
  manufacturer?: string;
}

export function greyToDicom(pixels: Buffer, width: number, height: number, o: GreyDicomOptions): Buffer {
  const sopClass = '1.2.840.10008.5.1.4.1.1.1.1';
  const sop = demoUid();
  const study = demoUid();
  const natural: Record<string, unknown> = {
    SOPClassUID: sopClass,
    SOPInstanceUID: sop,
    StudyDate: new Date().toISOString().slice(0, 10).replace(/-/g, ''),
    StudyTime: new Date().toISOString().slice(11, 19).replace(/:/g, ''),
    AccessionNumber: o.accession ?? `DEMO${uidCounter}`,
    Modality: 'DX',
    Manufacturer: o.manufacturer ?? 'readfirst demo',
    InstitutionName: 'readfirst demo',
    PatientName: o.patientName,
    PatientID: o.patientId ?? `DEMO-${uidCounter}`,
    PatientSex: o.sex ?? 'O',
    ...(o.age ? { PatientAge: o.age } : {}),
    StudyDescription: o.description,
    BodyPartExamined: 'CHEST',
    ViewPosition: o.view ?? 'PA',
    CurrentPatientLocation: o.location,
    RequestedProcedurePriority: o.priority,
    StudyInstanceUID: study,
    SeriesInstanceUID: demoUid(),
    SeriesNumber: 1,
    InstanceNumber: 1,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: height,
    Columns: width,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: [pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)],
    _vrMap: { PixelData: 'OB' },
  };
  return naturalToPart10(natural, { classUid: sopClass, instanceUid: sop });
}

async function imageToDicom(path: string, label: string, rng: Prng, extra: { sex?: string; age?: string } = {}): Promise<DemoImage> {
  const { data, info } = await sharp(path)
    .greyscale()
    .resize({ width: 512, height: 512, fit: 'inside' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  // A neutral description: neither the file name nor its label may hint at the answer.
  const bytes = greyToDicom(data, info.width, info.height, {
    patientName: 'DEMO^Public dataset',
    description: 'XR CHEST PA (readfirst demo)',
    location: rng.pick(LOCATIONS),
    priority: rng.pick(PRIORITIES),
    ...extra,
  });
  return { label, bytes, synthetic: false };
}

/** A synthetic chest-like phantom with SYNTHETIC burned in, never mistakable for a patient. */
export async function phantom(i: number, rng: Prng): Promise<DemoImage> {
  const dark = rng.bool(0.3);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="512" height="512"><rect width="512" height="512" fill="#101010"/>
<ellipse cx="256" cy="280" rx="210" ry="220" fill="#707070"/>
<ellipse cx="170" cy="250" rx="80" ry="150" fill="#303030"/><ellipse cx="342" cy="250" rx="80" ry="150" fill="#303030"/>
<ellipse cx="${270 + rng.int(-10, 10)}" cy="330" rx="${60 + rng.int(0, 40)}" ry="70" fill="#a0a0a0"/>
${dark ? '<ellipse cx="360" cy="170" rx="40" ry="70" fill="#080808"/>' : ''}
<text x="256" y="40" font-size="34" fill="#ffffff" text-anchor="middle" font-family="DejaVu Sans">SYNTHETIC PHANTOM ${i + 1}</text></svg>`;
  const { data, info } = await sharp(Buffer.from(svg)).greyscale().raw().toBuffer({ resolveWithObject: true });
  const bytes = greyToDicom(data, info.width, info.height, {
    patientName: 'SYNTHETIC^PHANTOM',
    description: 'SYNTHETIC PHANTOM - not a patient image',
    location: rng.pick(LOCATIONS),
    priority: rng.pick(PRIORITIES),
  });
  return { label: `synthetic phantom ${i + 1}`, bytes, synthetic: true };
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

/**
 * The demo's images, in order: a folder given on the command line (DICOM, PNG or JPEG); else a
 * mix from ../shared/data/nih-cxr14-621 (pneumothorax cases among normals); else synthetic phantoms.
 */
export async function demoImages(opts: {
  folder?: string;
  count: number;
  sharedData?: string;
  seed?: number;
}): Promise<{ source: string; images: DemoImage[] }> {
  const rng = new Prng(opts.seed ?? 7);
  if (opts.folder) {
    const files = walk(resolve(opts.folder))
      .filter((f) => ['.dcm', '.png', '.jpg', '.jpeg', ''].includes(extname(f).toLowerCase()))
      .slice(0, opts.count);
    const images: DemoImage[] = [];
    for (const f of files)
      images.push(/\.(png|jpe?g)$/i.test(f) ? await imageToDicom(f, f, rng) : { label: f, bytes: readFileSync(f), synthetic: false });
    return { source: `folder ${opts.folder}`, images };
  }
  const shared = resolve(opts.sharedData ?? join(process.env.READFIRST_SHARED_DIR ?? '../shared', 'data'));
  const set = join(shared, 'nih-cxr14-621');
  if (existsSync(join(set, 'labels.csv'))) {
    const [header, ...lines] = readFileSync(join(set, 'labels.csv'), 'utf8').trim().split('\n');
    const cols = (header ?? '').split(',');
    const col = (row: string[], name: string): string => row[cols.indexOf(name)] ?? '';
    const rows = lines.map((l) => l.split(','));
    const ptx = rows.filter((r) => col(r, 'pneumothorax') === '1').slice(0, Math.ceil(opts.count / 5));
    const normal = rows.filter((r) => col(r, 'no_finding') === '1').slice(0, opts.count - ptx.length);
    const picked = [...normal];
    ptx.forEach((r, i) => picked.splice(Math.min(picked.length, 3 + i * 4), 0, r));
    const images: DemoImage[] = [];
    for (const r of picked.slice(0, opts.count)) {
      const age = col(r, 'age');
      images.push(
        await imageToDicom(join(set, col(r, 'file')), `public image ${images.length + 1}`, rng, {
          sex: col(r, 'sex') || 'O',
          ...(age ? { age: `${age.padStart(3, '0')}Y` } : {}),
        }),
      );
    }
    return { source: `public NIH ChestX-ray14 images from ${set}`, images };
  }
  const images: DemoImage[] = [];
  for (let i = 0; i < opts.count; i++) images.push(await phantom(i, rng));
  return { source: 'SYNTHETIC phantoms (no ../shared/data found): these are not patient images', images };
}

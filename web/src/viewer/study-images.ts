import { wadors } from '@cornerstonejs/dicom-image-loader';
import { initCornerstone } from './cornerstone.ts';
import { formatAge, formatDate, formatTime } from '../shell/format.ts';

export { formatAge, formatDate, formatTime };

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

const str = (m: DicomJson, tag: string): string | undefined => {
  const v = m[tag]?.Value?.[0];
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (typeof v === 'object' && v !== null && 'Alphabetic' in v) return String(v.Alphabetic);
  return undefined;
};

const nums = (m: DicomJson, tag: string, n: number): number[] | null => {
  const v = (m[tag]?.Value ?? []).map(Number);
  return v.length === n && v.every(Number.isFinite) ? v : null;
};

/** One image of a study, as the viewer shows it and names it. */
export interface StudyImage {
  imageId: string;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  /** ViewPosition (0018,5101): PA, AP, LL, LATERAL… */
  view: string | null;
  seriesDescription: string | null;
  seriesNumber: number;
  instanceNumber: number;
  modality: string | null;
  /** ImagePositionPatient and ImageOrientationPatient, for stacking CT and MR slices in order. */
  position: number[] | null;
  orientation: number[] | null;
}

/** The study header: who, when, what, why and how urgent (from the first image's header). */
export interface StudyHeader {
  patientName: string | null;
  patientId: string | null;
  sex: string | null;
  /** One format everywhere: "45 y", "8 mo", "12 d" (from PatientAge, else the birth date). */
  age: string | null;
  studyDate: string | null;
  studyTime: string | null;
  accession: string | null;
  views: string[];
  /** Patient position (supine, erect) when the header gives it. */
  position: string | null;
  indication: string | null;
  priority: string | null;
  description: string | null;
}

/**
 * Every image of a study through WADO-RS study metadata, each registered with the loader after
 * its init (the transfer syntax then comes from the frame response), in series then instance order.
 */
export async function loadStudyImages(studyUid: string): Promise<{ images: StudyImage[]; header: StudyHeader }> {
  // Metadata added before the loader's init is not found when the image loads (samplesPerPixel).
  const ready = initCornerstone();
  const res = await fetch(`/dicom-web/studies/${studyUid}/metadata`, {
    headers: { accept: 'application/dicom+json' },
    credentials: 'same-origin',
  });
  if (!res.ok) throw new Error(`study metadata: HTTP ${res.status}`);
  const all = (await res.json()) as DicomJson[];
  await ready;
  const metas = all.filter((m) => m['00280010'] !== undefined);
  const images = metas.map((meta): StudyImage => {
    const seriesUid = str(meta, '0020000E') ?? '';
    const sopUid = str(meta, '00080018') ?? '';
    const imageId = `wadors:${location.origin}/dicom-web/studies/${studyUid}/series/${seriesUid}/instances/${sopUid}/frames/1`;
    wadors.metaDataManager.add(imageId, meta as unknown as Parameters<typeof wadors.metaDataManager.add>[1]);
    return {
      imageId,
      studyUid,
      seriesUid,
      sopUid,
      view: str(meta, '00185101') ?? null,
      seriesDescription: str(meta, '0008103E') ?? null,
      seriesNumber: Number(str(meta, '00200011') ?? 0),
      instanceNumber: Number(str(meta, '00200013') ?? 0),
      modality: str(meta, '00080060') ?? null,
      position: nums(meta, '00200032', 3),
      orientation: nums(meta, '00200037', 6),
    };
  });
  images.sort((a, b) => a.seriesNumber - b.seriesNumber || a.instanceNumber - b.instanceNumber || a.sopUid.localeCompare(b.sopUid));
  const first = metas[0] ?? {};
  const get = (tag: string): string | null => str(first, tag) ?? null;
  const studyDate = get('00080020');
  const header: StudyHeader = {
    patientName: get('00100010')?.replace(/\^/g, ' ').trim() ?? null,
    patientId: get('00100020'),
    sex: get('00100040'),
    age: formatAge(get('00101010'), get('00100030'), studyDate),
    studyDate: formatDate(studyDate),
    studyTime: formatTime(get('00080030')),
    accession: get('00080050'),
    views: [...new Set(images.map((i) => i.view).filter((v): v is string => !!v))],
    position: get('00185100'),
    indication: get('00401002') ?? get('00321030') ?? get('00081080'),
    priority: get('00401003'),
    description: get('00081030'),
  };
  return { images, header };
}

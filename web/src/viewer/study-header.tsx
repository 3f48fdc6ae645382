import type { WorklistItem } from '../worklist/worklist-api.ts';
import { type StudyHeader, type StudyImage, formatAge } from './study-images.ts';

/** The study header: patient, sex, age (one format), date and time, accession, view, indication, priority. */
export function StudyHeaderBar({ header, item }: { header: StudyHeader | undefined; item: WorklistItem | undefined }): preact.JSX.Element {
  const name = header?.patientName ?? item?.patientName?.replace(/\^/g, ' ') ?? '';
  const age = header?.age ?? formatAge(item?.patientAge);
  const fields: Array<[string, string | null | undefined]> = [
    ['Patient', name ? `${name}${(header?.patientId ?? item?.patientId) ? ` (${header?.patientId ?? item?.patientId})` : ''}` : null],
    ['Sex', header?.sex ?? item?.patientSex],
    ['Age', age],
    ['Date', header ? [header.studyDate, header.studyTime].filter(Boolean).join(' ') : null],
    ['Accession', header?.accession ?? item?.accessionNumber],
    ['View', header ? [header.views.join(' + '), header.position].filter(Boolean).join(', ') : null],
    ['Indication', header?.indication],
    ['Priority', header?.priority ?? item?.orderPriority],
    ['Study', header?.description ?? item?.studyDescription],
  ];
  return (
    <dl class="study-header" aria-label="Study">
      {fields.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd data-field={k.toLowerCase()}>{v || '–'}</dd>
        </div>
      ))}
    </dl>
  );
}

const thumbUrl = (i: StudyImage): string => `/dicom-web/studies/${i.studyUid}/series/${i.seriesUid}/instances/${i.sopUid}/rendered`;

/** Every image of the study as a thumbnail; a click shows it (a second with Shift shows both). */
export function Thumbnails({
  images,
  shown,
  aiSop,
  onPick,
}: {
  images: StudyImage[];
  shown: string[];
  aiSop: string | null;
  onPick: (imageIds: string[]) => void;
}): preact.JSX.Element | null {
  if (images.length === 0) return null;
  return (
    <ol class="thumbs" aria-label={`Images in this study (${images.length})`}>
      {images.map((img, n) => {
        const label = `${img.view ?? 'Image'} ${n + 1}${img.seriesDescription ? `, ${img.seriesDescription}` : ''}${img.sopUid === aiSop ? ' (AI)' : ''}`;
        return (
          <li key={img.imageId}>
            <button
              type="button"
              class={shown.includes(img.imageId) ? 'thumb on' : 'thumb'}
              aria-pressed={shown.includes(img.imageId)}
              onClick={(e) => onPick(e.shiftKey && !shown.includes(img.imageId) ? [...shown.slice(0, 1), img.imageId] : [img.imageId])}
            >
              <img src={thumbUrl(img)} alt={label} loading="lazy" width={72} height={72} />
              <span>{label}</span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

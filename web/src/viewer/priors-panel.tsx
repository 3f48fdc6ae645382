import type { Signal } from '@preact/signals';
import { useSignal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import type { PriorStudy } from '../../../src/reading/reading.ts';
import { api, errorText } from '../shell/api.ts';
import { type StudyHeader, type StudyImage, formatDate, formatTime, loadStudyImages } from './study-images.ts';

/** A prior opened beside the current study. */
export interface Compared {
  uid: string;
  label: string;
  images: StudyImage[];
  header: StudyHeader;
}

/**
 * The patient's other studies (same PatientID within its issuer) with date and signed report;
 * "Compare" opens one side by side with synchronised window/level and zoom.
 */
export function PriorsPanel({ uid, compared }: { uid: string; compared: Signal<Compared | undefined> }): preact.JSX.Element {
  const priors = useSignal<PriorStudy[] | undefined>(undefined);
  const error = useSignal('');
  useEffect(() => {
    priors.value = undefined;
    api<{ items: PriorStudy[] }>('GET', `/api/readings/${uid}/priors`)
      .then((r) => (priors.value = r.items))
      .catch((e: unknown) => (error.value = errorText(e)));
  }, [uid]);
  const open = async (p: PriorStudy): Promise<void> => {
    if (compared.value?.uid === p.studyInstanceUid) {
      compared.value = undefined;
      return;
    }
    try {
      const s = await loadStudyImages(p.studyInstanceUid);
      compared.value = {
        uid: p.studyInstanceUid,
        label: [formatDate(p.studyDate), formatTime(p.studyTime)].filter(Boolean).join(' ') || p.studyInstanceUid,
        ...s,
      };
    } catch (e) {
      error.value = `Cannot open the prior: ${errorText(e)}`;
    }
  };
  const list = priors.value;
  return (
    <section class="priors" aria-label="Prior studies">
      <h3>Prior studies{list ? ` (${list.length})` : ''}</h3>
      {error.value && <p class="error">{error.value}</p>}
      {list?.length === 0 && <p class="muted">No other study of this patient.</p>}
      <ul>
        {list?.map((p) => (
          <li key={p.studyInstanceUid} class="prior" data-uid={p.studyInstanceUid}>
            <div class="prior-head">
              <strong>{[formatDate(p.studyDate), formatTime(p.studyTime)].filter(Boolean).join(' ') || 'undated'}</strong>
              <span class="muted">{[p.modalities.join('/'), p.studyDescription, p.accessionNumber].filter(Boolean).join(' · ')}</span>
            </div>
            <p class="prior-report">{p.report ? `${p.report.impression} (signed by ${p.reportSignedBy ?? '?'})` : 'No signed report.'}</p>
            <button type="button" aria-pressed={compared.value?.uid === p.studyInstanceUid} onClick={() => void open(p)}>
              {compared.value?.uid === p.studyInstanceUid ? 'Close comparison' : 'Compare side by side'}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

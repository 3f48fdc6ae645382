import { formatWait, now } from '../shell/clock.ts';
import { formatAge } from '../shell/format.ts';
import type { WorklistItem } from './worklist-api.ts';

const CLASS_LABEL: Record<WorklistItem['urgency'], string> = {
  critical: 'Critical',
  urgent: 'Urgent',
  routine: 'Routine',
  'likely-normal': 'Likely normal',
};

export function UrgencyBadge({ urgency }: { urgency: WorklistItem['urgency'] }): preact.JSX.Element {
  return <span class={`badge badge-${urgency}`}>{CLASS_LABEL[urgency]}</span>;
}

/** The waiting time, counting up every second. */
function Wait({ since }: { since: number }): preact.JSX.Element {
  return <span class="wait">{formatWait(now.value - since)}</span>;
}

function patientLine(i: WorklistItem): string {
  const who = [i.patientName?.replace(/\^/g, ' ').trim(), i.patientSex, formatAge(i.patientAge)].filter(Boolean).join(' · ');
  return who || 'Unknown patient';
}

function aiLine(i: WorklistItem): string {
  switch (i.aiStatus) {
    case 'analysed':
      return i.reason;
    case 'pending':
      return `AI pending · ${i.reason}`;
    case 'not-analysable':
      return `Not analysable by AI · ${i.reason}`;
    case 'no-model':
      return `No AI model for this study · ${i.reason}`;
    case 'failed':
      return `AI failed · ${i.reason}`;
  }
}

interface Props {
  index: number;
  item: WorklistItem;
  active: boolean;
  highlight: boolean;
  me: string | undefined;
  onOpen: (uid: string) => void;
}

/** One worklist row: class badge, patient and study, waiting time, the AI's reason and model. */
export function WorklistRow({ index, item, active, highlight, me, onOpen }: Props): preact.JSX.Element {
  const claimed = item.claimedBy && item.claimedBy !== me ? `Open by ${item.claimedBy}` : item.claimedBy ? 'Yours' : '';
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={active}
      class={`wl-row urgency-${item.urgency}${active ? ' active' : ''}${highlight ? ' highlight' : ''}`}
      data-uid={item.studyInstanceUid}
      data-urgency={item.urgency}
      tabIndex={active ? 0 : -1}
      onClick={() => onOpen(item.studyInstanceUid)}
    >
      <span class="c-badge" role="gridcell">
        <UrgencyBadge urgency={item.urgency} />
      </span>
      <span class="c-patient" role="gridcell">
        <strong>{patientLine(item)}</strong>
        <small>{[item.modality, item.studyDescription, item.accessionNumber, item.site].filter(Boolean).join(' · ')}</small>
      </span>
      <span class="c-wait" role="gridcell">
        <Wait since={item.arrivedAt} />
        {item.overdue && <span class="overdue">overdue</span>}
        <small>
          {item.state.replace('-', ' ')}
          {claimed ? ` · ${claimed}` : ''}
        </small>
      </span>
      <span class="c-reason" role="gridcell" title={item.explanation.join('\n')}>
        {aiLine(item)}
        <small>{item.modelId ? `AI ${item.modelId} ${item.modelVersion ?? ''}` : 'no AI result'}</small>
      </span>
    </div>
  );
}

import type { UrgencyClass } from '../events/types.ts';
import type { UpsPriority, WorklistItem } from '../worklist/worklist-item.ts';
import type { FindingEvidence } from '../worklist/worklist-store.ts';
import { explainFinding, explainFloor } from './explanation.ts';
import { scoreOfDueAt } from '../worklist/reading-order.ts';
import { type LocationKind, URGENCY_RANK, type UrgencyPolicy } from './policy-schema.ts';
import { upsPriorityOf } from './ups-priority.ts';

export type AiStatus = WorklistItem['aiStatus'];

export interface TriageInput {
  arrivedAt: number;
  /** RequestedProcedurePriority or HL7/FHIR order priority, raw. */
  orderPriority: string | null;
  /** Raw patient location, e.g. "ED", "ICU 3", "Ward 7". */
  patientLocation: string | null;
  aiStatus: AiStatus;
  aiStatusReason?: string | null | undefined;
  findings: readonly FindingEvidence[];
}

export interface FollowUpCall {
  finding: string;
  display: string;
  probability: number;
  dueDays: number;
  explanation: string;
}

export interface Ranking {
  urgency: UrgencyClass;
  /** The order's (and location's) class: the AI never ranks below it. Null when neither is known. */
  floor: UrgencyClass | null;
  locationKind: LocationKind | null;
  score: number;
  dueAt: number;
  /** The decisive line. */
  reason: string;
  /** Every line that went into the decision, decisive first. */
  explanation: string[];
  upsPriority: UpsPriority;
  followUps: FollowUpCall[];
}

export function higher(a: UrgencyClass, b: UrgencyClass): UrgencyClass {
  return URGENCY_RANK[a] >= URGENCY_RANK[b] ? a : b;
}

export function locationKindOf(policy: UrgencyPolicy, location: string | null): LocationKind | null {
  if (!location) return null;
  return policy.locations.find((l) => new RegExp(l.pattern, 'i').test(location))?.kind ?? null;
}

function positiveAt(f: FindingEvidence, point: string): { threshold: number } | undefined {
  const d = f.decisions.find((x) => x.name === point);
  return d?.positive ? d : undefined;
}

interface Line {
  urgency: UrgencyClass;
  text: string;
  weight: number;
}

/**
 * Ranks one study: AI findings at their operating points, floored by the order's priority and the
 * patient's location, aged by its class's maximum wait. Pure: the same input gives the same rank.
 */
export function rankStudy(policy: UrgencyPolicy, input: TriageInput): Ranking {
  const floorLines: Line[] = [];
  const op = input.orderPriority?.trim().toUpperCase() || null;
  const orderClass = op ? policy.orderPriority[op] : undefined;
  if (op && orderClass) floorLines.push({ urgency: orderClass, text: explainFloor('Order priority', op, orderClass), weight: 2 });
  const locationKind = locationKindOf(policy, input.patientLocation);
  const locationClass = locationKind ? policy.locationFloor[locationKind] : undefined;
  if (locationKind && locationClass) {
    floorLines.push({
      urgency: locationClass,
      text: explainFloor('Location', `${input.patientLocation ?? ''} (${locationKind})`, locationClass),
      weight: 1,
    });
  }
  const floor = floorLines.reduce<UrgencyClass | null>((acc, l) => (acc ? higher(acc, l.urgency) : l.urgency), null);

  const aiLines: Line[] = [];
  const notes: string[] = [];
  if (input.aiStatus === 'analysed') {
    for (const rule of policy.findings) {
      const f = input.findings.find((x) => x.key === rule.finding);
      const d = f && positiveAt(f, rule.operatingPoint);
      if (f && d)
        aiLines.push({
          urgency: rule.urgency,
          text: explainFinding(f, d.threshold, rule.operatingPoint, rule.urgency),
          weight: f.probability,
        });
    }
    if (aiLines.length === 0) {
      const point = policy.likelyNormalOperatingPoint;
      const judged = input.findings.filter((f) => f.decisions.some((d) => d.name === point));
      if (judged.length > 0 && judged.every((f) => !positiveAt(f, point))) {
        aiLines.push({
          urgency: 'likely-normal',
          text: `All ${judged.length} findings below ${point} thresholds → likely-normal`,
          weight: 0,
        });
      } else {
        aiLines.push({ urgency: policy.defaultUrgency, text: `No finding of the policy positive → ${policy.defaultUrgency}`, weight: 0 });
      }
    }
  } else {
    const why = input.aiStatusReason ? ` (${input.aiStatusReason})` : '';
    const what = input.aiStatus === 'pending' ? 'AI pending' : `AI ${input.aiStatus}${why}`;
    notes.push(floor ? `${what}: keeps order priority ${floor}` : `${what}: no order priority → ${policy.defaultUrgency}`);
  }

  const aiClass = aiLines.reduce<UrgencyClass | null>((acc, l) => (acc ? higher(acc, l.urgency) : l.urgency), null);
  const urgency = aiClass ? (floor ? higher(aiClass, floor) : aiClass) : (floor ?? policy.defaultUrgency);
  const byWeight = (a: Line, b: Line): number => URGENCY_RANK[b.urgency] - URGENCY_RANK[a.urgency] || b.weight - a.weight;
  const decisive = [...aiLines, ...floorLines].filter((l) => l.urgency === urgency).sort(byWeight)[0];
  const aiRaised = aiClass !== null && floor !== null && URGENCY_RANK[aiClass] > URGENCY_RANK[floor];
  const explanation = [
    ...(decisive ? [decisive.text] : []),
    ...notes,
    ...[...aiLines, ...floorLines]
      .filter((l) => l !== decisive)
      .sort(byWeight)
      .map((l) => l.text),
  ];
  if (aiClass && floor && URGENCY_RANK[aiClass] < URGENCY_RANK[floor])
    explanation.push(`AI ${aiClass} does not lower the order's ${floor}`);
  if (aiRaised) explanation.push(`AI raised ${floor} → ${urgency}`);
  const dueAt = input.arrivedAt + policy.classes[urgency].maxWaitMinutes * 60_000;
  explanation.push(`Due within ${policy.classes[urgency].maxWaitMinutes} min of arrival (${urgency} maximum wait)`);

  const followUps: FollowUpCall[] = [];
  if (input.aiStatus === 'analysed') {
    for (const rule of policy.followUp) {
      const f = input.findings.find((x) => x.key === rule.finding);
      const d = f && positiveAt(f, rule.operatingPoint);
      if (f && d) {
        followUps.push({
          finding: f.key,
          display: f.display,
          probability: f.probability,
          dueDays: rule.dueDays,
          explanation: `${explainFinding(f, d.threshold, rule.operatingPoint, 'follow-up')} in ${rule.dueDays} days`,
        });
      }
    }
  }
  return {
    urgency,
    floor,
    locationKind,
    score: scoreOfDueAt(dueAt),
    dueAt,
    reason: explanation[0] ?? urgency,
    explanation,
    upsPriority: upsPriorityOf(urgency),
    followUps,
  };
}

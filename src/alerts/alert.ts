/** One critical-result alert: raised once per study, acknowledged by a person, escalated if not. */
export interface Alert {
  id: string;
  studyInstanceUid: string;
  reason: string;
  status: 'open' | 'acknowledged';
  /** 0: first contacts; 1: escalated to the second contact list. */
  level: number;
  raisedAt: number;
  escalateAt: number;
  escalatedAt: number | null;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
}

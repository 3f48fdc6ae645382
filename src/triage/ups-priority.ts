import type { UrgencyClass } from '../events/types.ts';
import type { UpsPriority } from '../worklist/worklist-item.ts';

/**
 * Urgency → UPS Scheduled Procedure Step Priority (0074,1200), for UPS-RS / IHE AIW-I
 * (DICOM PS3.4 CC.2.5). UPS has three levels, so critical and urgent share HIGH; the
 * worklist score keeps them apart.
 */
export const UPS_PRIORITY: Record<UrgencyClass, UpsPriority> = {
  critical: 'HIGH',
  urgent: 'HIGH',
  routine: 'MEDIUM',
  'likely-normal': 'LOW',
};

export function upsPriorityOf(urgency: UrgencyClass): UpsPriority {
  return UPS_PRIORITY[urgency];
}

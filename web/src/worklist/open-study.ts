import { signal } from '@preact/signals';
import { ApiError } from '../shell/api.ts';
import { navigate } from '../shell/router.ts';
import { claim } from './worklist-api.ts';

/** Set when the study just opened is claimed by someone else: the viewer says so. */
export const claimConflict = signal<{ uid: string; message: string } | undefined>(undefined);

/**
 * Claim-on-open: the study is locked for this reader before the viewer shows it, so two
 * radiologists never read it unknowingly. If someone else holds it, it opens with a warning.
 */
export async function openStudy(uid: string): Promise<void> {
  claimConflict.value = undefined;
  try {
    await claim(uid);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 409) throw e;
    claimConflict.value = { uid, message: e.message };
  }
  navigate(`/study/${uid}`);
}

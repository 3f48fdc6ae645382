import type { AppContext } from '../app/context.ts';
import type { WorklistService } from '../worklist/worklist-service.ts';

/**
 * The smallest bridge to the worklist service: after a signature, the study's reading state
 * becomes "read". Looked up at call time; without a worklist service it does nothing.
 */
export function worklistAdapter(ctx: AppContext): { markRead(studyUid: string, username: string): Promise<void>; markAddended(studyUid: string, username: string): Promise<void> } {
  const set = async (studyUid: string, username: string, state: 'read' | 'addended'): Promise<void> => {
    const wl = ctx.services.worklist as Partial<WorklistService> | undefined;
    if (typeof wl?.setState !== 'function') return;
    try {
      await wl.setState(studyUid, username, state);
    } catch (err) {
      ctx.logger.warn({ err, studyInstanceUid: studyUid }, `could not mark the study ${state} on the worklist`);
    }
  };
  return { markRead: (uid, user) => set(uid, user, 'read'), markAddended: (uid, user) => set(uid, user, 'addended') };
}

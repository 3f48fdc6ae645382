import type { AppContext } from '../app/context.ts';
import type { WorklistService } from '../worklist/worklist-service.ts';

/**
 * The smallest bridge to the worklist service: after a signature, the study's reading state
 * becomes "read". Looked up at call time; without a worklist service it does nothing.
 */
export function worklistAdapter(ctx: AppContext): { markRead(studyUid: string, username: string): Promise<void> } {
  return {
    async markRead(studyUid, username) {
      const wl = ctx.services.worklist as Partial<WorklistService> | undefined;
      if (typeof wl?.setState !== 'function') return;
      try {
        await wl.setState(studyUid, username, 'read');
      } catch (err) {
        ctx.logger.warn({ err, studyInstanceUid: studyUid }, 'could not mark the study read on the worklist');
      }
    },
  };
}

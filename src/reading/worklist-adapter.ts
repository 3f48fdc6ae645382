import type { AppContext } from '../app/context.ts';

/**
 * The smallest bridge to the worklist service: after a signature, the study's reading state
 * becomes "read". Looked up at call time; without a worklist service it does nothing.
 */
export function worklistAdapter(ctx: AppContext): { markRead(studyUid: string, readerId: string): Promise<void> } {
  return {
    async markRead(studyUid, readerId) {
      const wl = ctx.services.worklist as { state?: (uid: string, state: 'read', by: string) => Promise<unknown> } | undefined;
      if (typeof wl?.state !== 'function') return;
      try {
        await wl.state(studyUid, 'read', readerId);
      } catch (err) {
        ctx.logger.warn({ err, studyInstanceUid: studyUid }, 'could not mark the study read on the worklist');
      }
    },
  };
}

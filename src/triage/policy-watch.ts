import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { errorMessage } from '../core/errors.ts';
import type { Logger } from '../log/logger.ts';
import { defaultPolicy, loadPolicyFile } from './policy.ts';
import type { UrgencyPolicy } from './policy-schema.ts';

/**
 * Holds the current urgency policy. With a file, it watches the file's folder (editors replace
 * files by rename) and reloads after a short settle; an invalid edit is logged and the previous
 * policy stays in force, so a typo never stops triage.
 */
export class PolicyHolder {
  private current: UrgencyPolicy;
  private watcher: FSWatcher | undefined;
  private settle: NodeJS.Timeout | undefined;

  constructor(
    readonly file: string,
    private readonly logger: Logger,
  ) {
    this.current = file ? loadPolicyFile(resolve(file)) : defaultPolicy();
  }

  get(): UrgencyPolicy {
    return this.current;
  }

  /** Re-reads the file now; returns true when a new valid policy took effect. */
  reload(): boolean {
    if (!this.file) return false;
    try {
      this.current = loadPolicyFile(resolve(this.file));
      this.logger.info({ file: this.file }, 'urgency policy reloaded');
      return true;
    } catch (e) {
      this.logger.error({ file: this.file, err: errorMessage(e) }, 'urgency policy change rejected; keeping the previous policy');
      return false;
    }
  }

  /** Calls `onChange` after each valid change of the file. */
  watch(onChange: () => void, settleMs = 150): void {
    if (!this.file || this.watcher) return;
    const path = resolve(this.file);
    const name = basename(path);
    this.watcher = watch(dirname(path), (_event, changed) => {
      if (changed !== null && changed !== name) return;
      clearTimeout(this.settle);
      this.settle = setTimeout(() => {
        if (this.reload()) onChange();
      }, settleMs);
    });
    this.watcher.unref();
  }

  close(): void {
    clearTimeout(this.settle);
    this.watcher?.close();
    this.watcher = undefined;
  }
}

import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.ts';
import { ReadfirstError } from '../core/errors.ts';
import type { EventBus } from '../events/bus.ts';
import type { InferenceResult, InferenceResultStore } from '../inference/result.ts';
import type { Principal } from '../security/users.ts';
import type { Db } from '../store/db.ts';
import { isFindingKey } from '../findings/vocabulary.ts';
import { aiPositive, draftReport, isSummary, pendingVerdicts } from './draft-report.ts';
import type { Reading, StructuredReport, Verdict } from './reading.ts';
import { ReadingStore } from './reading-store.ts';

export type ResultSource = Pick<InferenceResultStore, 'listForStudy'>;

export interface ReadingDeps {
  db: Db;
  clock: Clock;
  bus: EventBus;
  /** The stored AI results the verdicts refer to. */
  results: ResultSource;
  /** Whether the study is in the DICOM store; readings of unknown studies are refused. */
  studyExists?: (studyUid: string) => Promise<boolean>;
  /** Called after a reading is signed (the worklist marks the study read). */
  onSigned?: (reading: Reading, reader: Principal) => Promise<void>;
}

export interface ReadingPatch {
  overall?: Verdict | null;
  missedFindings?: string[];
  report?: StructuredReport;
  /** An image the viewer could not load or decode (its reason); null clears it. */
  imageProblem?: string | null;
  /** The reader confirms they read the study elsewhere after an image failed here. */
  readElsewhere?: boolean;
}

export interface SignOptions {
  report?: StructuredReport;
  /** A deliberate signature while AI-positive findings have no verdict, with the reader's reason. */
  override?: { reason: string };
}

const sameReport = (a: StructuredReport, b: StructuredReport): boolean =>
  a.technique === b.technique && a.findings === b.findings && a.impression === b.impression;

/** The result the verdicts refer to: the newest analysed, non-shadow result of the study. */
export function primaryResult(results: readonly InferenceResult[]): InferenceResult | undefined {
  return results.filter((r) => r.status === 'analysed' && r.model !== null && !r.model.shadow).sort((a, b) => b.createdAt - a.createdAt)[0];
}

/**
 * Reading a study: open (starts the reading clock), verdicts, report, sign. Signing is always a
 * person's act through this service; it stamps the model version and emits `verdict.recorded`.
 */
export class ReadingService {
  readonly store: ReadingStore;

  constructor(private readonly deps: ReadingDeps) {
    this.store = new ReadingStore(deps.db);
  }

  async resultsFor(studyUid: string): Promise<InferenceResult[]> {
    return this.deps.results.listForStudy(studyUid);
  }

  /** This reader's reading of the study; starts a draft (and the reading clock) when there is none. */
  async open(studyUid: string, reader: Principal): Promise<Reading> {
    const existing = await this.store.latest(studyUid, reader.userId);
    if (existing) return existing;
    if (this.deps.studyExists && !(await this.deps.studyExists(studyUid))) throw new ReadfirstError('not-found', `no study ${studyUid}`);
    const result = primaryResult(await this.resultsFor(studyUid));
    const now = this.deps.clock.now();
    const reading: Reading = {
      id: randomUUID(),
      studyInstanceUid: studyUid,
      readerId: reader.userId,
      readerName: reader.displayName,
      resultId: result?.id ?? null,
      modelId: result?.model?.modelId ?? null,
      modelVersion: result?.model?.modelVersion ?? null,
      status: 'draft',
      overall: null,
      missedFindings: [],
      verdicts: [],
      report: draftReport({ findings: result?.findings ?? [], verdicts: [], missed: [] }),
      reportEdited: false,
      signOverride: null,
      imageProblem: null,
      openedAt: now,
      signedAt: null,
      readingMs: null,
      updatedAt: now,
    };
    await this.store.insert(reading);
    return reading;
  }

  private async draft(studyUid: string, reader: Principal): Promise<Reading> {
    const r = await this.open(studyUid, reader);
    if (r.status !== 'draft') throw new ReadfirstError('conflict', 'this reading is signed; it can no longer change');
    return r;
  }

  private async findingsOf(r: Reading): Promise<InferenceResult['findings']> {
    if (!r.resultId) return [];
    return (await this.resultsFor(r.studyInstanceUid)).find((x) => x.id === r.resultId)?.findings ?? [];
  }

  private async refill(r: Reading): Promise<void> {
    if (!r.reportEdited) r.report = draftReport({ findings: await this.findingsOf(r), verdicts: r.verdicts, missed: r.missedFindings });
  }

  async setVerdict(studyUid: string, reader: Principal, findingKey: string, verdict: Verdict, comment: string): Promise<Reading> {
    const r = await this.draft(studyUid, reader);
    const finding = (await this.findingsOf(r)).find((f) => f.key === findingKey);
    if (!finding) throw new ReadfirstError('not-found', `the AI result has no finding ${findingKey}`);
    if (isSummary(finding))
      throw new ReadfirstError('invalid-input', `${finding.display} is the AI's summary, not a finding: give verdicts on the findings`);
    const now = this.deps.clock.now();
    const v = { findingKey, verdict, comment, probability: finding.probability, aiPositive: aiPositive(finding), recordedAt: now };
    r.verdicts = [...r.verdicts.filter((x) => x.findingKey !== findingKey), v].sort((a, b) => a.findingKey.localeCompare(b.findingKey));
    r.updatedAt = now;
    await this.refill(r);
    await this.deps.db.transaction(async (tx) => {
      await this.store.putVerdict(r, v, tx);
      await this.store.update(r, tx);
    });
    return r;
  }

  async update(studyUid: string, reader: Principal, patch: ReadingPatch): Promise<Reading> {
    const r = await this.draft(studyUid, reader);
    if (patch.overall !== undefined) r.overall = patch.overall;
    const now = this.deps.clock.now();
    if (patch.missedFindings) {
      // The whole vocabulary, whatever the model claims: this is ground truth for monitoring.
      const unknown = patch.missedFindings.filter((k) => !isFindingKey(k));
      if (unknown.length > 0) throw new ReadfirstError('invalid-input', `not in the finding vocabulary: ${unknown.join(', ')}`);
      r.missedFindings = [...new Set(patch.missedFindings)];
    }
    if (patch.imageProblem !== undefined) {
      r.imageProblem =
        patch.imageProblem === null ? null : { reason: patch.imageProblem, at: now, readElsewhere: false, readElsewhereAt: null };
    }
    if (patch.readElsewhere !== undefined) {
      if (!r.imageProblem) throw new ReadfirstError('conflict', 'no image problem was recorded for this reading');
      r.imageProblem = { ...r.imageProblem, readElsewhere: patch.readElsewhere, readElsewhereAt: patch.readElsewhere ? now : null };
    }
    // Only text that differs from the pre-fill counts as the reader's edit.
    if (patch.report && !sameReport(patch.report, r.report)) {
      r.report = patch.report;
      r.reportEdited = true;
    } else {
      await this.refill(r);
    }
    r.updatedAt = now;
    await this.store.update(r);
    return r;
  }

  /**
   * Signs the report as the reader. The AI has no path to this: it needs a signed-in person.
   * Refused while an AI-positive finding has no verdict (unless deliberately overridden, which is
   * recorded), and while an image failed to show and the reader has not confirmed reading it
   * elsewhere.
   */
  async sign(studyUid: string, reader: Principal, options: SignOptions = {}): Promise<Reading> {
    const r = options.report ? await this.update(studyUid, reader, { report: options.report }) : await this.draft(studyUid, reader);
    const now = this.deps.clock.now();
    if (r.imageProblem && !r.imageProblem.readElsewhere) {
      throw new ReadfirstError(
        'conflict',
        `an image of this study failed to show (${r.imageProblem.reason}): confirm you read the study elsewhere before signing`,
        { imageProblem: r.imageProblem.reason },
      );
    }
    const pending = pendingVerdicts(await this.findingsOf(r), r.verdicts).map((f) => f.key);
    if (pending.length > 0) {
      const reason = options.override?.reason.trim() ?? '';
      if (!reason)
        throw new ReadfirstError(
          'conflict',
          `give a verdict on each AI-positive finding before signing (${pending.join(', ')}), or sign with an override and a reason`,
          { pending },
        );
      r.signOverride = { reason, unverified: pending, at: now };
    }
    if (r.report.impression.trim() === '') throw new ReadfirstError('invalid-input', 'the impression is empty');
    r.status = 'signed';
    r.signedAt = now;
    r.readingMs = now - r.openedAt;
    r.updatedAt = now;
    // Only a draft can be signed: two tabs signing at once leave one signature.
    const changed = await this.deps.db.run(
      "UPDATE readings SET status = 'signed', signed_at = $2, reading_ms = $3, updated_at = $2, sign_override = $4 WHERE id = $1 AND status = 'draft'",
      [r.id, now, r.readingMs, r.signOverride ? JSON.stringify(r.signOverride) : null],
    );
    if (changed === 0) throw new ReadfirstError('conflict', 'this reading was signed already');
    if (r.resultId && r.modelId && r.modelVersion) {
      this.deps.bus.emit('verdict.recorded', {
        studyInstanceUid: studyUid,
        resultId: r.resultId,
        modelId: r.modelId,
        modelVersion: r.modelVersion,
      });
    }
    await this.deps.onSigned?.(r, reader);
    return r;
  }
}

import type { Types } from '@cornerstonejs/core';
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { draftText, findings, loadReading, primary, reading, setVerdict, signReading } from '../reading/reading-state.ts';
import { ReportPanel } from '../reading/report-panel.tsx';
import { api, errorText } from '../shell/api.ts';
import { isTyping } from '../shell/keyboard.ts';
import { navigate } from '../shell/router.ts';
import { claimConflict, openStudy } from '../worklist/open-study.ts';
import { type WorklistItem, release } from '../worklist/worklist-api.ts';
import { items, neighbour, visible } from '../worklist/worklist-state.ts';
import { RENDERED, type LeftTool, createViewport, initCornerstone, resolveImage, setLeftTool } from './cornerstone.ts';
import { FindingsPanel } from './findings-panel.tsx';
import { HeatmapOverlay } from './heatmap-overlay.ts';
import { heatmapUrl } from './heatmap-url.ts';
import { Toolbar } from './toolbar.tsx';

/** The viewer: the image from WADO-RS with AI heat-maps, the findings, the verdicts and report. */
export function ViewerPage({ uid }: { uid: string }): preact.JSX.Element {
  const element = useRef<HTMLDivElement>(null);
  const overlayCanvas = useRef<HTMLCanvasElement>(null);
  const vp = useRef<Types.IStackViewport | undefined>(undefined);
  const overlay = useRef<HeatmapOverlay | undefined>(undefined);
  const status = useSignal('Loading image…');
  const focused = useSignal(0);
  const heatmapKey = useSignal<string | undefined>(undefined);
  const opacity = useSignal(0.45);
  const leftTool = useSignal<LeftTool>('wl');
  const inverted = useSignal(false);
  const entry = useSignal<WorklistItem | undefined>(undefined);
  const signedHere = useRef(false);
  signedHere.current = reading.value?.studyInstanceUid === uid && reading.value.status === 'signed';

  // The study summary, when the study is not in the loaded list (opened from an alert, a link).
  useEffect(() => {
    if (items.value.some((i) => i.studyInstanceUid === uid)) return;
    api<WorklistItem>('GET', `/api/worklist/${uid}`)
      .then((w) => (entry.value = w))
      .catch(() => undefined);
  }, [uid]);

  // Keep the focused finding in view as the keyboard moves through the list.
  useEffect(() => {
    document.querySelectorAll('.finding')[focused.value]?.scrollIntoView({ block: 'nearest' });
  }, [focused.value]);

  useEffect(() => {
    let destroy: (() => void) | undefined;
    let cancelled = false;
    (async () => {
      await loadReading(uid);
      await initCornerstone();
      if (cancelled || !element.current || !overlayCanvas.current) return;
      const created = createViewport(element.current);
      destroy = created.destroy;
      vp.current = created.viewport;
      overlay.current = new HeatmapOverlay(overlayCanvas.current, created.viewport);
      element.current.addEventListener(RENDERED, () => overlay.current?.draw());
      const image = await resolveImage(uid, primary.value?.sopInstanceUid);
      await created.viewport.setStack([image.imageId]);
      created.viewport.render();
      status.value = '';
      element.current.dataset.rendered = 'true';
    })().catch((e: unknown) => {
      status.value = `Cannot show this study: ${errorText(e)}`;
    });
    return () => {
      cancelled = true;
      destroy?.();
      // Leaving a study unsigned gives it back to the list for the others (claim-on-open's pair).
      if (!signedHere.current) void release(uid).catch(() => undefined);
    };
  }, [uid]);

  // Show the chosen finding's heat-map (the colour map) at the chosen opacity.
  useEffect(() => {
    const f = findings.value.find((x) => x.key === heatmapKey.value);
    const url = f?.heatmap ? heatmapUrl(f.heatmap.colour) : undefined;
    overlay.current?.show(url).catch((e: unknown) => (status.value = `Heat-map unavailable: ${errorText(e)}`));
  }, [heatmapKey.value]);
  useEffect(() => overlay.current?.setOpacity(opacity.value), [opacity.value]);

  const act = {
    invert: (): void => {
      inverted.value = !inverted.value;
      vp.current?.setProperties({ invert: inverted.value });
      vp.current?.render();
    },
    reset: (): void => {
      inverted.value = false;
      vp.current?.resetProperties();
      vp.current?.resetCamera();
      vp.current?.render();
    },
    fit: (): void => {
      vp.current?.resetCamera();
      vp.current?.render();
    },
    tool: (t: LeftTool): void => {
      leftTool.value = t;
      setLeftTool(t);
    },
    go: (step: 1 | -1): void => {
      const next = neighbour(uid, step);
      if (next && next.studyInstanceUid !== uid) void openStudy(next.studyInstanceUid);
    },
    sign: async (): Promise<void> => {
      const text = draftText.value ?? reading.value?.report;
      if (!text || reading.value?.status !== 'draft') return;
      // The next study down the list, else the most urgent one left: the reader keeps reading.
      const next = neighbour(uid, 1) ?? visible.value.find((i) => i.studyInstanceUid !== uid);
      await signReading(uid, text);
      if (next && next.studyInstanceUid !== uid) await openStudy(next.studyInstanceUid);
      else navigate('/');
    },
  };

  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        void act.sign().catch(() => undefined);
        return;
      }
      if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
      const list = findings.value;
      const f = list[focused.value];
      const verdictKeys: Record<string, 'agree' | 'disagree' | 'uncertain'> = { a: 'agree', d: 'disagree', u: 'uncertain' };
      const handled = ((): boolean => {
        switch (e.key) {
          case 'ArrowDown':
            focused.value = Math.min(list.length - 1, focused.value + 1);
            return true;
          case 'ArrowUp':
            focused.value = Math.max(0, focused.value - 1);
            return true;
          case 'n':
            act.go(1);
            return true;
          case 'p':
            act.go(-1);
            return true;
          case 'h':
            if (f?.heatmap) heatmapKey.value = heatmapKey.value === f.key ? undefined : f.key;
            return true;
          case '[':
            opacity.value = Math.max(0.1, opacity.value - 0.1);
            return true;
          case ']':
            opacity.value = Math.min(1, opacity.value + 0.1);
            return true;
          case 'i':
            act.invert();
            return true;
          case 'r':
            act.reset();
            return true;
          case 'f':
            act.fit();
            return true;
          case 'w':
            act.tool('wl');
            return true;
          case 'z':
            act.tool('zoom');
            return true;
          case 'x':
            act.tool('pan');
            return true;
          case 'Escape':
            navigate('/');
            return true;
          default: {
            const verdict = verdictKeys[e.key];
            if (verdict && f && reading.value?.status === 'draft') {
              void setVerdict(uid, f.key, verdict).catch(() => undefined);
              return true;
            }
            return false;
          }
        }
      })();
      if (handled) e.preventDefault();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [uid]);

  const model = primary.value?.model;
  const item = items.value.find((i) => i.studyInstanceUid === uid) ?? entry.value;
  const signed = reading.value?.status === 'signed';
  return (
    <main class="viewer" aria-label="Study viewer">
      <section class="stage">
        <Toolbar leftTool={leftTool.value} inverted={inverted.value} opacity={opacity} act={act} />
        {claimConflict.value?.uid === uid && (
          <p class="warning" role="alert">
            {claimConflict.value.message}
          </p>
        )}
        <div class="viewport-wrap">
          <div ref={element} class="viewport" data-testid="viewport" aria-label="DICOM image" tabIndex={0} />
          <canvas ref={overlayCanvas} class="heat-overlay" data-testid="heatmap" aria-hidden="true" />
          {status.value && (
            <p class="viewport-status" role="status">
              {status.value}
            </p>
          )}
        </div>
      </section>
      <aside class="side" aria-label="AI findings and report">
        <div class="ai-label" role="note">
          <strong>AI-generated: for assistance, not a diagnosis</strong>
          <span>{model ? `${model.modelName} · version ${model.modelVersion}${model.shadow ? ' · shadow' : ''}` : 'No AI result for this study'}</span>
        </div>
        {item && (
          <p class="study-summary">
            {[item.patientName?.replace(/\^/g, ' '), item.patientSex, item.patientAge, item.modality, item.studyDescription].filter(Boolean).join(' · ')}
          </p>
        )}
        <FindingsPanel uid={uid} focused={focused} heatmapKey={heatmapKey} signed={signed} />
        <ReportPanel uid={uid} onSign={() => void act.sign().catch(() => undefined)} />
      </aside>
    </main>
  );
}

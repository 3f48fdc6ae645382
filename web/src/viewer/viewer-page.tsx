import type { Types } from '@cornerstonejs/core';
import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { AfterSigningPanel } from '../reading/after-signing-panel.tsx';
import { draftText, findings, loadReading, patchReading, primary, reading, results, signReading } from '../reading/reading-state.ts';
import { ReportPanel } from '../reading/report-panel.tsx';
import { type StructuredReport } from '../reading/reading-state.ts';
import { api, errorText } from '../shell/api.ts';
import { navigate } from '../shell/router.ts';
import { claimConflict, openStudy } from '../worklist/open-study.ts';
import { type WorklistItem, claimNext, release } from '../worklist/worklist-api.ts';
import { items, neighbour } from '../worklist/worklist-state.ts';
import {
  CAMERA_MODIFIED,
  type LeftTool,
  RENDERED,
  STACK_NEW_IMAGE,
  VOI_MODIFIED,
  createPanes,
  initCornerstone,
  scrollTo,
  setLeftTool,
  setWindow,
  showImage,
  windowOf,
} from './cornerstone.ts';
import { FindingsPanel } from './findings-panel.tsx';
import { HeatmapOverlay } from './heatmap-overlay.ts';
import { heatmapUrl } from './heatmap-url.ts';
import { clearMeasurements, measurements, trackMeasurements } from './measurements.ts';
import { PriorsPanel, type Compared } from './priors-panel.tsx';
import { StudyHeaderBar, Thumbnails } from './study-header.tsx';
import { type StudyHeader, type StudyImage, loadStudyImages } from './study-images.ts';
import { type Stack, stackOf, thumbnailImages } from './stack.ts';
import { StackControls } from './stack-controls.tsx';
import { Toolbar } from './toolbar.tsx';
import { viewerKeys } from './viewer-keys.ts';

/**
 * A failed decode also surfaces as a promise cornerstone leaves unhandled (an emscripten error
 * number from the codec). The viewer has already shown the failure in the pane and recorded it,
 * so while an image is loading or has failed it is handled here, not left uncaught.
 */
function handleDecodeRejections(active: () => boolean): () => void {
  const on = (e: PromiseRejectionEvent): void => {
    if (!active()) return;
    e.preventDefault();
    console.warn('image load failed (shown in the viewport):', e.reason);
  };
  addEventListener('unhandledrejection', on);
  return () => removeEventListener('unhandledrejection', on);
}

/** Release the claim when the page goes away (reload, tab closed); the viewer claims again on open. */
function releaseOnLeave(uid: string): () => void {
  const onHide = (): void => {
    void fetch(`/api/worklist/${uid}/release`, {
      method: 'POST',
      keepalive: true,
      credentials: 'same-origin',
      headers: { 'x-requested-with': 'readfirst' },
    }).catch(() => undefined);
  };
  addEventListener('pagehide', onHide);
  return () => removeEventListener('pagehide', onHide);
}

/**
 * The viewer: every image of the study from WADO-RS (PA and lateral side by side), the AI heat-map
 * on the image the AI analysed, a prior side by side with synchronised window/level and zoom,
 * measurements, the findings with verdicts, and the report.
 */
export function ViewerPage({ uid }: { uid: string }): preact.JSX.Element {
  const paneRefs = [useRef<HTMLDivElement>(null), useRef<HTMLDivElement>(null)];
  const overlayCanvas = useRef<HTMLCanvasElement>(null);
  const vps = useRef<Types.IStackViewport[]>([]);
  const overlay = useRef<HeatmapOverlay | undefined>(undefined);
  const study = useSignal<{ images: StudyImage[]; header: StudyHeader } | undefined>(undefined);
  const compared = useSignal<Compared | undefined>(undefined);
  const chosen = useSignal<string[] | undefined>(undefined);
  const status = useSignal('Loading image…');
  const paneErrors = useSignal<string[]>([]);
  const focused = useSignal(0);
  const heatmapKey = useSignal<string | undefined>(undefined);
  const opacity = useSignal(0.45);
  const leftTool = useSignal<LeftTool>('wl');
  const inverted = useSignal(false);
  const win = useSignal<{ width: number; center: number } | undefined>(undefined);
  const baseWin = useRef<{ width: number; center: number } | undefined>(undefined);
  const entry = useSignal<WorklistItem | undefined>(undefined);
  /** Per pane: the slice shown and the stack's length (stacks only). */
  const slices = useSignal<Array<{ index: number; total: number } | undefined>>([]);
  const signedHere = useRef(false);
  signedHere.current = reading.value?.studyInstanceUid === uid && reading.value.status === 'signed';

  // The study summary, when the study is not in the loaded list (opened from an alert, a search).
  useEffect(() => {
    if (items.value.some((i) => i.studyInstanceUid === uid)) return;
    api<WorklistItem>('GET', `/api/worklist/${uid}`)
      .then((w) => (entry.value = w))
      .catch(() => undefined);
  }, [uid]);

  useEffect(() => {
    document.querySelectorAll('.finding')[focused.value]?.scrollIntoView({ block: 'nearest' });
  }, [focused.value]);

  // Open: claim (again after a reload), the reading and AI results, the study's images.
  useEffect(() => {
    study.value = undefined;
    compared.value = undefined;
    chosen.value = undefined;
    status.value = 'Loading image…';
    const off = releaseOnLeave(uid);
    void api('POST', `/api/worklist/${uid}/claim`).catch(() => undefined);
    Promise.all([loadReading(uid), loadStudyImages(uid)])
      .then(([, s]) => {
        study.value = s;
        if (s.images.length === 0) status.value = 'This study has no image to show.';
      })
      .catch((e: unknown) => (status.value = `Cannot show this study: ${errorText(e)}`));
    return () => {
      off();
      // Leaving a study unsigned gives it back to the list for the others (claim-on-open's pair).
      if (!signedHere.current) void release(uid).catch(() => undefined);
    };
  }, [uid]);

  // What the panes show: a chosen thumbnail, else the AI's image first then the next (PA + lateral);
  // in comparison, the AI's image beside the prior.
  // A volume model's result names its series and key slice, not one instance.
  const aiSop = primary.value?.sopInstanceUid ?? primary.value?.volume?.keySlices[0]?.sopInstanceUid ?? null;
  const images = study.value?.images ?? [];
  const sorted = [...images].sort((a, b) => Number(b.sopUid === aiSop) - Number(a.sopUid === aiSop));
  // One entry per stack (a CT or MR series is one pane, not one pane per slice).
  const units = new Set(thumbnailImages(images).map((i) => i.seriesUid + (['CT', 'MR', 'PT'].includes(i.modality ?? '') ? '' : i.imageId)));
  const ordered = sorted.filter((i) => {
    const k = i.seriesUid + (['CT', 'MR', 'PT'].includes(i.modality ?? '') ? '' : i.imageId);
    return units.delete(k);
  });
  const panes: StudyImage[] = compared.value
    ? [ordered[0], compared.value.images[0]].filter((x): x is StudyImage => x !== undefined)
    : chosen.value
      ? chosen.value.map((id) => images.find((i) => i.imageId === id)).filter((x): x is StudyImage => x !== undefined)
      : ordered.slice(0, 2);
  // CT and MR series open as one scrollable stack per pane, at the AI's key slice when it has one.
  const stacks: Array<Stack | null> = panes.map((p) =>
    stackOf(compared.value && p === panes[1] ? compared.value.images : images, p, results.value),
  );
  const inStack = (i: number): boolean => stacks[i]?.imageIds.includes(images.find((x) => x.sopUid === aiSop)?.imageId ?? '') ?? false;
  const paneKey = panes.map((p, i) => stacks[i]?.seriesUid ?? p.imageId).join('|');
  const aiPaneIndex = Math.max(
    0,
    panes.findIndex((p, i) => p.sopUid === aiSop || inStack(i)),
  );

  useEffect(() => {
    if (panes.length === 0) return undefined;
    let destroy: (() => void) | undefined;
    let cancelled = false;
    let loading = true;
    let failed = false;
    const offRejections = handleDecodeRejections(() => loading || failed);
    (async () => {
      await initCornerstone();
      trackMeasurements();
      const elements = paneRefs.slice(0, panes.length).map((r) => r.current);
      if (cancelled || elements.some((e) => !e) || !overlayCanvas.current) return;
      const els = elements as HTMLDivElement[];
      const created = createPanes(
        els,
        panes.length > 1,
        stacks.some((x) => x !== null),
      );
      destroy = created.destroy;
      vps.current = created.viewports;
      clearMeasurements();
      const aiPane = aiPaneIndex;
      const aiVp = created.viewports[aiPane];
      if (aiVp) overlay.current = new HeatmapOverlay(overlayCanvas.current, aiVp);
      els[aiPane]?.addEventListener(RENDERED, () => overlay.current?.draw());
      els.forEach((el, i) => {
        const vp = created.viewports[i];
        if (!vp) return;
        el.addEventListener(VOI_MODIFIED, () => i === 0 && (win.value = windowOf(vp)));
        el.addEventListener(CAMERA_MODIFIED, () => (el.dataset.zoom = vp.getZoom().toFixed(3)));
        const stack = stacks[i];
        if (stack)
          el.addEventListener(STACK_NEW_IMAGE, () => {
            const index = vp.getCurrentImageIdIndex();
            slices.value = slices.value.map((s, k) => (k === i ? { index, total: stack.imageIds.length } : s));
            el.dataset.slice = String(index);
            // The heat-map belongs to the key slice only: hidden on every other slice.
            if (i === aiPane && overlayCanvas.current)
              overlayCanvas.current.style.visibility = stack.keyIndex === null || stack.keyIndex === index ? 'visible' : 'hidden';
          });
      });
      slices.value = stacks.map((st) => (st ? { index: st.startIndex, total: st.imageIds.length } : undefined));
      const errors: string[] = [];
      await Promise.all(
        panes.map(async (p, i) => {
          const vp = created.viewports[i];
          if (!vp) return;
          try {
            const stack = stacks[i];
            await showImage(
              vp,
              stack ? (stack.imageIds[stack.startIndex] ?? p.imageId) : p.imageId,
              stack ? { imageIds: stack.imageIds, index: stack.startIndex } : undefined,
            );
            const el = els[i];
            if (el) {
              if (stack) el.dataset.slice = String(stack.startIndex);
              el.dataset.rendered = 'true';
              el.dataset.zoom = vp.getZoom().toFixed(3);
            }
          } catch (e) {
            errors[i] = errorText(e);
          }
        }),
      );
      loading = false;
      if (cancelled) return;
      paneErrors.value = errors;
      const first = created.viewports[0];
      win.value = first ? windowOf(first) : undefined;
      baseWin.current = win.value;
      status.value = '';
      const reason = errors.find((e) => e !== undefined);
      failed = reason !== undefined;
      // A failed image is recorded on the reading: signing then waits for "read elsewhere".
      if (reason && reading.value?.status === 'draft' && !compared.value)
        void patchReading(uid, { imageProblem: reason }).catch(() => undefined);
    })().catch((e: unknown) => {
      status.value = `Cannot show this study: ${errorText(e)}`;
    });
    return () => {
      cancelled = true;
      offRejections();
      destroy?.();
    };
  }, [uid, paneKey]);

  // Show the chosen finding's heat-map (the colour map) at the chosen opacity.
  useEffect(() => {
    const f = findings.value.find((x) => x.key === heatmapKey.value);
    const url = f?.heatmap ? heatmapUrl(f.heatmap.colour) : undefined;
    overlay.current?.show(url).catch((e: unknown) => (status.value = `Heat-map unavailable: ${errorText(e)}`));
  }, [heatmapKey.value, paneKey]);
  useEffect(() => overlay.current?.setOpacity(opacity.value), [opacity.value]);

  const each = (f: (vp: Types.IStackViewport) => void): void => {
    for (const vp of vps.current) {
      f(vp);
      vp.render();
    }
  };
  const act = {
    invert: (): void => {
      inverted.value = !inverted.value;
      each((vp) => vp.setProperties({ invert: inverted.value }));
    },
    reset: (): void => {
      inverted.value = false;
      each((vp) => {
        vp.resetProperties();
        vp.resetCamera();
      });
      win.value = baseWin.current;
    },
    fit: (): void => each((vp) => vp.resetCamera()),
    tool: (t: LeftTool): void => {
      leftTool.value = t;
      setLeftTool(t);
    },
    window: (width: number, center: number): void => {
      each((vp) => setWindow(vp, width, center));
      win.value = { width, center };
    },
    preset: (factor: number, shift: number): void => {
      const b = baseWin.current;
      if (b) act.window(b.width * factor, b.center + shift * b.width);
    },
    go: (step: 1 | -1): void => {
      const next = neighbour(uid, step);
      if (next && next.studyInstanceUid !== uid) void openStudy(next.studyInstanceUid);
    },
    sign: async (override?: { reason: string }): Promise<void> => {
      const text: StructuredReport | undefined = draftText.value ?? reading.value?.report;
      if (!text || reading.value?.status !== 'draft' || reading.value.studyInstanceUid !== uid) return;
      await signReading(uid, text, override);
      // Next is the server's: the most urgent unread, unclaimed study, claimed for this reader.
      const next = await claimNext(uid);
      if (next) await openStudy(next.studyInstanceUid);
      else navigate('/');
    },
  };

  const goSlice = (pane: number, index: number): void => {
    const vp = vps.current[pane];
    if (vp && stacks[pane]) void scrollTo(vp, index).catch(() => undefined);
  };
  // Stack keys: PageUp/PageDown a slice (Shift: ten), Home/End, k the AI's key slice.
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const target = e.target as HTMLElement | null;
      if (target?.closest('input, textarea, select, [contenteditable="true"]') || e.ctrlKey || e.metaKey || e.altKey) return;
      const pane = aiPaneIndex;
      const s = slices.value[pane];
      const st = stacks[pane];
      if (!s || !st) return;
      const step = e.shiftKey ? 10 : 1;
      const to = { PageUp: s.index - step, PageDown: s.index + step, Home: 0, End: s.total - 1, k: st.keyIndex ?? s.index }[e.key];
      if (to === undefined) return;
      e.preventDefault();
      goSlice(pane, to);
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [uid, paneKey, aiPaneIndex]);

  useEffect(() => {
    const onKey = viewerKeys(uid, { focused, heatmapKey, opacity }, act);
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [uid]);

  const model = primary.value?.model;
  const item = items.value.find((i) => i.studyInstanceUid === uid) ?? entry.value;
  const signed = reading.value?.status === 'signed';
  const ready = reading.value?.studyInstanceUid === uid;
  const header = study.value?.header;
  const imageName = (p: StudyImage, i: number): string =>
    `${compared.value && i === 1 ? `Prior ${compared.value.label}` : 'Current'}: ${p.view ?? 'image'}${p.seriesDescription ? `, ${p.seriesDescription}` : ''}${p.sopUid === aiSop ? ', analysed by the AI' : ''}`;
  return (
    <main class="viewer" aria-label="Study viewer">
      <section class="stage">
        <StudyHeaderBar header={header} item={item} />
        <Toolbar leftTool={leftTool.value} inverted={inverted.value} opacity={opacity} win={win.value} act={act} />
        {claimConflict.value?.uid === uid && (
          <p class="warning" role="alert">
            {claimConflict.value.message}
          </p>
        )}
        <div class={`viewport-wrap panes-${Math.max(1, panes.length)}`}>
          {panes.map((p, i) => (
            <div key={p.imageId} class="pane">
              <div ref={paneRefs[i]} class="viewport" data-testid={`viewport-${i}`} role="img" aria-label={imageName(p, i)} tabIndex={0} />
              {i === aiPaneIndex && <canvas ref={overlayCanvas} class="heat-overlay" data-testid="heatmap" aria-hidden="true" />}
              <span class="pane-label">{imageName(p, i)}</span>
              {stacks[i] && slices.value[i] && (
                <StackControls
                  slice={slices.value[i]}
                  keyIndex={stacks[i].keyIndex}
                  modality={stacks[i].modality}
                  onSlice={(n) => goSlice(i, n)}
                  onWindow={act.window}
                />
              )}
              {paneErrors.value[i] && (
                <p class="viewport-error" role="alert">
                  This image failed to load: {paneErrors.value[i]}
                </p>
              )}
            </div>
          ))}
          {heatmapKey.value && <HeatScale />}
          <p class="wl-readout" data-testid="wl-readout" aria-live="polite">
            {win.value ? `W ${Math.round(win.value.width)} · L ${Math.round(win.value.center)}` : ''}
          </p>
          {status.value && (
            <p class="viewport-status" role="status">
              {status.value}
            </p>
          )}
        </div>
        <Thumbnails
          images={thumbnailImages(images)}
          shown={panes.map((p) => p.imageId)}
          aiSop={aiSop}
          onPick={(ids) => ((compared.value = undefined), (chosen.value = ids))}
        />
      </section>
      <aside class="side" aria-label="AI findings and report">
        <div class="ai-label" role="note">
          <strong>AI-generated: for assistance, not a diagnosis</strong>
          <span>
            {model
              ? `${model.modelName} · version ${model.modelVersion}${model.shadow ? ' · shadow' : ''}`
              : 'No AI result for this study (reason below)'}
          </span>
        </div>
        {/* Only this study's reading: the previous study's findings must never take a key press. */}
        {ready ? (
          <FindingsPanel uid={uid} focused={focused} heatmapKey={heatmapKey} signed={signed} />
        ) : (
          <p class="muted">Loading the AI result and your reading…</p>
        )}
        {measurements.value.length > 0 && (
          <ul class="measurements" aria-label="Measurements">
            {measurements.value.map((m) => (
              <li key={m.uid}>{m.text}</li>
            ))}
          </ul>
        )}
        {ready && <ReportPanel uid={uid} onSign={(_text, override) => void act.sign(override).catch(() => undefined)} />}
        {signed && <AfterSigningPanel uid={uid} />}
        <PriorsPanel uid={uid} compared={compared} />
      </aside>
    </main>
  );
}

/** The heat-map's colour scale: what blue and red mean (the model's attention, low to high). */
function HeatScale(): preact.JSX.Element {
  return (
    <div class="heat-scale" role="img" aria-label="Heat-map scale: blue low to red high model attention">
      <span>low</span>
      <span class="heat-gradient" />
      <span>high</span>
    </div>
  );
}

import type { Signal } from '@preact/signals';
import { findings, reading, setVerdict } from '../reading/reading-state.ts';
import { isTyping } from '../shell/keyboard.ts';
import { navigate } from '../shell/router.ts';
import type { LeftTool } from './cornerstone.ts';
import { PRESETS, type ToolbarActions } from './toolbar.tsx';

const VERDICT_KEYS: Record<string, 'agree' | 'disagree' | 'uncertain'> = { a: 'agree', d: 'disagree', u: 'uncertain' };
const TOOL_KEYS: Record<string, LeftTool> = { w: 'wl', z: 'zoom', x: 'pan', l: 'length', g: 'angle', e: 'ellipse', o: 'arrow' };

/** The viewer's keyboard shortcuts (listed in shell/keyboard.ts for the help overlay). */
export function viewerKeys(
  uid: string,
  s: { focused: Signal<number>; heatmapKey: Signal<string | undefined>; opacity: Signal<number> },
  act: ToolbarActions & { sign: () => Promise<void> },
): (e: KeyboardEvent) => void {
  return (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void act.sign().catch(() => undefined);
      return;
    }
    if (isTyping(e) || e.ctrlKey || e.metaKey || e.altKey) return;
    const list = findings.value;
    const f = list[s.focused.value];
    const tool = TOOL_KEYS[e.key];
    const preset = PRESETS.find((p) => p[3] === e.key);
    const handled = ((): boolean => {
      if (tool) {
        act.tool(tool);
        return true;
      }
      if (preset) {
        act.preset(preset[1], preset[2]);
        return true;
      }
      switch (e.key) {
        case 'ArrowDown':
          s.focused.value = Math.min(list.length - 1, s.focused.value + 1);
          return true;
        case 'ArrowUp':
          s.focused.value = Math.max(0, s.focused.value - 1);
          return true;
        case 'n':
          act.go(1);
          return true;
        case 'p':
          act.go(-1);
          return true;
        case 'h':
          if (f?.heatmap) s.heatmapKey.value = s.heatmapKey.value === f.key ? undefined : f.key;
          return true;
        case '[':
          s.opacity.value = Math.max(0.1, s.opacity.value - 0.1);
          return true;
        case ']':
          s.opacity.value = Math.min(1, s.opacity.value + 0.1);
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
        case 'Escape':
          navigate('/');
          return true;
        default: {
          const verdict = VERDICT_KEYS[e.key];
          if (verdict && f && reading.value?.status === 'draft' && reading.value.studyInstanceUid === uid) {
            void setVerdict(uid, f.key, verdict).catch(() => undefined);
            return true;
          }
          return false;
        }
      }
    })();
    if (handled) e.preventDefault();
  };
}

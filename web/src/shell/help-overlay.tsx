import { signal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { SHORTCUTS, isTyping } from './keyboard.ts';

export const helpOpen = signal(false);

/** Global: "?" toggles the help overlay, Esc closes it. */
export function installHelpKey(): void {
  addEventListener(
    'keydown',
    (e) => {
      if (isTyping(e)) return;
      if (e.key === '?') {
        helpOpen.value = !helpOpen.value;
        e.preventDefault();
      } else if (e.key === 'Escape' && helpOpen.value) {
        helpOpen.value = false;
        e.preventDefault();
        e.stopImmediatePropagation();
      }
    },
    { capture: true },
  );
}

/** The keyboard shortcuts, as a modal dialog. */
export function HelpOverlay(): preact.JSX.Element | null {
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (helpOpen.value) close.current?.focus();
  }, [helpOpen.value]);
  if (!helpOpen.value) return null;
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="help-title">
      <div class="dialog">
        <h2 id="help-title">Keyboard shortcuts</h2>
        <table>
          <tbody>
            {SHORTCUTS.map((s) => (
              <tr key={s.keys + s.where}>
                <td>
                  <kbd>{s.keys}</kbd>
                </td>
                <td>{s.what}</td>
                <td class="muted">{s.where}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="button" ref={close} onClick={() => (helpOpen.value = false)}>
          Close (Esc)
        </button>
      </div>
    </div>
  );
}

/** True when a key press belongs to a text field, not to the app's shortcuts. */
export function isTyping(e: KeyboardEvent): boolean {
  const t = e.target;
  if (!(t instanceof HTMLElement)) return false;
  return (
    t.isContentEditable ||
    t instanceof HTMLTextAreaElement ||
    t instanceof HTMLSelectElement ||
    (t instanceof HTMLInputElement && t.type !== 'checkbox' && t.type !== 'radio')
  );
}

/** The shortcuts, shown in the help overlay (?) and implemented by each page. */
export const SHORTCUTS: ReadonlyArray<{ keys: string; what: string; where: 'Worklist' | 'Viewer' | 'Anywhere' }> = [
  { keys: '↑ ↓ / j k', what: 'Move through studies', where: 'Worklist' },
  { keys: 'Enter', what: 'Open (and claim) the study', where: 'Worklist' },
  { keys: 'n / p', what: 'Next / previous study', where: 'Viewer' },
  { keys: '↑ ↓', what: 'Focus the previous / next finding', where: 'Viewer' },
  { keys: 'a', what: 'Agree with the focused finding', where: 'Viewer' },
  { keys: 'd', what: 'Disagree with the focused finding', where: 'Viewer' },
  { keys: 'u', what: 'Uncertain about the focused finding', where: 'Viewer' },
  { keys: 'h', what: 'Toggle the heat-map of the focused finding', where: 'Viewer' },
  { keys: '[ ]', what: 'Heat-map opacity down / up', where: 'Viewer' },
  { keys: 'i', what: 'Invert', where: 'Viewer' },
  { keys: 'r / f', what: 'Reset / fit the image', where: 'Viewer' },
  { keys: 'w / z / x', what: 'Left mouse: window-level / zoom (drag up zooms in) / pan', where: 'Viewer' },
  { keys: 'l / g / e / o', what: 'Left mouse: length / angle / ellipse ROI (mean, SD) / arrow', where: 'Viewer' },
  { keys: '1 2 3 4', what: 'Window presets: default / lung / mediastinum / bone', where: 'Viewer' },
  { keys: 'PageUp / PageDown', what: 'CT or MR stack: previous / next slice (Shift: ten; the mouse wheel scrolls too)', where: 'Viewer' },
  { keys: 'Home / End / k', what: 'CT or MR stack: first / last slice / the AI key slice', where: 'Viewer' },
  { keys: 'Ctrl+Enter', what: 'Sign the report and open the next study', where: 'Viewer' },
  { keys: 'Esc', what: 'Back to the worklist (or close this help)', where: 'Viewer' },
  { keys: '?', what: 'Show or hide this help', where: 'Anywhere' },
];

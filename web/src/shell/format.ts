/**
 * Study header formats shared by the worklist and the viewer. Kept apart from the viewer's
 * modules so the worklist's first render never loads cornerstone3D.
 */
/** "045Y" → "45 y", "008M" → "8 mo", "010D" → "10 d", "002W" → "2 wk" (PS3.5 AS). */
export function formatAge(as: string | null | undefined, birthDate?: string | null, studyDate?: string | null): string | null {
  const m = /^(\d{3})([DWMY])$/.exec(as ?? '');
  if (m) return `${Number(m[1])} ${{ D: 'd', W: 'wk', M: 'mo', Y: 'y' }[m[2] as 'D' | 'W' | 'M' | 'Y']}`;
  const b = /^(\d{4})(\d{2})(\d{2})$/.exec(birthDate ?? '');
  const s = /^(\d{4})(\d{2})(\d{2})$/.exec(studyDate ?? '');
  if (!b || !s) return null;
  const [, by = '', bm = '', bd = ''] = b;
  const [, sy = '', sm = '', sd = ''] = s;
  const years = Number(sy) - Number(by) - (Number(sm + sd) < Number(bm + bd) ? 1 : 0);
  return years >= 2 ? `${years} y` : null;
}

export const formatDate = (d: string | null): string | null =>
  d && /^\d{8}$/.test(d) ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : d;
export const formatTime = (t: string | null): string | null => (t && /^\d{4}/.test(t) ? `${t.slice(0, 2)}:${t.slice(2, 4)}` : t);

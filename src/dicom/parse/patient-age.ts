/**
 * Patient age in years at the time of the study: from PatientAge (0010,1010, an AS value such as
 * "045Y", "006M", "010W", "003D"; PS3.5 6.2), else from PatientBirthDate and StudyDate. Null
 * when neither gives a valid age.
 */
export function patientAgeYears(patientAge: string | null, birthDate: string | null, studyDate: string | null): number | null {
  const m = /^(\d{3})([DWMY])$/.exec(patientAge?.trim() ?? '');
  if (m) {
    const n = Number(m[1]);
    const perYear = { D: 365.25, W: 365.25 / 7, M: 12, Y: 1 }[m[2] as 'D' | 'W' | 'M' | 'Y'];
    return n / perYear;
  }
  const b = parseDate(birthDate);
  const s = parseDate(studyDate);
  if (b === null || s === null || s < b) return null;
  return (s - b) / (365.25 * 86_400_000);
}

function parseDate(d: string | null): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})$/.exec(d?.trim() ?? '');
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return Number.isNaN(t) ? null : t;
}

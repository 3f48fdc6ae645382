import type { AuditAction, AuditRecord } from './audit-entry.ts';

interface Code {
  code: string;
  system: string;
  text: string;
}

const dcm = (code: string, text: string): Code => ({ code, system: 'DCM', text });

/** EventID, optional EventTypeCode and EventActionCode per action (DICOM PS3.15 A.5.3, PS3.16 CID 400/401). */
const EVENTS: Record<AuditAction, { id: Code; type?: Code; action: 'C' | 'R' | 'U' | 'D' | 'E' }> = {
  'user.login': { id: dcm('110114', 'User Authentication'), type: dcm('110122', 'Login'), action: 'E' },
  'user.logout': { id: dcm('110114', 'User Authentication'), type: dcm('110123', 'Logout'), action: 'E' },
  'phi.view': { id: dcm('110103', 'DICOM Instances Accessed'), action: 'R' },
  'phi.query': { id: dcm('110112', 'Query'), action: 'E' },
  'instances.stored': { id: dcm('110104', 'DICOM Instances Transferred'), action: 'C' },
  'ai.result': { id: dcm('110110', 'Patient Record'), action: 'C' },
  'verdict.recorded': { id: dcm('110110', 'Patient Record'), action: 'U' },
  'report.signed': { id: dcm('110110', 'Patient Record'), action: 'C' },
  export: { id: dcm('110106', 'Export'), action: 'R' },
  'config.changed': { id: dcm('110113', 'Security Alert'), type: dcm('110131', 'Software Configuration'), action: 'E' },
  'user.changed': { id: dcm('110113', 'Security Alert'), type: dcm('110137', 'User Security Attributes Changed'), action: 'E' },
  'token.changed': { id: dcm('110113', 'Security Alert'), type: dcm('110137', 'User Security Attributes Changed'), action: 'E' },
  'api.change': { id: dcm('110110', 'Patient Record'), action: 'U' },
};

function esc(s: string): string {
  return s
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
    .split('')
    .filter((c) => c.charCodeAt(0) >= 0x20 || c === '\t' || c === '\n' || c === '\r')
    .join('');
}

function code(tag: string, c: Code): string {
  return `<${tag} csd-code="${esc(c.code)}" codeSystemName="${esc(c.system)}" originalText="${esc(c.text)}"/>`;
}

function objectIdType(objectType: string): Code {
  switch (objectType) {
    case 'study':
      return dcm('110180', 'Study Instance UID');
    case 'instance':
      return dcm('110181', 'SOP Class UID');
    default:
      return { code: '12', system: 'RFC-3881', text: 'URI' };
  }
}

/** One entry as an IHE ATNA / DICOM PS3.15 A.5.1 `AuditMessage`. */
export function atnaMessage(r: AuditRecord, auditSourceId = 'readfirst'): string {
  const ev = EVENTS[r.action];
  const outcome = r.outcome === 'success' ? '0' : '4';
  const isAddress = /^[0-9.:a-f]+$/i.test(r.source) && r.source !== 'cli';
  const parts = [
    `<AuditMessage>`,
    `<EventIdentification EventActionCode="${ev.action}" EventDateTime="${new Date(r.at).toISOString()}" EventOutcomeIndicator="${outcome}">`,
    code('EventID', ev.id),
    ev.type ? code('EventTypeCode', ev.type) : '',
    `</EventIdentification>`,
    `<ActiveParticipant UserID="${esc(r.actor)}" UserIsRequestor="true"${isAddress ? ` NetworkAccessPointID="${esc(r.source)}" NetworkAccessPointTypeCode="2"` : ''}>`,
    r.actorRoles
      ? r.actorRoles
          .split(',')
          .map((role) => code('RoleIDCode', { code: role, system: 'readfirst-role', text: role }))
          .join('')
      : '',
    `</ActiveParticipant>`,
    `<ActiveParticipant UserID="${esc(auditSourceId)}" UserIsRequestor="false">${code('RoleIDCode', dcm('110153', 'Source Role ID'))}</ActiveParticipant>`,
    `<AuditSourceIdentification AuditSourceID="${esc(auditSourceId)}">${code('AuditSourceTypeCode', { code: '4', system: 'DCM', text: 'Application Server Process' })}</AuditSourceIdentification>`,
  ];
  if (r.patientId) {
    parts.push(
      `<ParticipantObjectIdentification ParticipantObjectID="${esc(r.patientId)}" ParticipantObjectTypeCode="1" ParticipantObjectTypeCodeRole="1">`,
      code('ParticipantObjectIDTypeCode', { code: '2', system: 'RFC-3881', text: 'Patient Number' }),
      `</ParticipantObjectIdentification>`,
    );
  }
  if (r.objectId) {
    parts.push(
      `<ParticipantObjectIdentification ParticipantObjectID="${esc(r.objectId)}" ParticipantObjectTypeCode="2" ParticipantObjectTypeCodeRole="${r.objectType === 'study' ? '3' : '4'}">`,
      code('ParticipantObjectIDTypeCode', objectIdType(r.objectType)),
      `<ParticipantObjectDetail type="readfirst-seq" value="${Buffer.from(String(r.seq)).toString('base64')}"/>`,
      `<ParticipantObjectDetail type="readfirst-hash" value="${Buffer.from(r.hash).toString('base64')}"/>`,
      `</ParticipantObjectIdentification>`,
    );
  }
  parts.push(`</AuditMessage>`);
  return parts.join('');
}

/** A whole export: one XML document holding each entry's AuditMessage, in sequence order. */
export function atnaDocument(records: Iterable<AuditRecord>, auditSourceId = 'readfirst'): string {
  const out = ['<?xml version="1.0" encoding="UTF-8"?>', '<AuditMessages>'];
  for (const r of records) out.push(atnaMessage(r, auditSourceId));
  out.push('</AuditMessages>');
  return out.join('\n');
}

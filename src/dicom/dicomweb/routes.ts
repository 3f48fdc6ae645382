import type { RouteDef } from '../../http/route.ts';
import { ACCESS } from '../../http/access-rules.ts';
import type { InstanceFiles } from '../../files/instance-files.ts';
import type { IngestService } from '../ingest/ingest-service.ts';
import type { DicomStore } from '../dicom-store.ts';
import type { QidoStore } from '../store/sql-qido-store.ts';
import { qidoHandlers } from './qido-rs.ts';
import { type StowLimits, stowHandler } from './stow-rs.ts';
import { wadoHandlers } from './wado-rs.ts';

const S = '/dicom-web/studies/:study';
const SE = `${S}/series/:series`;
const I = `${SE}/instances/:instance`;

/**
 * DICOMweb routes (PS3.18). All carry patient data: reads need a clinical role or a token with
 * `dicomweb:read`, STOW a technologist/admin or `dicomweb:write` (src/http/access-rules.ts).
 */
export function dicomWebRoutes(deps: {
  store: DicomStore;
  qido: QidoStore;
  files: InstanceFiles;
  ingest: IngestService;
  publicUrl: string;
  qidoMaxResults: number;
  stow: StowLimits;
}): RouteDef[] {
  const qido = qidoHandlers(deps.qido, deps.publicUrl, { maxResults: deps.qidoMaxResults });
  const wado = wadoHandlers(deps.store, deps.files, deps.publicUrl);
  const stow = stowHandler(deps.ingest, deps.publicUrl, deps.stow);
  const r = (method: 'GET' | 'POST', url: string, summary: string, handler: RouteDef['handler']): RouteDef => ({
    method,
    url,
    access: method === 'POST' ? ACCESS.dicomwebWrite : ACCESS.dicomwebRead,
    phi: true,
    summary,
    handler,
  });
  return [
    r('POST', '/dicom-web/studies', 'STOW-RS store instances', stow),
    r('POST', S, 'STOW-RS store instances of one study', stow),
    r('GET', '/dicom-web/studies', 'QIDO-RS search studies', qido.studies),
    r('GET', '/dicom-web/series', 'QIDO-RS search all series', qido.series),
    r('GET', '/dicom-web/instances', 'QIDO-RS search all instances', qido.instances),
    r('GET', `${S}/series`, 'QIDO-RS search series of a study', qido.series),
    r('GET', `${S}/instances`, 'QIDO-RS search instances of a study', qido.instances),
    r('GET', `${SE}/instances`, 'QIDO-RS search instances of a series', qido.instances),
    r('GET', S, 'WADO-RS retrieve a study', wado.retrieve),
    r('GET', SE, 'WADO-RS retrieve a series', wado.retrieve),
    r('GET', I, 'WADO-RS retrieve an instance', wado.retrieve),
    r('GET', `${S}/metadata`, 'WADO-RS study metadata', wado.metadata),
    r('GET', `${SE}/metadata`, 'WADO-RS series metadata', wado.metadata),
    r('GET', `${I}/metadata`, 'WADO-RS instance metadata', wado.metadata),
    r('GET', `${I}/frames/:frames`, 'WADO-RS frames (pixel data)', wado.frames),
    r('GET', `${I}/rendered`, 'WADO-RS rendered instance (PNG)', wado.rendered),
    r('GET', `${I}/frames/:frames/rendered`, 'WADO-RS rendered frame (PNG)', wado.rendered),
  ];
}

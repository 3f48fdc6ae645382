import type { FastifyRequest } from 'fastify';

/** The DICOMweb root clients should use: `http.publicUrl` when set, else the request's own origin. */
export function dicomWebRoot(publicUrl: string, req: FastifyRequest): string {
  const base = publicUrl !== '' ? publicUrl.replace(/\/+$/, '') : `${req.protocol}://${req.host}`;
  return `${base}/dicom-web`;
}

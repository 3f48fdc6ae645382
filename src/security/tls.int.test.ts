import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/support/app.ts';
import { runDcmtk } from '../../test/support/dcmtk.ts';
import { makeInstance } from '../../test/support/dicom-gen.ts';
import type { App } from '../app/app.ts';

/** A CA, and a server and a client certificate it signed, made with openssl for this test only. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=readfirst test CA',
  );
  for (const who of ['server', 'client']) {
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      '-subj',
      `/CN=${who === 'server' ? 'localhost' : 'MODALITY1'}`,
    );
    ssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '1',
      '-out',
      `${who}.pem`,
      ...(who === 'server' ? ['-extfile', 'san.ext'] : []),
    );
  }
}

// Issue 12, "What to build" 3: HTTPS and DICOM TLS with configured certificates.
describe('TLS for HTTP and DICOM', () => {
  let app: App;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rf-tls-'));
    makeCertificates(dir);
    const files = { certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
    app = await startTestApp({
      'http.tls.certFile': files.certFile,
      'http.tls.keyFile': files.keyFile,
      'dimse.tls.certFile': files.certFile,
      'dimse.tls.keyFile': files.keyFile,
      'dimse.allowedCallingAeTitles': ['MODALITY1'],
    });
  }, 60_000);
  afterAll(async () => app.close());

  it('serves HTTPS with the configured certificate (curl verifies it against the CA)', async () => {
    const port = String(app.httpPort());
    // The server runs in this process: curl must run asynchronously, or it would wait on a blocked event loop.
    const curl = promisify(execFile);
    const ok = await curl('curl', [
      '-sS',
      '--cacert',
      join(dir, 'ca.pem'),
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      `https://127.0.0.1:${port}/healthz`,
    ]);
    expect(ok.stdout).toBe('200');
    const plain = await curl('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      '5',
      `http://127.0.0.1:${port}/healthz`,
    ]).then(
      (r) => r.stdout,
      () => 'refused',
    );
    expect(plain).not.toBe('200');
    const untrusted = await curl('curl', [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '--max-time',
      '5',
      `https://127.0.0.1:${port}/healthz`,
    ]).then(
      (r) => r.stdout,
      () => 'refused',
    );
    expect(untrusted).toBe('refused');
  });

  it('speaks DICOM TLS: echoscu and storescu with +tls succeed, a plain association does not', async () => {
    const port = String(app.services.dicom.dimse?.port());
    const tls = ['+tls', join(dir, 'client.key'), join(dir, 'client.pem'), '+cf', join(dir, 'ca.pem')];
    const echo = await runDcmtk('echoscu', [...tls, '-aet', 'MODALITY1', '-aec', 'READFIRST', '127.0.0.1', port]);
    expect(echo.code, echo.stderr).toBe(0);
    const file = join(dir, 'one.dcm');
    writeFileSync(file, makeInstance({ patientId: 'TLS-1' }).bytes);
    const store = await runDcmtk('storescu', ['-v', ...tls, '-aet', 'MODALITY1', '-aec', 'READFIRST', '127.0.0.1', port, file]);
    expect(store.stdout + store.stderr).toMatch(/Received Store Response \(Success\)/);
    const plain = await runDcmtk('echoscu', ['-to', '5', '-aet', 'MODALITY1', '-aec', 'READFIRST', '127.0.0.1', port], 20_000);
    expect(plain.code).not.toBe(0);
  });
});

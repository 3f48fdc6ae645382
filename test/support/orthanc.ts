import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer as createHttpServer, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { freePort } from './server-process.ts';

/** A real Orthanc (Debian `orthanc` + `orthanc-dicomweb`) started for one test file. */
export interface OrthancPeer {
  httpPort: number;
  dicomPort: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `http://127.0.0.1:<port>/dicom-web` */
  dicomWebUrl: string;
  child: ChildProcess;
  /** Stops Orthanc by its PID and removes its folders. */
  stop(): Promise<void>;
}

const ORTHANC = '/usr/sbin/Orthanc';
const DICOMWEB_PLUGIN = '/usr/share/orthanc/plugins/libOrthancDicomWeb.so';

/**
 * Starts Orthanc on loopback, on free (non-default) ports, with a temporary storage and the
 * DICOMweb plugin; `extra` is merged into its configuration (DicomModalities, Lua scripts...).
 * Fails loudly when Orthanc is not installed (scripts/test.sh installs it).
 */
export async function startOrthanc(extra: Record<string, unknown> = {}): Promise<OrthancPeer> {
  const root = mkdtempSync(join(tmpdir(), 'rf-orthanc-'));
  const httpPort = await freePort();
  const dicomPort = await freePort();
  const config = {
    Name: 'readfirst-test',
    StorageDirectory: join(root, 'storage'),
    IndexDirectory: join(root, 'index'),
    HttpPort: httpPort,
    DicomPort: dicomPort,
    DicomAet: 'ORTHANC',
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomCheckCalledAet: false,
    HttpDescribeErrors: true,
    Plugins: [DICOMWEB_PLUGIN],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    ...extra,
  };
  const cfg = join(root, 'orthanc.json');
  writeFileSync(cfg, JSON.stringify(config));
  const child = spawn(ORTHANC, [cfg], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: 'ignore' });
  const spawnError = new Promise<never>((_, rej) =>
    child.once('error', (e) => rej(new Error(`Orthanc could not start (${ORTHANC}): ${e.message}`))),
  );
  const url = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<void> => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    rmSync(root, { recursive: true, force: true });
  };
  try {
    await Promise.race([spawnError, waitUp(`${url}/system`, child)]);
  } catch (e) {
    await stop();
    throw e;
  }
  return { httpPort, dicomPort, url, dicomWebUrl: `${url}/dicom-web`, child, stop };
}

async function waitUp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited early with code ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('Orthanc did not answer within 60 s');
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Uploads one Part-10 file through Orthanc's REST API (POST /instances). */
export async function orthancUpload(peer: OrthancPeer, bytes: Uint8Array): Promise<void> {
  const res = await fetch(`${peer.url}/instances`, { method: 'POST', body: bytes, headers: { 'content-type': 'application/dicom' } });
  if (!res.ok) throw new Error(`Orthanc refused the upload: ${res.status} ${await res.text()}`);
}

/**
 * A loopback proxy before Orthanc's DICOMweb that percent-decodes query values. Orthanc 1.10.1's
 * DICOMweb plugin matches `PatientName=Doe%5EJ*` literally (it never decodes `%5E`, `%3F`, `%2C`),
 * while every browser client, OHIF's `dicomweb-client` included, encodes them; the proxy lets the
 * same client ask both servers the same question. Returns the proxied DICOMweb root and a close.
 */
export async function orthancDecodingProxy(peer: OrthancPeer): Promise<{ dicomWebUrl: string; close(): Promise<void> }> {
  const server = createHttpServer((req, res) => {
    const [path = '', query] = (req.url ?? '').split('?', 2);
    const decoded =
      query === undefined
        ? path
        : `${path}?${query
            .split('&')
            .map((kv) =>
              kv
                .split('=')
                .map((s) => decodeURIComponent(s))
                .join('='),
            )
            .join('&')}`;
    const upstream = httpRequest(
      { host: '127.0.0.1', port: peer.httpPort, method: req.method, path: decoded, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (e) => res.destroy(e));
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    dicomWebUrl: `http://127.0.0.1:${port}/dicom-web`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

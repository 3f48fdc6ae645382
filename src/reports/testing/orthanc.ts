import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A Debian Orthanc (1.10 + orthanc-dicomweb) for tests: loopback, given ports, stopped by its PID. */
export interface TestOrthanc {
  httpPort: number;
  dicomPort: number;
  aeTitle: string;
  rest<T>(path: string, init?: RequestInit): Promise<T>;
  /** kill -9: the peer dies mid-conversation, as a crashed PACS would. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and storage. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface OrthancOptions {
  httpPort: number;
  dicomPort: number;
  /** readfirst's SCP, where the Lua script forwards every CR/DX image (STACK-NOTES). */
  forwardTo?: { aeTitle: string; port: number };
  userMetadata?: string[];
}

const FORWARD_LUA = `
function OnStoredInstance(instanceId, tags, metadata, origin)
  local m = tags['Modality']
  if m == 'CR' or m == 'DX' then
    SendToModality(instanceId, 'readfirst')
  end
end
`;

async function waitHttp(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`Orthanc exited early (${child.exitCode})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error('Orthanc did not start within 60 s');
    await new Promise((r) => setTimeout(r, 150));
  }
}

export function orthanc(opts: OrthancOptions): TestOrthanc {
  const root = mkdtempSync(join(tmpdir(), 'rf-orthanc-'));
  const lua = join(root, 'forward.lua');
  writeFileSync(lua, FORWARD_LUA);
  const config = {
    Name: 'readfirst-test',
    StorageDirectory: join(root, 'storage'),
    IndexDirectory: join(root, 'index'),
    HttpPort: opts.httpPort,
    DicomPort: opts.dicomPort,
    DicomAet: 'ORTHANC',
    RemoteAccessAllowed: false,
    AuthenticationEnabled: false,
    DicomCheckCalledAet: false,
    StableAge: 1,
    Plugins: ['/usr/share/orthanc/plugins/libOrthancDicomWeb.so'],
    DicomWeb: { Enable: true, Root: '/dicom-web/' },
    DicomModalities: opts.forwardTo ? { readfirst: [opts.forwardTo.aeTitle, '127.0.0.1', opts.forwardTo.port] } : {},
    LuaScripts: opts.forwardTo ? [lua] : [],
    UserMetadata: Object.fromEntries((opts.userMetadata ?? []).map((n, i) => [n, 1024 + i])),
  };
  const cfg = join(root, 'orthanc.json');
  writeFileSync(cfg, JSON.stringify(config));
  let child: ChildProcess | undefined;
  const base = `http://127.0.0.1:${opts.httpPort}`;
  const signal = async (sig: NodeJS.Signals): Promise<void> => {
    const c = child;
    if (!c || c.pid === undefined || c.exitCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    process.kill(c.pid, sig);
    await exited;
    child = undefined;
  };
  return {
    httpPort: opts.httpPort,
    dicomPort: opts.dicomPort,
    aeTitle: 'ORTHANC',
    async rest<T>(path: string, init?: RequestInit): Promise<T> {
      const res = await fetch(`${base}${path}`, init);
      if (!res.ok) throw new Error(`Orthanc ${init?.method ?? 'GET'} ${path}: HTTP ${res.status}`);
      const type = res.headers.get('content-type') ?? '';
      return (type.includes('json') ? await res.json() : Buffer.from(await res.arrayBuffer())) as T;
    },
    async start() {
      const c = spawn('/usr/sbin/Orthanc', [cfg], { env: { ...process.env, TCP_NODELAY: '1' }, stdio: 'ignore' });
      child = c;
      await waitHttp(`${base}/system`, c);
    },
    kill: () => signal('SIGKILL'),
    stop: () => signal('SIGTERM'),
  };
}

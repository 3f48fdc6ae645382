import { signal } from '@preact/signals';
import { useEffect } from 'preact/hooks';
import { AlertBanner } from './shell/alerts.tsx';
import { sessionLost } from './shell/api.ts';
import { connection } from './shell/connection.ts';
import { HelpOverlay, helpOpen } from './shell/help-overlay.tsx';
import { navigate, path, studyOf } from './shell/router.ts';
import { me, signOut } from './shell/session.ts';
import { SignInPage } from './shell/sign-in.tsx';
import type * as ViewerModuleNs from './viewer/viewer-page.tsx';
import { WorklistPage } from './worklist/worklist-page.tsx';
import { connectWorklist, disconnectWorklist } from './worklist/worklist-state.ts';

import type * as AuditModuleNs from './audit/audit-page.tsx';
import type * as MonitorModuleNs from './monitor/monitor-page.tsx';

type ViewerModule = typeof ViewerModuleNs;
/** The monitoring dashboard (vega, ~1 MB) is its own chunk too, loaded when first opened. */
const monitor = signal<typeof MonitorModuleNs | undefined>(undefined);
/** The auditor's screen: its own chunk, which only auditors ever load. */
const audit = signal<typeof AuditModuleNs | undefined>(undefined);
const viewer = signal<ViewerModule | undefined>(undefined);
let viewerLoading: Promise<void> | undefined;

/**
 * The viewer (cornerstone3D, ~4 MB) is its own chunk: the worklist shows without it, and it is
 * fetched in the background once the worklist is up, so opening a study does not wait for it.
 */
function loadViewer(): Promise<void> {
  viewerLoading ??= import('./viewer/viewer-page.tsx').then((m) => {
    viewer.value = m;
  });
  return viewerLoading;
}

/** The audit trail is the auditor's (src/http/access-rules.ts `ACCESS.audit`): admins administer, they do not audit themselves. */
const isAuditor = (): boolean => me.value?.roles.includes('auditor') === true;

function Header(): preact.JSX.Element {
  const user = me.value;
  return (
    <header class="topbar">
      <a href="/" class="brand" onClick={(e) => (e.preventDefault(), navigate('/'))}>
        readfirst
      </a>
      <nav aria-label="Main">
        <a href="/" onClick={(e) => (e.preventDefault(), navigate('/'))} aria-current={path.value === '/' ? 'page' : undefined}>
          Worklist
        </a>
        <a
          href="/monitor"
          onClick={(e) => (e.preventDefault(), navigate('/monitor'))}
          aria-current={path.value === '/monitor' ? 'page' : undefined}
        >
          Monitoring
        </a>
        {isAuditor() && (
          <a
            href="/audit"
            onClick={(e) => (e.preventDefault(), navigate('/audit'))}
            aria-current={path.value === '/audit' ? 'page' : undefined}
          >
            Audit
          </a>
        )}
      </nav>
      <span class="spacer" />
      <span class={`conn conn-${connection.value}`} data-testid="connection">
        {connection.value === 'live' ? '● Connected' : '○ Offline'}
      </span>
      <button type="button" class="ghost" onClick={() => (helpOpen.value = true)} aria-keyshortcuts="?">
        Shortcuts (?)
      </button>
      {user && (
        <span class="who">
          {user.displayName} <small>({user.roles.join(', ')})</small>
        </span>
      )}
      <button type="button" class="ghost" onClick={() => void signOut().then(disconnectWorklist)}>
        Sign out
      </button>
    </header>
  );
}

function Viewer({ uid }: { uid: string }): preact.JSX.Element {
  const mod = viewer.value;
  if (!mod) {
    void loadViewer();
    return <p class="loading">Loading viewer…</p>;
  }
  return <mod.ViewerPage key={uid} uid={uid} />;
}

function Monitor(): preact.JSX.Element {
  const mod = monitor.value;
  if (!mod) {
    void import('./monitor/monitor-page.tsx').then((m) => (monitor.value = m));
    return <p class="loading">Loading monitoring…</p>;
  }
  return <mod.MonitorPage />;
}

function Audit(): preact.JSX.Element {
  if (!isAuditor())
    return (
      <p class="error" role="alert">
        The audit trail is open to auditors only.
      </p>
    );
  const mod = audit.value;
  if (!mod) {
    void import('./audit/audit-page.tsx').then((m) => (audit.value = m));
    return <p class="loading">Loading the audit trail…</p>;
  }
  return <mod.AuditPage />;
}

function Page({ at }: { at: string }): preact.JSX.Element {
  const uid = studyOf(at);
  if (uid) return <Viewer uid={uid} />;
  if (at === '/monitor') return <Monitor />;
  if (at === '/audit') return <Audit />;
  return <WorklistPage />;
}

/** The app: sign-in until there is a session, then the worklist or the viewer. */
export function App(): preact.JSX.Element {
  const user = me.value;
  const signedIn = user !== null && user !== undefined && !sessionLost.value;
  useEffect(() => {
    if (signedIn) {
      connectWorklist();
      const t = setTimeout(() => void loadViewer(), 1500);
      return () => clearTimeout(t);
    }
    disconnectWorklist();
    return undefined;
  }, [signedIn]);
  if (user === undefined) return <p class="loading">Loading…</p>;
  if (!signedIn) return <SignInPage />;
  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <Header />
      {connection.value === 'lost' && (
        <p class="connection-lost" role="alert">
          Connection to the server lost: retrying. Your report text is kept on this computer and is sent when the server is back.
        </p>
      )}
      <AlertBanner />
      <div id="content" class="content">
        <Page at={path.value} />
      </div>
      <HelpOverlay />
    </>
  );
}

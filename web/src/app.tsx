import { useEffect } from 'preact/hooks';
import { AlertBanner } from './shell/alerts.tsx';
import { sessionLost } from './shell/api.ts';
import { HelpOverlay, helpOpen } from './shell/help-overlay.tsx';
import { navigate, path, studyOf } from './shell/router.ts';
import { me, signOut } from './shell/session.ts';
import { SignInPage } from './shell/sign-in.tsx';
import { ViewerPage } from './viewer/viewer-page.tsx';
import { WorklistPage } from './worklist/worklist-page.tsx';
import { connectWorklist, disconnectWorklist } from './worklist/worklist-state.ts';

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
      </nav>
      <span class="spacer" />
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

/** The app: sign-in until there is a session, then the worklist or the viewer. */
export function App(): preact.JSX.Element {
  const user = me.value;
  const signedIn = user !== null && user !== undefined && !sessionLost.value;
  useEffect(() => {
    if (signedIn) connectWorklist();
    else disconnectWorklist();
  }, [signedIn]);
  if (user === undefined) return <p class="loading">Loading…</p>;
  if (!signedIn) return <SignInPage />;
  const uid = studyOf(path.value);
  return (
    <>
      <a class="skip" href="#content">
        Skip to content
      </a>
      <Header />
      <AlertBanner />
      <div id="content" class="content">
        {uid ? <ViewerPage key={uid} uid={uid} /> : <WorklistPage />}
      </div>
      <HelpOverlay />
    </>
  );
}

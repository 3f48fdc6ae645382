import { render } from 'preact';
import { App } from './app.tsx';
import { installHelpKey } from './shell/help-overlay.tsx';
import { loadMe } from './shell/session.ts';

installHelpKey();
render(<App />, document.getElementById('app') as HTMLElement);
loadMe().catch((e: unknown) => console.error(e));

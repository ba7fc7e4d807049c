import { ApiError, BrowserSession, SessionEnded } from './browser-session.js';
import { announce, byId, confirmAction, el, formatTime } from './dom.js';
import { signInForm } from './sign-in.js';

interface Session {
  id: string;
  current: boolean;
  created_at: string;
  last_seen_at: string;
  ip: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
}

const session = new BrowserSession((reason) => signIn.show(reason));
const signIn = signInForm(session, showAccount);

function deviceName(s: Session): string {
  const name = [s.browser ?? 'Unknown browser', s.os && `on ${s.os}`].filter(Boolean).join(' ');
  return s.device ? `${name} (${s.device})` : name;
}

/** Runs an action, reporting a failure (a session that ended has shown its form already). */
function run(action: () => Promise<void>): void {
  announce('error', '');
  action().catch((error: unknown) => {
    if (error instanceof SessionEnded) return;
    announce('error', error instanceof Error ? error.message : String(error));
  });
}

async function loadSessions(): Promise<void> {
  const sessions = await session.api<Session[]>('GET', '/me/sessions');
  sessions.sort((a, b) => Number(b.current) - Number(a.current));
  byId('sessions').replaceChildren(
    ...sessions.map((s) => {
      const name = deviceName(s);
      const action = s.current
        ? el('span', { class: 'badge' }, 'This device')
        : el(
            'button',
            { type: 'button', 'data-session': s.id },
            'Sign out',
            el('span', { class: 'visually-hidden' }, ` ${name}, ${s.ip ?? ''}`),
          );
      return el(
        'tr',
        { 'data-current': String(s.current) },
        el('td', {}, name),
        el('td', {}, s.ip ?? '—'),
        el('td', {}, formatTime(s.created_at)),
        el('td', {}, formatTime(s.last_seen_at)),
        el('td', { class: 'actions' }, action),
      );
    }),
  );
}

async function showAccount(): Promise<void> {
  const me = await session.api<{ email: string }>('GET', '/me');
  byId('who').textContent = me.email;
  signIn.hide();
  await loadSessions();
  session.watch('/me/events');
}

byId('sessions').addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-session]');
  if (!button) return;
  run(async () => {
    await session.api('DELETE', `/me/sessions/${encodeURIComponent(button.dataset.session ?? '')}`);
    announce('status', 'That device is signed out.');
    await loadSessions();
  });
});

byId('sign-out').addEventListener('click', () => run(() => session.signOut()));

byId('sign-out-others').addEventListener('click', () =>
  run(async () => {
    if (!(await confirmAction('Sign out every other device?', 'Sign out others'))) return;
    const { revoked } = await session.api<{ revoked: number }>(
      'POST',
      '/me/sessions/sign-out-others',
    );
    announce('status', `${revoked} other device${revoked === 1 ? '' : 's'} signed out.`);
    await loadSessions();
  }),
);

byId('sign-out-everywhere').addEventListener('click', () =>
  run(async () => {
    if (
      !(await confirmAction('Sign out on every device, this one included?', 'Sign out everywhere'))
    )
      return;
    await session.signOutEverywhere();
  }),
);

byId('reload-sessions').addEventListener('click', () => run(loadSessions));

const passwordForm = byId<HTMLFormElement>('password-form');
passwordForm.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(passwordForm);
  byId('password-error').textContent = '';
  session
    .changePassword(String(data.get('current_password')), String(data.get('new_password')))
    .then(async () => {
      passwordForm.reset();
      announce('status', 'Password changed. Every other device is signed out.');
      await loadSessions();
    })
    .catch((error: unknown) => {
      if (error instanceof SessionEnded) return;
      byId('password-error').textContent =
        error instanceof ApiError && error.status === 403
          ? 'The current password is wrong.'
          : error instanceof Error
            ? error.message
            : String(error);
    });
});

signIn.start();

import { BrowserSession, SessionEnded } from './browser-session.js';
import { announce, byId, confirmAction, el, formatTime } from './dom.js';
import type { StreamEvent } from './event-stream.js';
import { signInForm } from './sign-in.js';

interface User {
  id: string;
  email: string | null;
  roles: string[];
  status: 'active' | 'suspended' | 'deleted';
  created_at: string;
}

interface Session {
  id: string;
  last_seen_at: string;
  ip: string | null;
  browser: string | null;
  os: string | null;
}

interface AuditEntry {
  kind: string;
  target: string | null;
  reason: string;
  actor: string | null;
  count: number;
  created_at: string;
}

const USERS_PAGE = 50;
const AUDIT_PAGE = 20;

const session = new BrowserSession((reason) => signIn.show(reason));
const signIn = signInForm(session, showConsole);

let userFilter = new URLSearchParams();
let usersShown = 0;
/** The `before` cursor of the audit page shown (null: the newest page). */
let auditCursor: string | null = null;
let auditNext: string | null = null;
let auditFilter = new URLSearchParams();

function run(action: () => Promise<void>): void {
  byId('error').textContent = '';
  action().catch((error: unknown) => {
    if (error instanceof SessionEnded) return;
    announce('error', error instanceof Error ? error.message : String(error));
  });
}

async function showConsole(): Promise<void> {
  const claims = session.claims;
  if (!claims?.roles.includes('admin')) {
    signIn.show(undefined, 'This account is not an administrator. Sign in with an admin account.');
    return;
  }
  const me = await session.api<{ email: string }>('GET', '/me');
  byId('who').textContent = me.email;
  signIn.hide();
  session.watch('/admin/revocations/events', onFeedEvent);
  await Promise.all([loadUsers(true), loadAudit()]);
}

/* Users */

function userRow(user: User): HTMLTableRowElement {
  const label = user.email ?? `deleted account ${user.id.slice(0, 8)}`;
  const button = (action: string, text: string, extra: Record<string, string> = {}) =>
    el(
      'button',
      {
        type: 'button',
        'data-action': action,
        'data-user': user.id,
        'data-label': label,
        ...extra,
      },
      text,
      el('span', { class: 'visually-hidden' }, ` ${label}`),
    );
  const living = user.status !== 'deleted';
  return el(
    'tr',
    { 'data-user-row': user.id },
    el('td', {}, label),
    el('td', {}, user.roles.join(', ') || '—'),
    el('td', {}, el('span', { class: `badge ${user.status}` }, user.status)),
    el('td', {}, formatTime(user.created_at)),
    el(
      'td',
      { class: 'actions' },
      living && button('sessions', 'Sessions'),
      living && button('roles', 'Roles', { 'data-roles': user.roles.join(', ') }),
      user.status === 'active' && button('suspend', 'Suspend', { class: 'danger' }),
      user.status === 'suspended' && button('reinstate', 'Reinstate'),
      living && button('delete', 'Delete', { class: 'danger' }),
    ),
  );
}

async function loadUsers(fresh: boolean): Promise<void> {
  if (fresh) usersShown = 0;
  const query = new URLSearchParams(userFilter);
  query.set('limit', String(USERS_PAGE));
  query.set('offset', String(usersShown));
  const users = await session.api<User[]>('GET', `/admin/users?${query}`);
  const rows = users.map(userRow);
  if (fresh) byId('users').replaceChildren(...rows);
  else byId('users').append(...rows);
  usersShown += users.length;
  byId('users-more').hidden = users.length < USERS_PAGE;
}

async function showSessions(userId: string, label: string): Promise<void> {
  const sessions = await session.api<Session[]>('GET', `/admin/users/${userId}/sessions`);
  byId('user-sessions-card').hidden = false;
  byId('user-sessions-title').textContent = `Sessions of ${label}`;
  byId('user-sessions-caption').textContent = `${sessions.length} active`;
  byId('user-sessions').replaceChildren(
    ...sessions.map((s) =>
      el(
        'tr',
        {},
        el('td', {}, el('code', {}, s.id)),
        el(
          'td',
          {},
          [s.browser ?? 'Unknown browser', s.os && `on ${s.os}`].filter(Boolean).join(' '),
        ),
        el('td', {}, s.ip ?? '—'),
        el('td', {}, formatTime(s.last_seen_at)),
        el(
          'td',
          { class: 'actions' },
          el(
            'button',
            {
              type: 'button',
              class: 'danger',
              'data-revoke-session': s.id,
              'data-user': userId,
              'data-label': label,
            },
            'Revoke',
            el('span', { class: 'visually-hidden' }, ` session ${s.id}`),
          ),
        ),
      ),
    ),
  );
}

async function userAction(button: HTMLButtonElement): Promise<void> {
  const { action, user = '', label = '' } = button.dataset;
  if (action === 'sessions') return showSessions(user, label);
  if (action === 'roles') return editRoles(user, label, button.dataset.roles ?? '');
  const verbs: Record<string, [string, string]> = {
    suspend: [`Suspend ${label}? Every session of the account ends at once.`, 'Suspend'],
    reinstate: [`Reinstate ${label}? The account can sign in again.`, 'Reinstate'],
    delete: [`Delete ${label}? This cannot be undone.`, 'Delete'],
  };
  const verb = action ? verbs[action] : undefined;
  if (!verb || !(await confirmAction(...verb))) return;
  if (action === 'delete') await session.api('DELETE', `/admin/users/${user}`);
  else await session.api('POST', `/admin/users/${user}/${action}`);
  announce('status', `${verb[1]}: done for ${label}.`);
  await loadUsers(true);
}

function editRoles(userId: string, label: string, roles: string): Promise<void> {
  const dialog = byId<HTMLDialogElement>('roles-dialog');
  const input = byId<HTMLInputElement>('roles-input');
  byId('roles-user').textContent = label;
  input.value = roles;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve, reject) => {
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue !== 'save') return resolve();
        const next = input.value
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean);
        session
          .api('PUT', `/admin/users/${userId}/roles`, { roles: next })
          .then(() => announce('status', `Roles of ${label}: ${next.join(', ') || 'none'}.`))
          .then(() => loadUsers(true))
          .then(resolve, reject);
      },
      { once: true },
    );
  });
}

/* Revocations */

async function revokeSession(sessionId: string, userId: string, label: string): Promise<void> {
  if (!(await confirmAction(`Revoke session ${sessionId} of ${label}?`, 'Revoke'))) return;
  await session.api('POST', '/admin/revocations', { session_id: sessionId, reason: 'admin' });
  announce('status', `Session ${sessionId} revoked.`);
  await showSessions(userId, label);
}

async function revokeFromForm(form: HTMLFormElement): Promise<void> {
  const data = new FormData(form);
  const kind = String(data.get('kind'));
  const value = String(data.get('value')).trim();
  const names: Record<string, string> = { session_id: 'session', jti: 'token', ip: 'IP address' };
  if (!(await confirmAction(`Revoke ${names[kind] ?? kind} ${value}?`, 'Revoke'))) return;
  const { revoked } = await session.api<{ revoked: number }>('POST', '/admin/revocations', {
    [kind]: value,
    reason: String(data.get('reason')).trim(),
  });
  announce('status', `Revoked: ${revoked} ended.`);
  form.reset();
}

/* Audit trail */

function auditRow(entry: AuditEntry): HTMLTableRowElement {
  return el(
    'tr',
    {},
    el('td', {}, formatTime(entry.created_at)),
    el('td', {}, entry.kind),
    el('td', {}, el('code', {}, entry.target ?? 'everyone')),
    el('td', {}, entry.reason),
    el('td', {}, entry.actor ?? '—'),
    el('td', {}, String(entry.count)),
  );
}

async function loadAudit(): Promise<void> {
  const query = new URLSearchParams(auditFilter);
  query.set('limit', String(AUDIT_PAGE));
  if (auditCursor) query.set('before', auditCursor);
  const page = await session.api<{ entries: AuditEntry[]; next_cursor: string | null }>(
    'GET',
    `/admin/revocations?${query}`,
  );
  byId('audit').replaceChildren(
    ...(page.entries.length
      ? page.entries.map(auditRow)
      : [el('tr', {}, el('td', { colspan: '6' }, 'No entries.'))]),
  );
  auditNext = page.next_cursor;
  byId('audit-older').hidden = auditNext === null;
  byId('audit-newest').hidden = auditCursor === null;
}

function readAuditFilter(form: HTMLFormElement): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of new FormData(form)) {
    const text = String(value).trim();
    if (!text) continue;
    query.set(name, name === 'since' || name === 'until' ? new Date(text).toISOString() : text);
  }
  return query;
}

/* Live feed */

function onFeedEvent(event: StreamEvent): void {
  if (event.event === 'ready') {
    byId('feed-state').textContent = 'Connected: new revocations appear here as they happen.';
    return;
  }
  if (event.event !== 'revocation') return;
  const entry = JSON.parse(event.data) as AuditEntry;
  const text = `${formatTime(entry.created_at)}: ${entry.kind} ${entry.target ?? 'everyone'}, ${entry.reason} by ${entry.actor ?? 'unknown'} (${entry.count} ended)`;
  byId('feed').prepend(el('li', {}, text));
  if (auditCursor === null) run(loadAudit);
}

/* Wiring */

byId('sign-out').addEventListener('click', () => run(() => session.signOut()));

const userSearch = byId<HTMLFormElement>('user-search');
userSearch.addEventListener('submit', (event) => {
  event.preventDefault();
  userFilter = new URLSearchParams();
  for (const [name, value] of new FormData(userSearch)) {
    if (String(value).trim()) userFilter.set(name, String(value).trim());
  }
  run(() => loadUsers(true));
});
byId('users-more').addEventListener('click', () => run(() => loadUsers(false)));

byId('users').addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>('button[data-action]');
  if (button) run(() => userAction(button));
});

byId('user-sessions').addEventListener('click', (event) => {
  const button = (event.target as HTMLElement).closest<HTMLButtonElement>(
    'button[data-revoke-session]',
  );
  const { revokeSession: id = '', user = '', label = '' } = button?.dataset ?? {};
  if (button) run(() => revokeSession(id, user, label));
});

const revokeForm = byId<HTMLFormElement>('revoke-form');
revokeForm.addEventListener('submit', (event) => {
  event.preventDefault();
  run(() => revokeFromForm(revokeForm));
});

const auditForm = byId<HTMLFormElement>('audit-filter');
auditForm.addEventListener('submit', (event) => {
  event.preventDefault();
  auditFilter = readAuditFilter(auditForm);
  auditCursor = null;
  run(loadAudit);
});
byId('audit-older').addEventListener('click', () => {
  if (auditNext === null) return;
  auditCursor = auditNext;
  run(loadAudit);
});
byId('audit-newest').addEventListener('click', () => {
  auditCursor = null;
  run(loadAudit);
});

signIn.start();

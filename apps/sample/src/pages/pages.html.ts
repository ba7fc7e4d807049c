/** Both pages are static documents: the scripts fill them from the JSON API (no inline code, for the CSP). */
function layout(title: string, script: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<link rel="stylesheet" href="/assets/pages.css">
<script type="module" src="/assets/${script}"></script>
</head>
<body>
<header>
<h1>${title}</h1>
<nav aria-label="Pages"><a href="/account">Your devices</a><a href="/admin">Admin console</a></nav>
</header>
<main>
${body}
</main>
</body>
</html>
`;
}

const signIn = (intro: string) => `
<section id="sign-in" class="card" aria-labelledby="sign-in-title" hidden>
<h2 id="sign-in-title">Sign in</h2>
<p id="sign-in-reason" class="notice" role="alert"></p>
<p class="muted">${intro}</p>
<form id="sign-in-form" class="stack">
<label for="sign-in-email">Email</label>
<input id="sign-in-email" name="email" type="email" autocomplete="username" required>
<label for="sign-in-password">Password</label>
<input id="sign-in-password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="primary">Sign in</button>
<p id="sign-in-error" class="error" role="alert"></p>
</form>
</section>`;

/** Opens the part of a page shown once signed in (closed by the page's own `</div>`). */
const signedInBar = `<div id="signed-in" hidden>
<p class="toolbar">Signed in as&nbsp;<strong id="who"></strong>
<button type="button" id="sign-out">Sign out</button></p>
<p id="status" class="status" role="status" aria-live="polite"></p>
<p id="error" class="error" role="alert"></p>`;

const confirmDialog = `
<dialog id="confirm" aria-labelledby="confirm-title">
<form method="dialog">
<h2 id="confirm-title">Are you sure?</h2>
<p id="confirm-text"></p>
<div class="toolbar">
<button value="cancel" autofocus>Cancel</button>
<button value="confirm" id="confirm-ok" class="danger">Confirm</button>
</div>
</form>
</dialog>`;

/** `/account`: the signed-in user's sessions, sign-out and password change. */
export const ACCOUNT_PAGE = layout(
  'Your devices',
  'account.js',
  `${signIn('Sign in to see where your account is signed in.')}
${signedInBar}
<section class="card" aria-labelledby="sessions-title">
<h2 id="sessions-title">Where you are signed in</h2>
<table>
<caption>Your active sessions, this device first</caption>
<thead><tr><th scope="col">Device</th><th scope="col">IP address</th><th scope="col">Signed in</th>
<th scope="col">Last active</th><th scope="col">Actions</th></tr></thead>
<tbody id="sessions"></tbody>
</table>
<div class="toolbar">
<button type="button" id="sign-out-others">Sign out all other devices</button>
<button type="button" id="sign-out-everywhere" class="danger">Sign out everywhere</button>
<button type="button" id="reload-sessions">Refresh list</button>
</div>
</section>
<section class="card" aria-labelledby="password-title">
<h2 id="password-title">Change password</h2>
<p class="muted">Every other device is signed out; this one stays signed in.</p>
<form id="password-form" class="stack">
<label for="current-password">Current password</label>
<input id="current-password" name="current_password" type="password" autocomplete="current-password" required>
<label for="new-password">New password (at least 8 characters)</label>
<input id="new-password" name="new_password" type="password" autocomplete="new-password" minlength="8" required>
<button type="submit" class="primary">Change password</button>
<p id="password-error" class="error" role="alert"></p>
</form>
</section>
</div>
${confirmDialog}`,
);

/** `/admin`: users, revocations, the audit trail and the live feed. */
export const ADMIN_PAGE = layout(
  'Admin console',
  'admin.js',
  `${signIn('Sign in with an administrator account.')}
${signedInBar}
<section class="card" aria-labelledby="users-title">
<h2 id="users-title">Users</h2>
<form id="user-search" class="row" role="search" aria-label="Users">
<div class="field"><label for="user-email">Email contains</label>
<input id="user-email" name="email" type="search"></div>
<div class="field"><label for="user-status">Status</label>
<select id="user-status" name="status"><option value="">Any</option><option value="active">Active</option>
<option value="suspended">Suspended</option><option value="deleted">Deleted</option></select></div>
<button type="submit" class="primary">Search</button>
</form>
<table>
<caption>Accounts, oldest first</caption>
<thead><tr><th scope="col">Email</th><th scope="col">Roles</th><th scope="col">Status</th>
<th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
<tbody id="users"></tbody>
</table>
<div class="toolbar"><button type="button" id="users-more" hidden>More users</button></div>
</section>
<section class="card" id="user-sessions-card" aria-labelledby="user-sessions-title" hidden>
<h2 id="user-sessions-title">Sessions</h2>
<table>
<caption id="user-sessions-caption"></caption>
<thead><tr><th scope="col">Session</th><th scope="col">Device</th><th scope="col">IP address</th>
<th scope="col">Last active</th><th scope="col">Actions</th></tr></thead>
<tbody id="user-sessions"></tbody>
</table>
</section>
<div class="grid">
<section class="card" aria-labelledby="revoke-title">
<h2 id="revoke-title">Revoke</h2>
<form id="revoke-form" class="stack">
<label for="revoke-kind">What</label>
<select id="revoke-kind" name="kind"><option value="session_id">Session id</option>
<option value="jti">Token id (jti)</option><option value="ip">IP address</option></select>
<label for="revoke-value">Value</label>
<input id="revoke-value" name="value" required maxlength="255">
<label for="revoke-reason">Reason (recorded in the audit trail)</label>
<input id="revoke-reason" name="reason" required maxlength="64" value="compromised">
<button type="submit" class="danger">Revoke…</button>
</form>
</section>
<section class="card" aria-labelledby="feed-title">
<h2 id="feed-title">Live revocations</h2>
<p class="muted" id="feed-state">Connecting…</p>
<ul id="feed" aria-live="polite" aria-label="Revocations as they happen"></ul>
</section>
</div>
<section class="card" aria-labelledby="audit-title">
<h2 id="audit-title">Audit trail</h2>
<form id="audit-filter" class="row" aria-label="Audit filters">
<div class="field"><label for="audit-user">User (email or id)</label><input id="audit-user" name="user"></div>
<div class="field"><label for="audit-reason">Reason</label><input id="audit-reason" name="reason" list="reasons"></div>
<datalist id="reasons"><option value="logout"><option value="logout_all"><option value="password_change">
<option value="role_change"><option value="account_suspended"><option value="account_deleted">
<option value="compromised"><option value="suspicious_activity"><option value="refresh_reuse"></datalist>
<div class="field"><label for="audit-actor">Actor (email, id or system)</label><input id="audit-actor" name="actor"></div>
<div class="field"><label for="audit-since">From</label><input id="audit-since" name="since" type="datetime-local"></div>
<div class="field"><label for="audit-until">Until</label><input id="audit-until" name="until" type="datetime-local"></div>
<button type="submit" class="primary">Filter</button>
</form>
<table>
<caption>Newest first</caption>
<thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Target</th>
<th scope="col">Reason</th><th scope="col">Actor</th><th scope="col">Ended</th></tr></thead>
<tbody id="audit"></tbody>
</table>
<div class="toolbar">
<button type="button" id="audit-newest" hidden>Newest</button>
<button type="button" id="audit-older" hidden>Older entries</button>
</div>
</section>
</div>
<dialog id="roles-dialog" aria-labelledby="roles-title">
<form id="roles-form" method="dialog" class="stack">
<h2 id="roles-title">Roles</h2>
<label for="roles-input">Roles of <span id="roles-user"></span>, separated by commas</label>
<input id="roles-input" name="roles">
<p class="muted">Changing roles signs the user out everywhere.</p>
<div class="toolbar"><button value="save" class="primary">Save roles</button><button value="cancel">Cancel</button></div>
</form>
</dialog>
${confirmDialog}`,
);

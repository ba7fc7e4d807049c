import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HttpAdapterKind } from '../../apps/sample/src/config/sample.config';
import { SESSION_COOKIE } from '../../apps/sample/src/pages/session.cookie';
import { listen } from '../sample/support/live-clients';
import {
  ADMIN,
  bearer,
  claimsOf,
  freshIp,
  SampleTestApp,
  TestUser,
} from '../sample/support/sample-app';
import {
  compileWebAssets,
  launchChromium,
  seriousA11yViolations,
  serveOtherSite,
  signInShown,
} from './support/chromium';

const SCREENSHOTS = join(__dirname, '../../docs/screenshots');

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 ' +
  '(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1';

// A browser, argon2 logins and several pages per test: room for a loaded machine.
jest.setTimeout(60_000);

/** How soon a page must notice by itself that its session ended elsewhere. */
const NOTICE_MS = 2000;

let browser: Browser;
let assets: { dir: string; remove: () => void };

beforeAll(async () => {
  assets = compileWebAssets();
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  assets?.remove();
});

describe.each<HttpAdapterKind>(['fastify', 'express'])('the pages in Chromium (%s)', (adapter) => {
  let t: SampleTestApp;
  let base: string;
  const contexts: BrowserContext[] = [];
  /**
   * The console and accessibility checks exercise the page scripts, alike on both adapters; the
   * HTTP contract behind them runs on both in test/sample/pages.e2e-spec.ts.
   */
  const scriptsOnly = adapter === 'fastify' ? it : it.skip;

  beforeAll(async () => {
    t = await SampleTestApp.start(
      'sqlite',
      adapter,
      {},
      {
        realClock: true,
        tune: (config) => {
          config.webAssetsDir = assets.dir;
        },
      },
    );
    base = `http://localhost:${await listen(t)}`;
  });
  afterAll(() => t?.close());
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((c) => c.close()));
  });

  /** A fresh browser profile (its own cookie jar). */
  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    contexts.push(context);
    return context.newPage();
  }

  async function signIn(page: Page, path: string, user: { email: string; password: string }) {
    await page.goto(`${base}${path}`);
    await page.getByLabel('Email', { exact: true }).fill(user.email);
    await page.getByLabel('Password', { exact: true }).fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
  }

  async function openAccount(user: TestUser): Promise<Page> {
    const page = await newPage();
    await signIn(page, '/account', user);
    return page;
  }

  const rows = (page: Page) => page.locator('#sessions tr');

  /** The console, signed in as the admin, with the users whose email contains `email`. */
  async function adminFinding(email: string): Promise<Page> {
    const admin = await newPage();
    await signIn(admin, '/admin', ADMIN);
    await expectText(admin.locator('#feed-state'), 'Connected');
    await admin.getByLabel('Email contains').fill(email);
    await admin.getByRole('button', { name: 'Search' }).click();
    await expectCount(admin.locator('#users tr'), 1);
    return admin;
  }

  it('A signs out B: B shows the sign-in form by itself, with the reason', async () => {
    const user = await t.register();
    const a = await openAccount(user);
    const b = await openAccount(user);
    await a.getByRole('button', { name: 'Refresh list' }).click();
    await expectCount(rows(a), 2);
    await a.locator('#sessions tr[data-current="false"] button').click();
    const took = await signInShown(b, NOTICE_MS);
    expect(took).toBeLessThan(NOTICE_MS);
    await expectText(b.locator('#sign-in-reason'), 'signed out from another session');
    await expectCount(rows(a), 1);
    expect(await a.locator('#sessions').textContent()).toContain('This device');
  });

  it('keeps the refresh token out of page script, HttpOnly, Secure, SameSite=Strict', async () => {
    const user = await t.register();
    const page = await openAccount(user);
    expect(await page.evaluate('document.cookie')).toBe('');
    const cookies = await page.context().cookies();
    expect(cookies).toEqual([
      expect.objectContaining({
        name: SESSION_COOKIE,
        httpOnly: true,
        secure: true,
        sameSite: 'Strict',
        path: '/',
      }),
    ]);
    // Silent refresh: a reload has no access token in memory and resumes from the cookie.
    await page.reload();
    await page.locator('#signed-in').waitFor({ state: 'visible' });
    expect(await page.locator('#who').textContent()).toBe(user.email);
  });

  it('refuses a cross-site form POST to the refresh route', async () => {
    const user = await t.register();
    const page = await openAccount(user);
    const before = (await page.context().cookies())[0].value;
    const other = await serveOtherSite(
      `<!doctype html><title>other site</title><form method="post" action="${base}/auth/session/refresh">` +
        `<button>Go</button></form>`,
    );
    try {
      await page.goto(other.url);
      const [response] = await Promise.all([
        page.waitForResponse(`${base}/auth/session/refresh`),
        page.getByRole('button', { name: 'Go' }).click(),
      ]);
      expect(response.status()).toBe(403);
      expect(await response.json()).toMatchObject({ error: 'cross_site_request' });
    } finally {
      await other.close();
    }
    expect((await page.context().cookies())[0].value).toBe(before);
    await page.goto(`${base}/account`);
    await page.locator('#signed-in').waitFor({ state: 'visible' });
  });

  it('a password change in A ends B; A stays signed in', async () => {
    const user = await t.register();
    const a = await openAccount(user);
    const b = await openAccount(user);
    await a.getByLabel('Current password').fill('not-my-password');
    await a.getByLabel(/New password/).fill('a-brand-new-password');
    await a.getByRole('button', { name: 'Change password' }).click();
    await expectText(a.locator('#password-error'), 'The current password is wrong.');
    expect(await b.locator('#signed-in').isVisible()).toBe(true);

    await a.getByLabel('Current password').fill(user.password);
    const changed = Date.now();
    await a.getByRole('button', { name: 'Change password' }).click();
    await signInShown(b, 10_000);
    expect(Date.now() - changed).toBeLessThan(10_000);
    await expectText(b.locator('#sign-in-reason'), 'password was changed');
    await expectText(a.locator('#status'), 'Password changed');
    expect(await a.locator('#sign-in').isVisible()).toBe(false);
    await expectCount(rows(a), 1);
    // A's live stream runs on the new tokens: signing out everywhere now ends A too.
    await a.getByRole('button', { name: 'Sign out everywhere' }).click();
    await a.getByRole('button', { name: 'Sign out everywhere' }).last().click();
    await signInShown(a, NOTICE_MS);
    await expectText(a.locator('#sign-in-reason'), 'signed out on every device');
  });

  scriptsOnly('an admin suspends a user in the console and the user’s page ends', async () => {
    const user = await t.register();
    const userPage = await openAccount(user);
    const admin = await adminFinding(user.email);
    // Escape cancels the confirmation: nothing happens.
    await admin.getByRole('button', { name: `Suspend ${user.email}` }).click();
    await admin.keyboard.press('Escape');
    await admin.locator('#confirm').waitFor({ state: 'hidden' });
    expect(await t.meStatus((await t.login(user.email, user.password)).access_token)).toBe(200);

    await admin.getByRole('button', { name: `Suspend ${user.email}` }).click();
    await expectText(admin.locator('#confirm-text'), `Suspend ${user.email}?`);
    await admin.locator('#confirm-ok').click();
    const took = await signInShown(userPage, NOTICE_MS);
    expect(took).toBeLessThan(NOTICE_MS);
    await expectText(userPage.locator('#sign-in-reason'), 'suspended');
    await expectText(admin.locator('#users'), 'suspended');
    await expectText(admin.locator('#feed'), 'account_suspended');
    await expectText(admin.locator('#audit'), 'account_suspended');

    await admin.getByRole('button', { name: `Reinstate ${user.email}` }).click();
    await admin.locator('#confirm-ok').click();
    await expectText(admin.locator('#users'), 'active');

    await admin.getByRole('button', { name: `Roles ${user.email}` }).click();
    await admin.getByLabel(/Roles of/).fill('user, auditor');
    await admin.getByLabel(/Roles of/).press('Enter');
    await expectText(admin.locator('#users'), 'user, auditor');
  });

  scriptsOnly(
    'the admin console revokes a session and a token, filters the audit trail, deletes a user',
    async () => {
      const user = await t.register();
      const userPage = await openAccount(user);
      const admin = await adminFinding(user.email);
      await admin.getByRole('button', { name: `Sessions ${user.email}` }).click();
      await expectCount(admin.locator('#user-sessions tr'), 1);
      await admin.locator('#user-sessions button').click();
      await admin.locator('#confirm-ok').click();
      await signInShown(userPage, NOTICE_MS);
      await expectText(userPage.locator('#sign-in-reason'), 'administrator ended');

      await admin.getByLabel('User (email or id)').fill(user.email);
      await admin.getByRole('button', { name: 'Filter' }).click();
      await expectCount(admin.locator('#audit tr'), 1);
      await expectText(admin.locator('#audit'), 'admin');

      const api = await t.login(user.email, user.password);
      const jti = claimsOf(api.access_token).jti as string;
      await admin.getByLabel('What').selectOption('jti');
      await admin.getByLabel('Value').fill(jti);
      await admin.getByRole('button', { name: 'Revoke…' }).click();
      await expectText(admin.locator('#confirm-text'), `Revoke token ${jti}?`);
      await admin.locator('#confirm-ok').click();
      await expectText(admin.locator('#status'), 'Revoked: 1 ended');
      expect(await t.meStatus(api.access_token)).toBe(401);

      await admin.getByRole('button', { name: `Delete ${user.email}` }).click();
      await admin.locator('#confirm-ok').click();
      await expectText(admin.locator('#status'), `Delete: done for ${user.email}`);
      // A deleted account has no email left to match the search.
      await admin.locator('#users tr').first().waitFor({ state: 'detached', timeout: 5000 });
      await expect(t.login(user.email, user.password)).rejects.toThrow('login failed: 401');
    },
  );

  scriptsOnly('pages through the filtered audit trail', async () => {
    const admin = (await t.loginAdmin()).access_token;
    const reason = `paging-${Date.now()}`;
    for (let i = 1; i <= 21; i++) {
      await t.http
        .post('/admin/revocations')
        .set(bearer(admin))
        .send({ ip: `203.0.113.${i}`, reason })
        .expect(201);
    }
    const page = await newPage();
    await signIn(page, '/admin', ADMIN);
    await page.getByLabel('Reason', { exact: true }).fill(reason);
    await page.getByRole('button', { name: 'Filter' }).click();
    await expectCount(page.locator('#audit tr'), 20);
    await expectText(page.locator('#audit tr').first(), '203.0.113.21');
    await page.getByRole('button', { name: 'Older entries' }).click();
    await expectCount(page.locator('#audit tr'), 1);
    await expectText(page.locator('#audit'), '203.0.113.1');
    expect(await page.getByRole('button', { name: 'Older entries' }).isVisible()).toBe(false);
    await page.getByRole('button', { name: 'Newest' }).click();
    await expectCount(page.locator('#audit tr'), 20);
  });

  scriptsOnly(
    'a non-admin is refused by the console (signed in with the keyboard only)',
    async () => {
      const user = await t.register();
      const page = await newPage();
      await page.goto(`${base}/admin`);
      await page.locator('#sign-in').waitFor({ state: 'visible' });
      // Keyboard only: the form takes the focus; Tab to the password, Enter submits.
      await page.keyboard.type(user.email);
      await page.keyboard.press('Tab');
      await page.keyboard.type(user.password);
      await page.keyboard.press('Enter');
      await expectText(page.locator('#sign-in-reason'), 'not an administrator');
      expect(await page.locator('#signed-in').isVisible()).toBe(false);
    },
  );

  it('sends a CSP without unsafe-inline; the scripts run under it', async () => {
    const page = await newPage();
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) errors.push(m.text());
    });
    const response = await page.goto(`${base}/account`);
    const csp = response?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(response?.headers()['x-frame-options']).toBe('SAMEORIGIN');
    await page.locator('#sign-in').waitFor({ state: 'visible' });
    expect(errors).toEqual([]);
  });

  scriptsOnly(
    'has no serious or critical axe-core violation on either page; saves the screenshots',
    async () => {
      const user = await t.register();
      const signedOut = await newPage();
      await signedOut.goto(`${base}/account`);
      await signedOut.locator('#sign-in').waitFor({ state: 'visible' });
      expect(await seriousA11yViolations(signedOut)).toEqual([]);

      await t.login(user.email, user.password, { 'User-Agent': IPHONE, ...freshIp() });
      const account = await openAccount(user);
      await expectCount(rows(account), 2);
      expect(await seriousA11yViolations(account)).toEqual([]);
      mkdirSync(SCREENSHOTS, { recursive: true });
      await account.screenshot({ path: join(SCREENSHOTS, 'account.png'), fullPage: true });

      const admin = await adminFinding(user.email);
      await admin.getByRole('button', { name: `Sessions ${user.email}` }).click();
      await expectCount(admin.locator('#user-sessions tr'), 2);
      await admin.locator('#user-sessions tr', { hasText: 'Safari' }).getByRole('button').click();
      await admin.locator('#confirm-ok').click();
      await expectText(admin.locator('#feed'), 'session');
      await expectCount(admin.locator('#user-sessions tr'), 1);
      expect(await seriousA11yViolations(admin)).toEqual([]);
      await admin.screenshot({ path: join(SCREENSHOTS, 'admin.png'), fullPage: true });
    },
  );
});

async function expectCount(locator: ReturnType<Page['locator']>, count: number): Promise<void> {
  await locator.nth(count - 1).waitFor({ state: 'attached', timeout: 5000 });
  await locator.nth(count).waitFor({ state: 'detached', timeout: 5000 });
}

async function expectText(locator: ReturnType<Page['locator']>, text: string): Promise<void> {
  const deadline = Date.now() + 5000;
  let seen = '';
  while (Date.now() < deadline) {
    seen = (await locator.textContent()) ?? '';
    if (seen.includes(text)) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`expected "${text}" in "${seen}"`);
}

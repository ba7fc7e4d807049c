import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/**
 * Debian's Chromium, headless, without the background traffic a test does not want. Playwright
 * starts it on a fresh temporary user-data dir, removed on close; each context is a fresh profile.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Compiles the pages' scripts (what `npm run build` does) into a fresh directory. */
export function compileWebAssets(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sample-web-'));
  const root = join(__dirname, '../../..');
  execFileSync(
    process.execPath,
    [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(root, 'apps/sample/web/tsconfig.json'),
      '--outDir',
      dir,
    ],
    { stdio: 'pipe' },
  );
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs axe-core in the page; returns its serious and critical violations. */
export async function seriousA11yViolations(page: Page): Promise<string[]> {
  const source = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: () => Promise<AxeResults> } }).axe;
    const results = await axe.run();
    return results.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  return violations;
}

interface AxeResults {
  violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[];
}

/** A server of another site (127.0.0.1 while the app is localhost) serving one HTML page. */
export async function serveOtherSite(
  html: string,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((_, res) => {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Waits until the page shows its sign-in form by itself; resolves with how long it took (ms). */
export async function signInShown(page: Page, timeoutMs: number): Promise<number> {
  const started = Date.now();
  await page.locator('#sign-in').waitFor({ state: 'visible', timeout: timeoutMs });
  return Date.now() - started;
}

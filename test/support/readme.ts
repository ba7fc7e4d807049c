import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './consumer-apps';

/** A fenced code block of README.md. */
export interface ReadmeBlock {
  lang: string;
  code: string;
  /** 1-based line of the opening fence. */
  line: number;
  /** The `## ` section it is in. */
  section: string;
}

export function readmeBlocks(
  markdown = readFileSync(join(ROOT, 'README.md'), 'utf8'),
): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  let section = '';
  let open: ReadmeBlock | undefined;
  markdown.split('\n').forEach((text, index) => {
    if (open) {
      if (text.startsWith('```')) {
        blocks.push(open);
        open = undefined;
      } else open.code += `${text}\n`;
    } else if (text.startsWith('```')) {
      open = { lang: text.slice(3).trim(), code: '', line: index + 1, section };
    } else if (text.startsWith('## ')) section = text.slice(3).trim();
  });
  return blocks;
}

/** The Quick start's app: the one TypeScript block of the "Quick start in your app" section. */
export function quickStartSource(): string {
  const blocks = readmeBlocks().filter(
    (b) => b.lang === 'ts' && b.section === 'Quick start in your app',
  );
  if (blocks.length !== 1)
    throw new Error(`the Quick start has ${blocks.length} ts blocks, expected 1`);
  return blocks[0].code;
}

/** Logs in to a running Quick start app, uses a guarded route, logs out; returns the ended access token. */
export async function loginUseLogout(url: string): Promise<string> {
  const login = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'ada', password: 'correct horse' }),
  });
  expect(login.status).toBe(200);
  const { access_token: token } = (await login.json()) as { access_token: string };
  const auth = { authorization: `Bearer ${token}` };
  const profile = await fetch(`${url}/profile`, { headers: auth });
  expect(profile.status).toBe(200);
  expect(await profile.json()).toEqual({ id: 'user-1', roles: ['admin'] });
  expect((await fetch(`${url}/profile/admin`, { headers: auth })).status).toBe(200);
  expect((await fetch(`${url}/auth/logout`, { method: 'POST', headers: auth })).status).toBe(204);
  await expectEnded(url, token);
  return token;
}

export async function expectEnded(url: string, token: string): Promise<void> {
  const after = await fetch(`${url}/profile`, { headers: { authorization: `Bearer ${token}` } });
  expect(after.status).toBe(401);
  expect(after.headers.get('www-authenticate')).toContain('error="invalid_token"');
}

#!/usr/bin/env node
'use strict';
/**
 * `prepack` of libs/jwt-revocation: a clean build (no stale files from earlier builds end up in the
 * tarball), then the package's README and LICENSE made from the repository's, so that they cannot drift.
 * The README keeps every section written for adopters and drops those about working on this repository.
 */
const { execFileSync } = require('node:child_process');
const { copyFileSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const lib = join(root, 'libs/jwt-revocation');
const pkg = JSON.parse(readFileSync(join(lib, 'package.json'), 'utf8'));

/** Top-level sections of the repository README that are about this repository, not about using the package. */
const REPOSITORY_ONLY_SECTIONS = [
  'Two commands',
  'The sample app',
  'Repository layout',
  'Development',
];

/** Drops the repository-only `## ` sections (with their subsections). */
function adopterSections(markdown) {
  const out = [];
  let dropping = false;
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fence = !fence;
    if (!fence && line.startsWith('## '))
      dropping = REPOSITORY_ONLY_SECTIONS.includes(line.slice(3).trim());
    if (!dropping) out.push(line);
  }
  return out.join('\n');
}

/** Relative links and images point into the repository, where npm cannot follow them: make them absolute. */
function absoluteLinks(markdown) {
  const repo = pkg.homepage.replace(/#.*$/, '');
  const raw = repo.replace('https://github.com/', 'https://raw.githubusercontent.com/');
  return markdown.replace(
    /(!?)\[([^\]]*)\]\((?!https?:|#|mailto:)([^)\s]+)\)/g,
    (_, bang, text, target) =>
      bang ? `![${text}](${raw}/main/${target})` : `[${text}](${repo}/blob/main/${target})`,
  );
}

rmSync(join(lib, 'dist'), { recursive: true, force: true });
execFileSync(
  process.execPath,
  [require.resolve('typescript/bin/tsc'), '-p', join(lib, 'tsconfig.lib.json')],
  {
    cwd: root,
    stdio: 'inherit',
  },
);
writeFileSync(
  join(lib, 'README.md'),
  absoluteLinks(adopterSections(readFileSync(join(root, 'README.md'), 'utf8'))),
);
copyFileSync(join(root, 'LICENSE'), join(lib, 'LICENSE'));

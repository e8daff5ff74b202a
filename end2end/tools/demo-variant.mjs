// Bakes a variant of the demo into a copy of the built site (no second Trunk build: the
// WASM does not depend on the config), for tests and screenshots that need the demo
// with one thing changed.
// Usage: node tools/demo-variant.mjs <built dist> <variant> <out dir>
//
// Variants: each theme preset (`theme.preset` set to it), and "currencies" (three of the
// demo's products priced in yen, US dollars and pounds: the demo itself is one
// creator in one currency, as a real shop would be, and the tests of other currencies
// and of a cart that cannot mix them use this one). The config is written beside a copy
// of the demo's media (the build checks that images sit inside the config's folder).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bakeCopy } from './bake-copy.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The presets `theme.preset` takes (core/src/theme.rs, `Preset::ALL`). */
export const PRESETS = ['studio', 'bold', 'editorial', 'soft', 'mono'];

/** Prices in other currencies, by product id. */
const CURRENCIES = {
  'matcha-whisk': { price: '3800 JPY' },
  'silk-scarf': { price: '68.00 USD' },
  'film-camera': { price: '95.00 GBP' },
};

function variant(config, name) {
  if (PRESETS.includes(name)) {
    config.theme = { ...config.theme, preset: name };
  } else if (name === 'currencies') {
    for (const product of config.products) Object.assign(product, CURRENCIES[product.id] ?? {});
  } else {
    throw new Error(`unknown variant ${name}: use one of ${[...PRESETS, 'currencies'].join(', ')}`);
  }
  return config;
}

export function bakeVariant(dist, name, out) {
  const configDir = `${out}-config`;
  rmSync(configDir, { recursive: true, force: true });
  mkdirSync(configDir, { recursive: true });
  cpSync(join(root, 'demo/media'), join(configDir, 'media'), { recursive: true });
  const config = JSON.parse(readFileSync(join(root, 'demo/storefront.json'), 'utf8'));
  delete config.$schema;
  const file = join(configDir, 'storefront.json');
  writeFileSync(file, JSON.stringify(variant(config, name), null, 2));
  bakeCopy(dist, file, out);
  return out;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dist, name, out] = process.argv.slice(2);
  if (!dist || !name || !out) {
    console.error(`usage: node tools/demo-variant.mjs <built dist> <${[...PRESETS, 'currencies'].join('|')}> <out dir>`);
    process.exit(2);
  }
  bakeVariant(resolve(dist), name, resolve(out));
  console.log(`baked the demo's ${name} variant into ${out}`);
}

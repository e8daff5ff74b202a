// A synthetic brand with N affiliates, for benchmarking the affiliate build.
// `scripts/bench-brand.sh N` uses it to time building (checking, baking, prerendering) a
// brand storefront with N affiliate pages, and to report the sizes of what comes out.
// So the input has to be honest: realistic names across scripts (about 60 % Latin with
// accents, the rest Japanese, Korean, Chinese, Arabic, Hebrew, Cyrillic, Greek,
// Devanagari and Thai: multi-byte UTF-8 and right-to-left text weigh what they weigh on
// real pages), bios with commas, quotes and emoji, a 500-product catalogue with shared
// local images, and a roster CSV in the exact RFC 4180 form a brand would export.
//
//   node end2end/tools/synthetic-brand.mjs <N> <out-dir> [--seed S] [--catalogue]
//       writes <out-dir>/storefront.json, affiliates.csv and media/ (overwriting those
//       files, leaving anything else in <out-dir> alone) and prints one summary line
//   node end2end/tools/synthetic-brand.mjs --check <out-dir>
//       re-reads affiliates.csv with its own small RFC 4180 parser and checks the
//       generator's promises (column counts, unique handles and codes, picks that exist):
//       a self-check of this generator, not the product's validator
//
// Deterministic: the same N and seed (a 32-bit integer, default 1) give byte-identical
// files wherever they are written. The catalogue does not depend on N, and row i of the
// roster depends only on rows before it, so a smaller N is a prefix of a larger one.
// The config uses the "affiliates" section (roster, catalogue, directory, disclosure);
// a `linkshelf check` built before that section existed refuses it as an unknown field.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PRODUCTS = 500;
/** Whether affiliate pages show the brand's collections too (`--catalogue`). */
let CATALOGUE = false;
const COLUMNS = [
  'handle', 'name', 'avatar', 'avatar_alt', 'bio', 'picks', 'code', 'offer',
  'min_subtotal', 'code_ends_at', 'tiktok', 'instagram', 'website',
];
const OFFERS = ['10%', '15%', '20%', '5.00 EUR', 'free shipping'];
const MIN_SUBTOTAL = '40.00 EUR';
const CODE_ENDS_AT = '2027-06-30T23:59';
const MAX_HANDLE = 30;
const MAX_CODE = 20;
const HANDLE_RE = /^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$/;
const CODE_RE = /^[A-Z0-9]+$/;

// ---------------------------------------------------------------------------------------
// Randomness: mulberry32, seeded per stream so the catalogue and the roster are
// independent of each other (and the catalogue of N).

function mulberry32(a) {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stream's seed: FNV-1a over the stream's name, starting from the user's seed. */
function streamSeed(seed, name) {
  let h = 0x811c9dc5 ^ seed;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193);
  return h >>> 0;
}

function makeRandom(seed, name) {
  const next = mulberry32(streamSeed(seed, name));
  const r = {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    pick: (list) => list[Math.floor(next() * list.length)],
    /** Picks from [[weight, value], …]. */
    weighted: (pairs) => {
      const total = pairs.reduce((s, [w]) => s + w, 0);
      let x = next() * total;
      for (const [w, v] of pairs) if ((x -= w) < 0) return v;
      return pairs[pairs.length - 1][1];
    },
    shuffle: (list) => {
      const a = list.slice();
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
      }
      return a;
    },
  };
  return r;
}

// ---------------------------------------------------------------------------------------
// Media: small flat illustrations, each well under 1 KB. No script, no event handlers
// (the config check refuses "active" SVGs).

const svg = (size, body) =>
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" width="${size}" height="${size}">${body}</svg>\n`;
const tile = (bg, body) =>
  svg(600, `<rect width="600" height="600" rx="72" fill="${bg}"/><ellipse cx="300" cy="470" rx="150" ry="16" fill="#3E3A35" opacity=".1"/>${body}`);

/** The catalogue's kinds of product: one shared picture each. */
const KINDS = [
  {
    key: 'cup', image: tile('#E3E9DA',
      '<path d="M390 270h24a46 46 0 0 1 0 92h-24" fill="none" stroke="#F7F1E6" stroke-width="24"/><path d="M200 230h190v180q0 56-56 56h-78q-56 0-56-56z" fill="#F7F1E6"/><ellipse cx="295" cy="230" rx="95" ry="16" fill="#D9CBB4"/><path d="M200 400q24 12 48 0t48 0t48 0t46 0v10q0 56-56 56h-78q-56 0-56-56z" fill="#C9A98A"/>'),
    materials: ['stoneware', 'porcelain', 'enamel', 'speckled ceramic', 'glazed earthenware'],
    nouns: ['mug', 'cup', 'espresso cup', 'tumbler', 'latte bowl'],
    adjectives: ['Hand-thrown', 'Everyday', 'Ribbed', 'Matte', 'Classic'],
    price: [14, 38],
    lines: ['Glazed inside and out, and dishwasher safe.', 'Made by hand, so every one is a little different.', 'A thin rim and a weight that feels right.'],
  },
  {
    key: 'bowl', image: tile('#F5E4DA',
      '<rect x="250" y="430" width="100" height="26" rx="8" fill="#D9B99B"/><path d="M150 310h300q-10 140-150 140t-150-140z" fill="#5E7E97"/><ellipse cx="300" cy="310" rx="150" ry="28" fill="#93AEC2"/><ellipse cx="300" cy="314" rx="134" ry="20" fill="#5E7E97"/>'),
    materials: ['stoneware', 'olive wood', 'porcelain', 'glazed ceramic', 'recycled glass'],
    nouns: ['bowl', 'serving bowl', 'salad bowl', 'nesting bowls (set of 3)', 'pasta plates (set of 2)'],
    adjectives: ['Wide', 'Deep', 'Everyday', 'Hand-glazed', 'Shallow'],
    price: [18, 72],
    lines: ['From ramen to salad, it does everything.', 'Oven safe to 220 °C, dishwasher safe.', 'Glazed in small batches, so the colour varies a little.'],
  },
  {
    key: 'vase', image: tile('#EFE3EC',
      '<path d="M300 210q-40-70-90-90M300 210q20-80 80-110M300 210q0-60-10-100" fill="none" stroke="#7A9070" stroke-width="8"/><path d="M265 200h70v36q66 54 66 132q0 78-52 98h-98q-52-20-52-98q0-78 66-132z" fill="#C77B58"/><rect x="258" y="194" width="84" height="16" rx="8" fill="#A9603F"/>'),
    materials: ['ceramic', 'glass', 'terracotta', 'porcelain', 'stoneware'],
    nouns: ['vase', 'bud vase', 'jug', 'pitcher', 'amphora vase'],
    adjectives: ['Tall', 'Small', 'Round', 'Fluted', 'Hand-built'],
    price: [22, 110],
    lines: ['Watertight, with a wide base that never tips.', 'Looks as good empty as it does with a single stem.', 'Each one is shaped and glazed by hand.'],
  },
  {
    key: 'throw', image: tile('#EDE4D6',
      '<rect x="140" y="340" width="320" height="110" rx="26" fill="#CDBFA8"/><rect x="140" y="250" width="320" height="110" rx="26" fill="#B5A58E"/><rect x="140" y="170" width="320" height="100" rx="26" fill="#8E7D66"/><path d="M180 170v280M420 170v280" stroke="#F7F1E6" stroke-width="10" opacity=".6"/>'),
    materials: ['linen', 'wool', 'merino', 'organic cotton', 'alpaca'],
    nouns: ['throw', 'blanket', 'cushion cover', 'table runner', 'bedspread'],
    adjectives: ['Stonewashed', 'Waffle-knit', 'Chunky', 'Striped', 'Herringbone'],
    price: [35, 240],
    lines: ['Soft from the first day, and softer with every wash.', 'Woven on old looms in a small family mill.', 'Generous, warm and light enough for summer nights.'],
  },
  {
    key: 'towel', image: tile('#E0ECEC',
      '<rect x="150" y="150" width="300" height="16" rx="8" fill="#8B7B6A"/><path d="M200 166h200v270q0 20-20 20h-160q-20 0-20-20z" fill="#F7F1E6"/><path d="M200 380h200M200 400h200" stroke="#6F9C9C" stroke-width="12"/>'),
    materials: ['linen', 'cotton waffle', 'Turkish cotton', 'hemp', 'terry cotton'],
    nouns: ['tea towel', 'bath towel', 'hand towel', 'napkins (set of 4)', 'apron'],
    adjectives: ['Striped', 'Plain', 'Checked', 'Stonewashed', 'Heavy'],
    price: [12, 64],
    lines: ['Absorbent, quick to dry and lint-free.', 'Pre-washed, so it will not shrink on you.', 'With a loop to hang it by the stove.'],
  },
  {
    key: 'candle', image: tile('#F6EBD9',
      '<path d="M300 150q30 40 0 80q-30-40 0-80z" fill="#E8A33D"/><path d="M300 182q12 18 0 40q-12-22 0-40z" fill="#F7D27A"/><rect x="296" y="225" width="8" height="30" fill="#3E3A35"/><rect x="240" y="250" width="120" height="210" rx="16" fill="#F7F1E6"/><rect x="240" y="250" width="120" height="24" rx="12" fill="#E6DAC6"/>'),
    materials: ['soy wax', 'beeswax', 'rapeseed wax', 'coconut wax'],
    nouns: ['candle', 'pillar candle', 'taper candles (set of 2)', 'travel candle', 'tealights (set of 12)'],
    adjectives: ['Fig and cedar', 'Unscented', 'Smoked oak', 'Wild mint', 'Amber'],
    price: [12, 48],
    lines: ['Hand-poured, with a cotton wick and about 40 hours of burn time.', 'A clean burn with no paraffin, ever.', 'Poured by hand in batches of fifty.'],
  },
  {
    key: 'tote', image: tile('#E8E1D3',
      '<path d="M250 250v-40a50 50 0 0 1 100 0v40" fill="none" stroke="#8B6B4A" stroke-width="16"/><path d="M180 250h240l-20 210h-200z" fill="#D8C7A6"/><path d="M190 300h220" stroke="#C4B08C" stroke-width="10"/>'),
    materials: ['canvas', 'leather', 'jute', 'waxed cotton', 'recycled nylon'],
    nouns: ['tote', 'market bag', 'pouch', 'weekender', 'crossbody bag'],
    adjectives: ['Heavy', 'Foldable', 'Everyday', 'Oversized', 'Mini'],
    price: [24, 180],
    lines: ['Roomy, light and easy to carry.', 'With an inside pocket for keys and a card.', 'Stitched to last, with reinforced handles.'],
  },
  {
    key: 'lamp', image: tile('#E6E8EE',
      '<path d="M230 150h140l50 120h-240z" fill="#E8C872"/><rect x="292" y="270" width="16" height="150" fill="#8B7B6A"/><rect x="230" y="420" width="140" height="36" rx="18" fill="#5F6B7A"/>'),
    materials: ['brass', 'ceramic', 'rattan', 'oak', 'paper'],
    nouns: ['table lamp', 'pendant light', 'desk lamp', 'wall sconce', 'floor lamp'],
    adjectives: ['Small', 'Dimmable', 'Articulated', 'Mushroom', 'Cordless'],
    price: [59, 240],
    lines: ['Warm 2700 K light, dimmable with a touch.', 'Comes with a braided cable and an E27 bulb.', 'Takes any E27 bulb; a warm LED one is included.'],
  },
  {
    key: 'notebook', image: tile('#F3E3D3',
      '<rect x="190" y="140" width="230" height="320" rx="16" fill="#C0623F"/><rect x="190" y="140" width="30" height="320" rx="10" fill="#A9532F"/><rect x="380" y="140" width="12" height="320" fill="#3E3A35"/><rect x="250" y="200" width="110" height="40" rx="6" fill="#F7F1E6"/>'),
    materials: ['recycled paper', 'cloth-bound', 'dot-grid', 'kraft', 'linen-bound'],
    nouns: ['notebook', 'journal', 'sketchbook', 'planner', 'recipe book'],
    adjectives: ['A5', 'Pocket', 'Lay-flat', 'Undated', 'Large'],
    price: [12, 36],
    lines: ['160 pages of 100 gsm paper that fountain pens love.', 'Lay-flat binding and a ribbon marker.', 'Printed and bound by a small family bindery.'],
  },
  {
    key: 'plant', image: tile('#DDE8DD',
      '<path d="M300 300q-90-40-80-140q70 30 80 140zM300 300q80-60 100-150q-90 20-100 150zM300 300q-10-100 10-160q30 80-10 160z" fill="#5E8C61"/><path d="M220 300h160l-22 160h-116z" fill="#C77B58"/><rect x="210" y="290" width="180" height="26" rx="8" fill="#B06A48"/>'),
    materials: ['terracotta', 'ceramic', 'concrete', 'recycled plastic', 'stoneware'],
    nouns: ['planter', 'plant pot', 'hanging planter', 'propagation station', 'window box'],
    adjectives: ['Mini', 'Large', 'Self-watering', 'Ribbed', 'Glazed'],
    price: [14, 95],
    lines: ['With a drainage hole and a matching saucer.', 'Fits a pothos, a small fern or a bunch of herbs.', 'Frost-proof, so it can live on the balcony.'],
  },
  {
    key: 'bottle', image: tile('#E2ECF2',
      '<path d="M270 130h60v70q60 40 60 110v120q0 26-26 26h-128q-26 0-26-26v-120q0-70 60-110z" fill="#B9D3E0"/><path d="M214 330h172v100q0 26-26 26h-120q-26 0-26-26z" fill="#7FA8BF"/><rect x="262" y="118" width="76" height="24" rx="8" fill="#8B7B6A"/>'),
    materials: ['glass', 'enamel', 'stainless steel', 'borosilicate glass', 'ceramic'],
    nouns: ['carafe', 'water bottle', 'oil bottle', 'decanter', 'teapot'],
    adjectives: ['Insulated', 'Tall', 'Everyday', 'Pour-over', 'Slim'],
    price: [18, 89],
    lines: ['Holds a litre and pours without a drip.', 'Easy to clean, with a lid that seals.', 'Light, thin and surprisingly tough.'],
  },
  {
    key: 'board', image: tile('#EFE7DA',
      '<rect x="140" y="210" width="300" height="200" rx="36" fill="#B07F4F"/><rect x="420" y="280" width="80" height="60" rx="30" fill="#B07F4F"/><circle cx="470" cy="310" r="12" fill="#EFE7DA"/><path d="M170 250h240M170 300h240M170 350h240" stroke="#9A6B3F" stroke-width="6" opacity=".5"/>'),
    materials: ['oak', 'walnut', 'olive wood', 'acacia', 'ash'],
    nouns: ['serving board', 'chopping board', 'tray', 'coasters (set of 4)', 'bread board'],
    adjectives: ['Large', 'Round', 'Oiled', 'End-grain', 'Small'],
    price: [16, 140],
    lines: ['Cut and finished by a small workshop.', 'Big enough for a whole cheese spread.', 'Oil it now and then and it lasts a lifetime.'],
  },
];
const COLOURS = ['sage', 'oat', 'terracotta', 'ink blue', 'sand', 'moss', 'clay', 'chalk', 'rust', 'charcoal', 'fog', 'ochre'];
const ORIGINS = ['Made in Portugal.', 'Made in Lithuania.', 'Made in Germany.', 'Made in Denmark.', 'Made in Japan.', 'Made in Italy.', ''];

const LOGO = svg(256,
  '<rect width="256" height="256" rx="56" fill="#2F5D62"/><path d="M128 40l18 70l70 18l-70 18l-18 70l-18-70l-70-18l70-18z" fill="#F7F1E6"/><circle cx="128" cy="128" r="14" fill="#2F5D62"/>');

/** Avatars: a coloured circle with a simple shape, no initials. */
const AVATARS = [
  ['#F2C9AE', '<path d="M80 176q0-90 96-100q-6 96-96 100z" fill="#7A9070"/>'],
  ['#BFD7EA', '<path d="M0 150q32-24 64 0t64 0t64 0t64 0v106H0z" fill="#4F7CAC"/><path d="M0 190q32-20 64 0t64 0t64 0t64 0v66H0z" fill="#3B6390"/>'],
  ['#F7E1A1', '<circle cx="128" cy="128" r="44" fill="#E8A33D"/>'],
  ['#D9D2E9', '<path d="M150 70a62 62 0 1 0 36 112a52 52 0 1 1-36-112z" fill="#6C5B9E"/>'],
  ['#CFE3D4', '<path d="M40 196l60-90l40 56l28-36l48 70z" fill="#3F6F5A"/>'],
  ['#F5D0D8', '<circle cx="128" cy="96" r="26" fill="#C4536B"/><circle cx="96" cy="140" r="26" fill="#C4536B"/><circle cx="160" cy="140" r="26" fill="#C4536B"/><circle cx="128" cy="128" r="14" fill="#F7E1A1"/>'],
  ['#E8DCCB', '<path d="M128 64l19 40l44 6l-32 30l8 44l-39-21l-39 21l8-44l-32-30l44-6z" fill="#B07F4F"/>'],
  ['#D4E6E8', '<path d="M128 60q50 62 50 98a50 50 0 0 1-100 0q0-36 50-98z" fill="#3E8A94"/>'],
].map(([bg, shape], i) => ({
  path: `media/avatars/avatar-${i + 1}.svg`,
  text: svg(256, `<circle cx="128" cy="128" r="128" fill="${bg}"/>${shape}`),
}));

// ---------------------------------------------------------------------------------------
// Names. Each group: how a name is written (`order`), given names [native, roman, sex]
// and family names [native, roman] or gendered [male, roman, female, roman]. Latin
// entries have no roman form: it is derived by stripping accents.

const L = (list, sex) => list.split(',').map((n) => [n.trim(), null, sex]);
const LF = (list) => list.split(',').map((n) => [n.trim(), null]);
const pairs = (list, sex) => list.trim().split(/\s*,\s*/).map((p) => {
  const [native, roman] = p.split(/\s+(?=[a-z-]+$)/);
  return sex === undefined ? [native, roman] : [native, roman, sex];
});

const LATIN = [
  { w: 9, order: 'gf', given: [...L('Zoë,Lena,Käthe,Anneliese,Lea,Jördis,Marlene,Frieda', 'f'), ...L('Jürgen,Jörg,Sönke,Maximilian,Felix,Lukas,Björn', 'm')],
    family: LF('Müller,Schäfer,Weiß,Groß,Köhler,Böhm,Fuchs,Becker,Hoffmann,Krüger,Schröder,Wöhler') },
  { w: 8, order: 'gf', given: [...L('Chloé,Élodie,Hélène,Léa,Amélie,Gaëlle,Anaïs,Maëlle,Anne-Sophie', 'f'), ...L('Théo,François,Benoît,Jérôme,Loïc', 'm')],
    family: LF("Lefèvre,Dubois,Girard,Moreau,Bélanger,Faure,Rousseau,Mercier,Lemaître,Chevalier,D'Amboise") },
  { w: 7, order: 'gf', given: [...L('Inês,Conceição,Lúcia,Beatriz,Luíza,Glória', 'f'), ...L('João,Gonçalo,Tomás,Sebastião', 'm')],
    family: LF('Fonseca,Gonçalves,Araújo,Simões,Magalhães,Brandão,Pereira,Guimarães,Ribeiro') },
  { w: 8, order: 'gf', given: [...L('Lucía,Sofía,Begoña,Núria,María José,Ainhoa,Itziar', 'f'), ...L('José,Martín,Íñigo,Ángel,Joaquín', 'm')],
    family: LF('García,Muñoz,Núñez,Ibáñez,Peña,Martínez,Hernández,Jiménez,Gómez,Echeverría') },
  { w: 4, order: 'gf', given: [...L('Zofia,Małgorzata,Agnieszka,Katarzyna,Józefa', 'f'), ...L('Łukasz,Wojciech,Paweł,Jakub,Michał', 'm')],
    family: [['Kowalski', null, 'Kowalska', null], ['Wiśniewski', null, 'Wiśniewska', null], ['Wójcik', null], ['Zieliński', null, 'Zielińska', null], ['Dąbrowski', null, 'Dąbrowska', null], ['Lewandowski', null, 'Lewandowska', null]] },
  { w: 3, order: 'gf', given: [...L('Tereza,Lucie,Kateřina,Barbora', 'f'), ...L('Jiří,Tomáš,Ondřej,Matěj', 'm')],
    family: [['Novák', null, 'Nováková', null], ['Dvořák', null, 'Dvořáková', null], ['Černý', null, 'Černá', null], ['Procházka', null, 'Procházková', null], ['Svoboda', null, 'Svobodová', null]] },
  { w: 5, order: 'gf', given: [...L('Åsa,Sigríður,Þóra,Linnéa,Märta,Ingrid,Freja', 'f'), ...L('Søren,Bjørn,Jökull,Mikael,Ægir', 'm')],
    family: [['Lindqvist', null], ['Sørensen', null], ['Ødegaard', null], ['Åberg', null], ['Nyström', null], ['Halvorsen', null], ['Jónsson', null, 'Jónsdóttir', null], ['Magnússon', null, 'Magnúsdóttir', null]] },
  { w: 4, order: 'gf', given: [...L('Ayşe,Çağla,Şule,Elif,Özge,Işıl', 'f'), ...L('Gökhan,Barış,İlker,Oğuz', 'm')],
    family: LF('Yılmaz,Öztürk,Çelik,Şahin,Doğan,Aydın,Kılıç,Güneş') },
  { w: 4, order: 'fg', given: [...L('Thu,Thu Hà,Minh Anh,Quỳnh,Hương,Ngọc Ánh', 'f'), ...L('Đức,Tuấn,Bảo,Quang Huy', 'm')],
    family: LF('Nguyễn,Trần,Lê,Phạm,Hoàng,Võ,Đặng,Bùi') },
  { w: 2, order: 'fg', given: [...L('Eszter,Réka,Zsófia,Júlia', 'f'), ...L('Bence,Dániel,Ádám', 'm')],
    family: LF('Nagy,Kovács,Szabó,Tóth,Horváth,Varga') },
  { w: 2, order: 'gf', given: [...L('Ìfẹ́olúwa,Tèmítọ́pẹ́,Fúnmiláyọ̀', 'f'), ...L('Adébáyọ̀,Olúwaseun,Babátúndé', 'm')],
    family: LF('Ọlátúnjí,Adéyẹmí,Àjàyí,Ògúnlẹ̀yẹ') },
  { w: 4, order: 'gf', given: [...L('Siobhán,Aoife,Niamh,Caoimhe', 'f'), ...L('Seán,Pádraig,Oisín', 'm')],
    family: LF("O'Connor,Ó Súilleabháin,Byrne,Gallagher,Mac Giolla Phádraig,Ní Bhriain") },
  { w: 8, order: 'gf', given: [...L('Emma,Olivia,Maya,Sanne,Renée,Chloë,Noor', 'f'), ...L('Noah,Daan,Liam,Noël,Sem', 'm')],
    family: LF('de Vries,van den Berg,Smith,Taylor,Jansen,Bakker,Evans,Clarke,Okafor,Mensah') },
];

const NON_LATIN = [
  { w: 6, script: 'ja', order: 'fg', sep: ' ',
    given: [...pairs('美咲 misaki, 陽菜 hina, 結衣 yui, さくら sakura, 芽依 mei, 花子 hanako', 'f'), ...pairs('蓮 ren, 大翔 hiroto, 湊 minato, 悠真 yuma', 'm'), ...pairs('葵 aoi, ゆうき yuki', 'x')],
    family: pairs('佐藤 sato, 鈴木 suzuki, 高橋 takahashi, 田中 tanaka, 伊藤 ito, 渡辺 watanabe, 山本 yamamoto, 中村 nakamura, 小林 kobayashi, 加藤 kato, 吉田 yoshida, 山田 yamada') },
  { w: 5, script: 'ko', order: 'fg', sep: '',
    given: [...pairs('서연 seoyeon, 하은 haeun, 수아 sua, 하린 harin, 은지 eunji', 'f'), ...pairs('민준 minjun, 도윤 doyun, 예준 yejun, 서준 seojun', 'm'), ...pairs('지우 jiwoo, 지민 jimin, 유진 yujin', 'x')],
    family: pairs('김 kim, 이 lee, 박 park, 최 choi, 정 jung, 강 kang, 조 cho, 윤 yoon, 장 jang, 임 lim, 한 han, 서 seo') },
  { w: 4, script: 'zh', order: 'fg', sep: '',
    given: [...pairs('芳 fang, 静 jing, 丽 li, 婷婷 tingting, 欣怡 xinyi, 雨桐 yutong, 嘉怡 jiayi', 'f'), ...pairs('伟 wei, 强 qiang, 浩然 haoran, 思远 siyuan, 俊杰 junjie', 'm'), ...pairs('子涵 zihan, 敏 min', 'x')],
    family: pairs('王 wang, 李 li, 张 zhang, 刘 liu, 陈 chen, 杨 yang, 黄 huang, 赵 zhao, 吴 wu, 周 zhou, 林 lin, 徐 xu') },
  { w: 2, script: 'zh', order: 'fg', sep: '',
    given: [...pairs('淑芬 shufen, 怡君 yijun, 雅婷 yating', 'f'), ...pairs('志明 zhiming, 家豪 jiahao, 冠宇 guanyu', 'm')],
    family: pairs('陳 chen, 林 lin, 黃 huang, 張 zhang, 李 li, 王 wang, 吳 wu, 劉 liu') },
  { w: 5, script: 'ar', order: 'gf', sep: ' ',
    given: [...pairs('ليلى layla, مريم maryam, فاطمة fatima, سارة sara, رنا rana, هدى huda', 'f'), ...pairs('يوسف yousef, عمر omar, أحمد ahmed, خالد khaled, كريم karim', 'm'), ...pairs('نور nour', 'x')],
    family: pairs('حداد haddad, الخطيب alkhatib, منصور mansour, الحسيني alhusseini, عيسى issa, السيد elsayed, نصار nassar, الشامي alshami, سليمان suleiman') },
  { w: 3, script: 'he', order: 'gf', sep: ' ',
    given: [...pairs('נועה noa, תמר tamar, יעל yael, מאיה maya, שירה shira', 'f'), ...pairs('איתי itay, יונתן yonatan', 'm'), ...pairs('עומר omer, דניאל daniel, רוני roni', 'x')],
    family: pairs('כהן cohen, לוי levi, מזרחי mizrahi, פרץ peretz, ביטון biton, אברהם avraham, פרידמן friedman, שפירא shapira') },
  { w: 6, script: 'ru', order: 'gf', sep: ' ',
    given: [...pairs('Анна anna, Мария maria, Екатерина ekaterina, Ольга olga, Дарья darya, Оксана oksana, Юлия yulia, Алёна alyona', 'f'), ...pairs('Дмитрий dmitry, Иван ivan, Алексей alexey, Сергей sergey, Богдан bohdan, Никита nikita', 'm')],
    family: [['Смирнов', 'smirnov', 'Смирнова', 'smirnova'], ['Иванов', 'ivanov', 'Иванова', 'ivanova'], ['Кузнецов', 'kuznetsov', 'Кузнецова', 'kuznetsova'], ['Попов', 'popov', 'Попова', 'popova'], ['Соколов', 'sokolov', 'Соколова', 'sokolova'], ['Волков', 'volkov', 'Волкова', 'volkova'], ['Лебедев', 'lebedev', 'Лебедева', 'lebedeva'], ['Шевченко', 'shevchenko'], ['Бондаренко', 'bondarenko'], ['Коваленко', 'kovalenko']] },
  { w: 3, script: 'el', order: 'gf', sep: ' ',
    given: [...pairs('Ελένη eleni, Μαρία maria, Κατερίνα katerina, Σοφία sofia, Δέσποινα despoina, Αθηνά athina', 'f'), ...pairs('Γιώργος giorgos, Νίκος nikos, Δημήτρης dimitris, Κώστας kostas, Γιάννης giannis', 'm')],
    family: [['Παπαδόπουλος', 'papadopoulos', 'Παπαδοπούλου', 'papadopoulou'], ['Γεωργίου', 'georgiou'], ['Νικολάου', 'nikolaou'], ['Οικονόμου', 'oikonomou'], ['Παπαδάκης', 'papadakis', 'Παπαδάκη', 'papadaki'], ['Βασιλείου', 'vasileiou'], ['Καραγιάννης', 'karagiannis', 'Καραγιάννη', 'karagianni']] },
  { w: 4, script: 'hi', order: 'gf', sep: ' ',
    given: [...pairs('प्रिया priya, अनन्या ananya, दीपिका deepika, श्रेया shreya, नेहा neha, काव्या kavya, ईशा isha', 'f'), ...pairs('आरव aarav, रोहन rohan, विक्रम vikram, अर्जुन arjun, सिद्धार्थ siddharth', 'm')],
    family: pairs('शर्मा sharma, वर्मा verma, पटेल patel, गुप्ता gupta, सिंह singh, जोशी joshi, देशपांडे deshpande, कुलकर्णी kulkarni, मेहता mehta, राव rao') },
  { w: 2, script: 'th', order: 'gf', sep: ' ',
    given: [...pairs('สมศรี somsri, พิมพ์ pim, นภา napha, มาลี malee', 'f'), ...pairs('สมชาย somchai', 'm'), ...pairs('กมล kamon, ณัฐ nat, อรุณ arun, ปิยะ piya, ธนา thana', 'x')],
    family: pairs('ใจดี jaidee, ศรีสุข srisuk, วงศ์ใหญ่ wongyai, สุขสวัสดิ์ suksawat, รัตนพันธ์ rattanaphan, ทองดี thongdee, แสงทอง saengthong, บุญมา boonma') },
];

// Bios in the creator's own language, for about half of the non-Latin names (noun
// phrases, so no grammatical gender to get wrong).
const NATIVE_BIOS = {
  ja: ['器と暮らしの記録。', '毎日使うものだけ、正直に紹介しています。', '東京の小さな部屋と、ゆっくりした朝。'],
  ko: ['매일 쓰는 물건만 소개해요.', '작은 집, 느린 아침 ☕', '살림과 요리, 그리고 식물 🌿'],
  zh: ['记录日常生活中的好物。', '慢生活，好物分享。', '厨房、植物和一点点咖啡。'],
  ar: ['قهوة الصباح والأشياء الجميلة', 'طبخ، تصميم، وبيت هادئ', 'من عمّان: مطبخ صغير وأفكار كثيرة'],
  he: ['בישול, עיצוב ובית', 'קפה של בוקר ודברים יפים', 'מתל אביב, עם הרבה צמחים 🌿'],
  ru: ['Керамика, кофе и медленные утра.', 'Маленькая кухня, большие планы.', 'Дом, растения и немного «минимализма».'],
  el: ['Κεραμικά, καφές και αργά πρωινά.', 'Μικρή κουζίνα, μεγάλα σχέδια.', 'Από τη Θεσσαλονίκη, με αγάπη ☀️'],
  hi: ['घर, खाना और रोज़ की छोटी खुशियाँ।', 'पौधे, चाय और किताबें 🌿', 'पुणे से, सादा जीवन।'],
  th: ['ของแต่งบ้านและกาแฟยามเช้า', 'ครัวเล็ก ๆ กับความสุขทุกวัน', 'ต้นไม้ หนังสือ และกาแฟ ☕'],
};

const CITIES = ['Berlin', 'Lisbon', 'Osaka', 'Leeds', 'Lyon', 'Gdańsk', 'São Paulo', 'Reykjavík', 'Montréal', 'Izmir', 'Hanoi', 'Melbourne', 'Cork', 'Utrecht'];
const BIOS = [
  (c) => `Slow mornings, good coffee and the odd pottery class in ${c}.`,
  () => 'Home cook. "More is more" when it comes to linen.',
  (c) => `${c} ↔ ${c === 'Lisbon' ? 'Porto' : 'Lisbon'}. Small spaces, big plants 🌿`,
  () => 'Ceramics nerd, plant parent, "just one more" mug person ☕',
  () => 'Styling small rentals on a budget.',
  () => 'Thrift finds, clean lines and a lot of linen.',
  () => 'My partner calls it "a problem". I call it a collection.',
  () => 'Parent of two 👩‍👩‍👧‍👦 cooking for a crowd every Sunday.',
  () => 'Van life, tiny kitchen, zero regrets 🚐',
  (c) => `Interior stylist · ${c}`,
  () => 'Reviews you can trust: I buy it, I use it, then I post it.',
  (c) => `${c}-based, shipping-obsessed, always "just browsing".`,
  () => 'Tablescapes for people who hate ironing.',
  () => 'Minimalist (mostly). Candles don\'t count.',
  (c) => `Baker, gardener and serial re-arranger of furniture in ${c} 🇪🇺`,
  () => 'Quiet luxury on a loud budget.',
  () => 'Weekday recipes, weekend projects.',
  () => '"Buy less, choose well", she said, holding her 40th mug.',
];

/** A Latin name's ASCII form: accents stripped, letters outside Unicode's decompositions mapped. */
const SPECIAL = { ß: 'ss', ø: 'o', æ: 'ae', œ: 'oe', ł: 'l', đ: 'd', ı: 'i', þ: 'th', ð: 'd' };
function romanise(latin) {
  return latin
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/[ßøæœłđıþð]/g, (c) => SPECIAL[c])
    .replace(/[^a-z0-9-]/g, '');
}

function makeName(r) {
  const latin = r.chance(0.6);
  const group = r.weighted((latin ? LATIN : NON_LATIN).map((g) => [g.w, g]));
  // Some Latin names mix cultures (Zoë Müller's parents met somewhere).
  const familyGroup = latin && r.chance(0.15) ? r.pick(LATIN) : group;
  const [givenNative, givenRoman, sex] = r.pick(group.given);
  const fam = r.pick(familyGroup.family);
  const female = sex === 'f' || (sex === 'x' && r.chance(0.5));
  const [famNative, famRoman] = fam.length === 4 && female ? [fam[2], fam[3]] : [fam[0], fam[1]];
  const sep = group.sep ?? ' ';
  const name = group.order === 'fg' ? `${famNative}${sep}${givenNative}` : `${givenNative}${sep}${famNative}`;
  return {
    name,
    script: group.script ?? 'latin',
    given: givenRoman ?? romanise(givenNative),
    family: famRoman ?? romanise(famNative),
  };
}

// ---------------------------------------------------------------------------------------
// The catalogue and the brand's config.

/** Each product's kind, kept out of the JSON (symbol keys are not serialised). */
const KIND = Symbol('kind');
const money = (n) => `${n.toFixed(2)} EUR`;
const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
const capitalise = (s) => s[0].toUpperCase() + s.slice(1);

function catalogue(r) {
  const products = [];
  const titles = new Set();
  const variants = new Set();
  for (let i = 1; i <= PRODUCTS; i++) {
    const kind = r.pick(KINDS);
    let title, material, noun, colour;
    for (let attempt = 0; ; attempt++) {
      material = r.pick(kind.materials);
      noun = r.pick(kind.nouns);
      colour = r.pick(COLOURS);
      const adjective = r.chance(0.6) ? `${r.pick(kind.adjectives)} ` : '';
      const withColour = r.chance(0.5) ? ` in ${colour}` : '';
      title = capitalise(`${adjective}${adjective ? material : capitalise(material)} ${noun}${withColour}`);
      if (!titles.has(title) || attempt > 20) break;
    }
    titles.add(title);
    const id = `p-${String(i).padStart(4, '0')}-${slug(`${material} ${noun.replace(/\s*\(.*\)/, '')}`)}`;
    const [lo, hi] = kind.price;
    let price = r.int(lo, hi) + r.pick([0, 0, 0, 0.5, 0.95]);
    if (price > 240) price = 240;
    const product = {
      id,
      title,
      description: `${r.pick(kind.lines)} ${r.pick(ORIGINS)}`.trim(),
      price: money(price),
    };
    if (price <= 200 && r.chance(0.18)) {
      const compare = Math.min(240, Math.ceil(price * (1.1 + r.next() * 0.3)));
      if (compare > price) product.compare_at = money(compare);
    }
    product.images = [{ src: `media/${kind.key}.svg`, alt: `${capitalise(colour)} ${material} ${noun.replace(/\s*\(.*\)/, '')}, drawn as a flat illustration` }];
    const badges = [];
    if (r.chance(0.12)) badges.push('new');
    if (r.chance(0.06)) badges.push('limited');
    if (r.chance(0.03)) badges.push('sold_out');
    if (badges.length) product.badges = badges;
    let variant;
    do variant = `4${String(r.int(0, 999999)).padStart(6, '0')}${String(r.int(0, 9999999)).padStart(7, '0')}`;
    while (variants.has(variant));
    variants.add(variant);
    product.checkout = { kind: 'shopify', variant };
    products.push(Object.assign(product, { [KIND]: kind.key }));
  }
  return products;
}

function collections(r, products) {
  const take = (test) => r.shuffle(products.filter(test)).slice(0, 12).map((p) => p.id);
  const of = (...kinds) => (p) => kinds.includes(p[KIND]);
  const euros = (p) => Number(p.price.split(' ')[0]);
  return [
    { id: 'kitchen', title: 'Kitchen & table', description: 'Stoneware, wood and glass for every day.', products: take(of('cup', 'bowl', 'board', 'bottle')) },
    { id: 'living-room', title: 'Living room', description: 'Soft, warm and a little bit glowing.', products: take(of('throw', 'vase', 'candle', 'lamp')) },
    { id: 'gifts-under-50', title: 'Gifts under 50 €', description: 'Small things people actually keep.', products: take((p) => euros(p) < 50 && !p.badges?.includes('sold_out')) },
    { id: 'new-in', title: 'New in', description: 'Fresh from the studio this season.', products: take((p) => p.badges?.includes('new')) },
  ];
}

function storefront(products, cols) {
  return {
    site: { url: 'https://brand.example/' },
    creator: {
      id: 'northwind-goods',
      name: 'Northwind Goods',
      handle: '@northwindgoods',
      bio: 'Linen, stoneware and small-batch homeware from Berlin, picked and shared by the creators who use them.',
      avatar: { src: 'media/logo.svg', alt: 'Northwind Goods logo: a white compass star on teal' },
      disclosure: 'Creators featured here earn a commission on sales through their pages.',
      time_zone: 'Europe/Berlin',
      links: [
        { kind: 'tiktok', url: 'https://www.tiktok.com/@northwindgoods' },
        { kind: 'instagram', url: 'https://www.instagram.com/northwindgoods' },
        { kind: 'pinterest', url: 'https://www.pinterest.com/northwindgoods' },
      ],
    },
    theme: { accent: '#2f5d62' },
    shopify: { shop: 'northwind-goods.myshopify.com' },
    affiliates: {
      roster: 'affiliates.csv',
      catalogue: CATALOGUE,
      directory: false,
      disclosure: 'I earn a commission on sales through this page.',
    },
    products: products.map((p) => ({ ...p })),
    collections: cols,
    popups: [
      {
        id: 'spring-linen-live',
        title: 'Live: the spring linen collection',
        starts_at: '2027-02-18T19:00',
        ends_at: '2027-02-18T20:00',
        stream: { platform: 'TikTok Live', url: 'https://www.tiktok.com/@northwindgoods/live' },
      },
      {
        id: 'berlin-pop-up-store',
        title: 'Northwind pop-up store',
        starts_at: '2027-04-10T11:00',
        ends_at: '2027-04-11T18:00',
        venue: {
          name: 'Halle am Kanal',
          address: 'Paul-Lincke-Ufer 20, 10999 Berlin',
          map_url: 'https://www.openstreetmap.org/search?query=Paul-Lincke-Ufer%2020%20Berlin',
        },
      },
    ],
    tracking: { privacy: 'standard', sinks: [{ kind: 'collector', endpoint: 'http://127.0.0.1:8787/v1/events' }] },
  };
}

// ---------------------------------------------------------------------------------------
// The roster.

/** RFC 4180: quoted when it holds a comma, quote or line break; quotes doubled. */
const csvField = (s) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
const csvRow = (fields) => fields.map(csvField).join(',');

/** The first of `candidates` not yet taken, else the first one with a number added (fitting `max`). */
function unique(taken, counters, candidates, max, trim) {
  for (const c of candidates) if (!taken.has(c)) return taken.add(c), c;
  const base = candidates[0];
  let n = counters.get(base) ?? 2;
  let value;
  do {
    const digits = String(n++);
    value = trim(base.slice(0, max - digits.length)) + digits;
  } while (taken.has(value));
  counters.set(base, n);
  taken.add(value);
  return value;
}

const fit = (s, max) => s.slice(0, max).replace(/[._-]+$/, '');

function handleCandidates(r, given, family) {
  const g = given, f = family;
  const first = r.weighted([
    [30, `${g}.${f}`], [10, `${g}_${f}`], [15, `${g}${f}`], [10, `${g}.${f[0]}`], [5, `${g}-${f}`],
    [5, `${f}.${g}`], [10, g], [4, `${g}.makes`], [3, `by${g}`], [3, `${g}athome`], [3, `${g}.studio`], [2, `${g}cooks`],
  ]);
  return [fit(first, MAX_HANDLE), fit(`${g}.${f}`, MAX_HANDLE)];
}

function roster(r, n, productIds) {
  const popular = r.shuffle(productIds).slice(0, 60);
  const handles = new Set();
  const codes = new Set();
  const handleCounters = new Map();
  const codeCounters = new Map();
  const lines = [csvRow(COLUMNS)];
  for (let i = 0; i < n; i++) {
    const person = makeName(r);
    const handle = unique(handles, handleCounters, handleCandidates(r, person.given, person.family), MAX_HANDLE, (s) => s.replace(/[._-]+$/, ''));
    const avatar = r.chance(0.1) ? '' : r.pick(AVATARS).path;
    const bio = person.script !== 'latin' && r.chance(0.5) ? r.pick(NATIVE_BIOS[person.script]) : r.pick(BIOS)(r.pick(CITIES));
    const count = r.int(6, 20);
    const picks = new Set();
    while (picks.size < count) picks.add(r.chance(0.5) ? r.pick(popular) : r.pick(productIds));
    const offer = r.weighted([[30, OFFERS[0]], [30, OFFERS[1]], [15, OFFERS[2]], [15, OFFERS[3]], [10, OFFERS[4]]]);
    const tag = { '10%': '10', '15%': '15', '20%': '20', '5.00 EUR': '5', 'free shipping': 'SHIP' }[offer];
    const G = person.given.toUpperCase().replace(/[^A-Z0-9]/g, '').slice(0, 10);
    const F = person.family.toUpperCase().replace(/[^A-Z0-9]/g, '');
    const longest = F.slice(0, MAX_CODE - G.length - tag.length);
    const code = unique(codes, codeCounters, [`${G}${tag}`, `${G}${F[0]}${tag}`, `${G}${F.slice(0, 3)}${tag}`, `${G}${longest}${tag}`], MAX_CODE, (s) => s);
    const minSubtotal = r.chance(offer.endsWith('%') ? 0.1 : 0.65) ? MIN_SUBTOTAL : '';
    const endsAt = r.chance(0.3) ? CODE_ENDS_AT : '';
    const tiktok = r.chance(0.8) ? `https://www.tiktok.com/@${handle}` : '';
    const instagram = r.chance(0.75) ? `https://www.instagram.com/${handle}` : '';
    const website = r.chance(0.08) ? `https://${handle.replace(/[._]/g, '-')}.example/` : '';
    lines.push(csvRow([
      handle, person.name, avatar, avatar ? `Photo of ${person.name}` : '', bio, [...picks].join(' '),
      code, offer, minSubtotal, endsAt, tiktok, instagram, website,
    ]));
  }
  return `${lines.join('\n')}\n`;
}

function generate(n, outDir, seed) {
  const products = catalogue(makeRandom(seed, 'catalogue'));
  const cols = collections(makeRandom(seed, 'collections'), products);
  const config = storefront(products, cols);
  const files = [
    ['storefront.json', `${JSON.stringify(config, null, 2)}\n`],
    ['affiliates.csv', roster(makeRandom(seed, 'affiliates'), n, products.map((p) => p.id))],
    ['media/logo.svg', LOGO],
    ...KINDS.map((k) => [`media/${k.key}.svg`, k.image]),
    ...AVATARS.map((a) => [a.path, a.text]),
  ];
  mkdirSync(join(outDir, 'media', 'avatars'), { recursive: true });
  let bytes = 0;
  for (const [path, text] of files) {
    const data = Buffer.from(text, 'utf8');
    writeFileSync(join(outDir, path), data);
    bytes += data.length;
  }
  const csvBytes = Buffer.byteLength(files[1][1]);
  console.log(
    `synthetic-brand: ${n} affiliates, ${products.length} products, ${cols.length} collections, ` +
      `${files.length} files, ${bytes} bytes (affiliates.csv ${csvBytes}) in ${outDir} (seed ${seed})`,
  );
}

// ---------------------------------------------------------------------------------------
// --check: the generator's promises, re-read from disk.

/** RFC 4180 records (LF or CRLF line ends). Throws on a stray or unterminated quote. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let i = 0;
  let line = 1;
  let start = 1; // the line the current record starts on
  let quoted = false; // inside a quoted field
  const plain = /[^,\r\n"]*/y;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new Error(`line ${line}: text after a closing quote`);
        }
        continue;
      }
      const end = text.indexOf('"', i);
      const chunk = text.slice(i, end === -1 ? text.length : end);
      for (let k = chunk.indexOf('\n'); k !== -1; k = chunk.indexOf('\n', k + 1)) line++;
      field += chunk;
      i += chunk.length;
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new Error(`line ${line}: a quote inside an unquoted field`);
      quoted = true;
      i++;
    } else if (c === ',') {
      row.push(field);
      field = '';
      i++;
    } else if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push({ line: start, fields: row });
      row = [];
      field = '';
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      start = ++line;
    } else {
      plain.lastIndex = i;
      plain.test(text);
      field += text.slice(i, plain.lastIndex);
      i = plain.lastIndex;
    }
  }
  if (quoted) throw new Error(`line ${line}: a quoted field is never closed`);
  if (field !== '' || row.length) { row.push(field); rows.push({ line: start, fields: row }); }
  return rows;
}

function check(outDir) {
  const problems = [];
  const fail = (msg) => problems.push(msg);
  const config = JSON.parse(readFileSync(join(outDir, 'storefront.json'), 'utf8'));
  const productIds = new Set();
  const variants = new Set();
  for (const p of config.products ?? []) {
    if (productIds.has(p.id)) fail(`storefront.json: product id ${p.id} twice`);
    productIds.add(p.id);
    if (!/^\d{14}$/.test(p.checkout?.variant ?? '') || variants.has(p.checkout.variant)) fail(`storefront.json: ${p.id}: variant ${p.checkout?.variant} not a unique 14-digit number`);
    variants.add(p.checkout?.variant);
    for (const img of p.images ?? []) if (!existsSync(join(outDir, img.src))) fail(`storefront.json: ${p.id}: ${img.src} missing`);
  }
  for (const c of config.collections ?? []) {
    for (const id of c.products) if (!productIds.has(id)) fail(`storefront.json: collection ${c.id}: unknown product ${id}`);
    if (new Set(c.products).size !== c.products.length) fail(`storefront.json: collection ${c.id}: a product twice`);
  }
  const rosterName = config.affiliates?.roster ?? 'affiliates.csv';
  const bytes = readFileSync(join(outDir, rosterName));
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) fail(`${rosterName}: starts with a byte-order mark`);
  let text;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail(`${rosterName}: not valid UTF-8`);
    text = bytes.toString('utf8');
  }
  if (text.includes('\r')) fail(`${rosterName}: has CR characters (line ends should be \\n)`);
  let rows = null;
  try {
    rows = parseCsv(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    fail(`${rosterName}: ${e.message}`);
  }
  const [header, ...records] = rows ?? [];
  if (rows && header?.fields.join(',') !== COLUMNS.join(',')) fail(`${rosterName}: header is not ${COLUMNS.join(',')}`);
  const width = header?.fields.length ?? COLUMNS.length;
  const col = Object.fromEntries(COLUMNS.map((c, i) => [c, i]));
  const handles = new Map();
  const codes = new Map();
  const avatars = new Map();
  for (const { line, fields } of records) {
    const at = `${rosterName}:${line}`;
    if (fields.length !== width) { fail(`${at}: ${fields.length} fields, the header has ${width}`); continue; }
    const get = (name) => fields[col[name]];
    const handle = get('handle');
    if (!HANDLE_RE.test(handle) || handle.length > MAX_HANDLE) fail(`${at}: bad handle ${JSON.stringify(handle)}`);
    const key = handle.toLowerCase();
    if (handles.has(key)) fail(`${at}: handle ${handle} already on line ${handles.get(key)}`);
    handles.set(key, line);
    if (!get('name').trim()) fail(`${at}: empty name`);
    const avatar = get('avatar');
    if (avatar && !avatars.has(avatar)) avatars.set(avatar, existsSync(join(outDir, avatar)));
    if (avatar && !avatars.get(avatar)) fail(`${at}: avatar ${avatar} missing`);
    if (!avatar !== !get('avatar_alt')) fail(`${at}: avatar_alt without avatar or the other way round`);
    const picks = get('picks').split(' ');
    if (picks.length < 6 || picks.length > 20) fail(`${at}: ${picks.length} picks (6 to 20 expected)`);
    if (new Set(picks).size !== picks.length) fail(`${at}: a pick twice`);
    for (const id of picks) if (!productIds.has(id)) fail(`${at}: pick ${JSON.stringify(id)} is not in the catalogue`);
    const code = get('code');
    if (!CODE_RE.test(code) || code.length > MAX_CODE) fail(`${at}: bad code ${JSON.stringify(code)}`);
    const codeKey = code.toUpperCase();
    if (codes.has(codeKey)) fail(`${at}: code ${code} already on line ${codes.get(codeKey)}`);
    codes.set(codeKey, line);
    if (!OFFERS.includes(get('offer'))) fail(`${at}: unknown offer ${JSON.stringify(get('offer'))}`);
    if (!['', MIN_SUBTOTAL].includes(get('min_subtotal'))) fail(`${at}: min_subtotal ${get('min_subtotal')}`);
    if (!['', CODE_ENDS_AT].includes(get('code_ends_at'))) fail(`${at}: code_ends_at ${get('code_ends_at')}`);
    for (const [name, prefix] of [['tiktok', 'https://www.tiktok.com/@'], ['instagram', 'https://www.instagram.com/']]) {
      if (get(name) && get(name) !== prefix + handle) fail(`${at}: ${name} ${get(name)} does not match the handle`);
    }
    if (get('website') && !get('website').startsWith('https://')) fail(`${at}: website ${get('website')}`);
  }
  if (problems.length) {
    for (const p of problems.slice(0, 20)) console.error(`synthetic-brand --check: ${p}`);
    if (problems.length > 20) console.error(`synthetic-brand --check: … and ${problems.length - 20} more`);
    process.exit(1);
  }
  console.log(`synthetic-brand --check: ok, ${records.length} affiliates, ${productIds.size} products, ${handles.size} unique handles, ${codes.size} unique codes in ${outDir}`);
}

// ---------------------------------------------------------------------------------------

const USAGE = 'usage: node end2end/tools/synthetic-brand.mjs <N> <out-dir> [--seed S] [--catalogue]\n' +
  '       node end2end/tools/synthetic-brand.mjs --check <out-dir>';

function main(argv) {
  const usage = (why) => {
    console.error(`synthetic-brand: ${why}\n${USAGE}`);
    process.exit(2);
  };
  if (argv[0] === '--check') {
    if (argv.length !== 2) usage('--check takes one directory');
    try {
      check(argv[1]);
    } catch (e) {
      console.error(`synthetic-brand --check: ${e.message}`);
      process.exit(1);
    }
    return;
  }
  const positional = [];
  let seed = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seed') {
      const s = argv[++i];
      if (!/^\d+$/.test(s ?? '') || Number(s) > 0xffffffff) usage('--seed takes an integer from 0 to 4294967295');
      seed = Number(s);
    } else if (argv[i] === '--catalogue') {
      // The brand's collections on every affiliate page, after the picks (48 more
      // products on each page); off by default, as most large brands would run it.
      CATALOGUE = true;
    } else if (argv[i] === '-h' || argv[i] === '--help') {
      console.log(USAGE);
      return;
    } else if (argv[i].startsWith('--')) {
      usage(`unknown option ${argv[i]}`);
    } else {
      positional.push(argv[i]);
    }
  }
  if (positional.length !== 2) usage('expected <N> and <out-dir>');
  const [count, outDir] = positional;
  if (!/^\d+$/.test(count) || !Number.isSafeInteger(Number(count))) usage(`N must be a whole number, not ${count}`);
  generate(Number(count), outDir, seed);
}

main(process.argv.slice(2));

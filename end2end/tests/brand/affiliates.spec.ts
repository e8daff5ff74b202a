// Brand mode (demo/brand.json, built by scripts/test.sh and served at BRAND_URL): a
// shopper lands on an affiliate's page from a TikTok clip, sees the affiliate's code
// applied and their picks first, fills a cart across the brand's shared pages, and the
// checkout link and every event credit the affiliate.
import { test, expect, open, waitForApp } from '../fixtures';
import { expectNoViolations } from '../axe';
import { named, resetSink, sinkState, stubShop } from '../tracking/sink';

test.describe.configure({ mode: 'serial' });

const SITE = (process.env.BRAND_URL || 'http://127.0.0.1:8793/').replace(/\/?$/, '/');
const NOW = '2026-12-03T10:00:00Z';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('land on /c/junomakes/ from TikTok, add two products, check out credited to Juno', async ({ page, context }) => {
  test.setTimeout(120_000);
  await stubShop(context, 'fable-studio.example');
  await resetSink();
  await open(page, `${SITE}c/junomakes/?utm_source=tiktok`, NOW);

  // Juno's profile, Juno's code applied without a ?code=, Juno's picks first.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
  await expect(page.locator('li.code-card p.applied-note')).toHaveText('Applied: prices below include 15% off');
  await expect(page.locator('section.collection h2').first()).toHaveText('My picks');
  const picks = page.locator('section.collection').first().locator('a.product-link');
  expect(await picks.evaluateAll((links) => links.map((a) => a.getAttribute('data-product')))).toEqual([
    'speckled-mug',
    'pour-over-set',
    'travel-mug',
    'ceramic-planter',
  ]);
  // The brand's catalogue follows the picks; nothing of another affiliate is on the page.
  await expect(page.locator('section.collection h2').nth(1)).toHaveText('On the table');
  expect(await page.content()).not.toMatch(/MIA10|mia\.koenig|LEILA/);

  // Links into the brand's shared pages carry the affiliate, the code and the campaign.
  const link = page.locator('a.product-link[data-product="travel-mug"]').first();
  await expect(link).toHaveAttribute('href', '/p/travel-mug/?utm_source=tiktok&affiliate=junomakes&code=JUNO15');

  await page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' }).first().click();
  await page.getByRole('button', { name: 'Add Pour-over coffee set to cart' }).first().click();
  // On a shared product page (changed in place), the code still prices the product.
  await link.click();
  await expect(page).toHaveURL(/\/p\/travel-mug\//);
  await expect(page.locator('.with-code').first()).toHaveText('€28.90 with \u2068JUNO15\u2069');
  const bar = page.getByRole('link', { name: /View cart/ });
  await expect(bar).toContainText('2 items');
  await bar.click();
  await expect(page).toHaveURL(/\/cart\//);
  await expect(page.locator('dl.totals')).toContainText('Discount−€14.40');

  await Promise.all([
    page.waitForURL(/fable-studio\.example/),
    page.getByRole('link', { name: 'Check out at fable-studio.example' }).click(),
  ]);
  const url = new URL(page.url());
  const clickId = url.searchParams.get('attributes[click_id]') ?? '';
  expect(clickId).toMatch(UUID);
  expect(page.url()).toBe(
    'https://fable-studio.example/cart/44012345678901:1,44012345678902:1?discount=JUNO15&ref=junomakes' +
      `&attributes%5Bclick_id%5D=${clickId}&attributes%5Baffiliate%5D=junomakes&utm_source=tiktok`,
  );

  // Every event of the visit names Juno; the checkout's carries the link's click id.
  await expect
    .poll(async () => named(await sinkState(), 'begin_checkout').map((e) => e.outbound?.click_id), { timeout: 30_000 })
    .toEqual([clickId]);
  const events = (await sinkState()).events;
  expect(events.length).toBeGreaterThan(3);
  for (const event of events) {
    expect(event.attribution.affiliate, event.name).toBe('junomakes');
    expect(event.creator_id, event.name).toBe('fable-studio');
  }
});

test("a copied link to a shared page finds the affiliate's code", async ({ page }) => {
  // A fresh load (no visit in memory): the page fetches Sato's part before it applies
  // the link's code, so the code is found rather than refused.
  await open(page, `${SITE}p/oak-board/?affiliate=sato.misaki&code=MISAKI5`, NOW);
  await page.getByRole('button', { name: /^Add to cart/ }).click();
  const bar = page.getByRole('link', { name: /View cart/ });
  await expect(bar.locator('.cart-bar-code')).toHaveText('MISAKI5');
  await expect(page.getByText(/isn't one of this shop's codes/)).toHaveCount(0);
  await bar.click();
  await expect(page.locator('dl.totals')).toContainText('Subtotal€45');
  await expect(page.locator('dl.totals')).toContainText('Discount−€5');
});

test("each affiliate's page is theirs: Leila's free shipping", async ({ page }) => {
  await open(page, `${SITE}c/leila.haddad/`, NOW);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('ليلى حداد');
  await expect(page.locator('li.code-card p.applied-note')).toHaveText('Applied: free shipping at checkout');
  await expect(page.locator('li.code-card')).toHaveCount(1);
});

test.describe('an unknown handle', () => {
  // The host answers it with 404.html and a 404 status, which the browser logs.
  test.use({ allowConsoleErrors: [/status of 404 \(Not Found\)/] });

  test('is the page of missing paths', async ({ page }) => {
    const response = await page.goto(`${SITE}c/nobody/`);
    expect(response?.status()).toBe(404);
    await waitForApp(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText("This page isn't here");
  });
});

test('the directory (affiliates.directory) lists every affiliate and leads to their page', async ({ page }) => {
  await page.goto(`${SITE}c/`);
  const links = page.getByRole('main').getByRole('listitem').getByRole('link');
  await expect(links).toHaveCount(5);
  await page.getByRole('link', { name: /Tomás Rivera/ }).click();
  await expect(page).toHaveURL(`${SITE}c/tomas.rivera/`);
  await waitForApp(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Tomás Rivera');
});

for (const scheme of ['light', 'dark'] as const) {
  test(`an affiliate's page and the directory pass axe (${scheme})`, async ({ page }) => {
    await page.emulateMedia({ colorScheme: scheme });
    await open(page, `${SITE}c/mia.koenig/`, NOW);
    await waitForApp(page);
    await expectNoViolations(page);
    await page.goto(`${SITE}c/`);
    await expectNoViolations(page);
    await page.goto(`${SITE}c/junomakes/qr/`);
    await expectNoViolations(page);
  });
}

test("an affiliate's printable QR sheet: their code, their address, the code's file", async ({ page }) => {
  await page.goto(`${SITE}c/junomakes/qr/`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('QR codes: Juno Park');
  const card = page.getByRole('listitem').first();
  await expect(card).toContainText('JUNO15');
  await expect(card).toContainText('fable-studio.example/c/junomakes');
  const img = card.getByRole('img', { name: 'QR code for fable-studio.example/c/junomakes' });
  await expect(img).toBeVisible();
  expect(await img.evaluate((i: HTMLImageElement) => i.naturalWidth)).toBeGreaterThan(0);
});

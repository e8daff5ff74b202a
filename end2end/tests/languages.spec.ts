// The shopper's own language (issue #14, point 3): every language is a prerendered
// copy of the site (/es/, /ja/ …); the default copy's head script sends a shopper whose
// browser prefers another offered language there before the first paint, keeping the
// query (campaign, code). Words, plural forms and `<html lang>` follow the copy; the
// creator's text stays as written; a shopper who picks a language in the footer keeps it.
import { test, expect, open, waitForApp } from './fixtures';
import { expectNoViolations } from './axe';
import type { Page } from '@playwright/test';

const NOW = '2026-11-20T12:00:00Z';
const LANDING = '?utm_source=tiktok&utm_campaign=glaze-drop&code=JUNO15';

const lang = (page: Page) => page.evaluate(() => document.documentElement.lang);

test.describe('a Spanish browser', () => {
  test.use({ locale: 'es-MX' });

  test('lands on the Spanish copy with its campaign and code, in Spanish words', async ({ page, baseURL }) => {
    await open(page, '/' + LANDING, NOW);
    await expect(page).toHaveURL(new URL('/es/' + LANDING, baseURL).href);
    expect(await lang(page)).toBe('es');
    await expect(page.getByRole('heading', { name: 'Códigos de descuento' })).toBeVisible();
    // The landing code is applied, and the card says so in Spanish.
    await expect(page.locator('.code-card .applied-note').first()).toBeVisible();
    // The creator's own words as written.
    await expect(page.getByRole('heading', { name: 'Kitchen & table' })).toBeVisible();
    // Plural forms: one item, then two.
    const mug = page.locator('.product-card', { hasText: 'Speckled stoneware mug' });
    await mug.getByRole('button', { name: /^Añadir/ }).click();
    await expect(page.locator('.cart-bar-count')).toHaveText('1 artículo');
    await expect(page.locator('.notice')).toHaveText('Se añadió Speckled stoneware mug a tu carrito');
    await mug.getByRole('button', { name: 'Uno más' }).click();
    await expect(page.locator('.cart-bar-count')).toHaveText('2 artículos');
    await expectNoViolations(page);
  });

  test('a product link shared in English opens the Spanish product page', async ({ page, baseURL }) => {
    await open(page, '/p/speckled-mug/', NOW);
    await expect(page).toHaveURL(new URL('/es/p/speckled-mug/', baseURL).href);
    await expect(page.getByRole('button', { name: /^Añadir al carrito/ })).toBeVisible();
    // Links stay in the copy: the back link leads to the Spanish home.
    await expect(page.locator('.detail-nav a.back')).toHaveAttribute('href', '/es/');
    await expect(page.locator('.detail-nav a.back')).toContainText('Tienda de');
  });

  test('picking English in the footer keeps English (no bounce back)', async ({ page, baseURL }) => {
    await open(page, '/es/', NOW);
    const nav = page.getByRole('navigation', { name: 'Idiomas' });
    await expect(nav.getByRole('link', { name: 'Español' })).toHaveAttribute('aria-current', 'page');
    await nav.getByRole('link', { name: 'English' }).click();
    await waitForApp(page);
    await expect(page).toHaveURL(new URL('/', baseURL).href);
    expect(await lang(page)).toBe('en');
    await expect(page.getByRole('heading', { name: 'Discount codes' })).toBeVisible();
  });
});

test.describe('a Japanese browser', () => {
  test.use({ locale: 'ja-JP' });

  test('gets the Japanese copy: lang, words, one plural form, calendar text', async ({ page, baseURL, request }) => {
    await open(page, '/', NOW);
    await expect(page).toHaveURL(new URL('/ja/', baseURL).href);
    expect(await lang(page)).toBe('ja');
    await expect(page.getByRole('heading', { name: 'クーポンコード' })).toBeVisible();
    const mug = page.locator('.product-card', { hasText: 'Speckled stoneware mug' });
    await mug.getByRole('button', { name: /追加/ }).click();
    await expect(page.locator('.cart-bar-count')).toHaveText('1点');
    await expect(page.locator('.cart-bar-label')).toHaveText('カートを見る');
    // The pop-up's calendar file is the Japanese copy's, its words in Japanese.
    const ics = await page.locator('.calendar a[download]').first().getAttribute('href');
    expect(ics).toMatch(/^\/ja\/calendar\/.+\.ics$/);
    const text = await (await request.get(ics!)).text();
    expect(text).toContain('DESCRIPTION;LANGUAGE=ja:');
    await expectNoViolations(page);
    await page.emulateMedia({ colorScheme: 'dark' });
    await expectNoViolations(page);
  });
});

test.describe('other browsers', () => {
  test.use({ locale: 'pt-PT' });

  test('any Portuguese gets the Brazilian copy', async ({ page, baseURL }) => {
    await open(page, '/cart/', NOW);
    await expect(page).toHaveURL(new URL('/pt-br/cart/', baseURL).href);
    expect(await lang(page)).toBe('pt-BR');
    await expect(page.getByRole('heading', { name: 'Seu carrinho', level: 1 })).toBeVisible();
  });
});

test.describe('a browser in a language the site does not offer', () => {
  test.use({ locale: 'it-IT' });

  test('stays on the creator\'s default language', async ({ page, baseURL }) => {
    await open(page, '/' + LANDING, NOW);
    await expect(page).toHaveURL(new URL('/' + LANDING, baseURL).href);
    expect(await lang(page)).toBe('en');
  });
});

test.describe('every copy', () => {
  test('names itself in <html lang>, links its alternates, and links within itself', async ({ page, request }) => {
    for (const [folder, tag] of [['', 'en'], ['es/', 'es'], ['de/', 'de'], ['fr/', 'fr'], ['pt-br/', 'pt-BR'], ['ja/', 'ja']]) {
      const html = await (await request.get(`/${folder}p/speckled-mug/`)).text();
      expect(html, folder).toContain(`<html lang="${tag}">`);
      expect(html, folder).toContain(`hreflang="x-default"`);
      // The redirect script only on the default copy.
      expect(html.includes('navigator.languages'), folder).toBe(folder === '');
    }
    await open(page, '/fr/', NOW);
    const hrefs = await page.locator('main a.product-link').evaluateAll((links) => links.map((a) => a.getAttribute('href')));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^\/fr\/p\//);
  });
});

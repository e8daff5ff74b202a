// A shopper's typical visit logs no console errors and throws nothing.
// (The shared fixture fails the test if any page reported an error.)
import { test, expect, open } from './fixtures';

test.describe('no console errors', () => {
  test('browsing the shop, a product and back logs no errors', async ({ page, context, problems }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await open(page, '/', '2026-11-27T18:30:00Z');
    await expect(page.locator('header.profile h1.name')).toHaveText('Juno Park');

    // Copy a code.
    await page.getByRole('button', { name: 'Copy code JUNO15' }).click();
    // Its name follows its text ("label in name").
    await expect(page.getByRole('button', { name: 'Copied code JUNO15' })).toHaveText('Copied');

    // Scroll through everything so every lazy image loads.
    const lastCard = page.locator('section.collection li.product-card').last();
    await lastCard.scrollIntoViewIfNeeded();
    await expect(lastCard.locator('img.product-image')).toHaveJSProperty('complete', true);
    const broken = await page
      .locator('img')
      .evaluateAll((imgs) => (imgs as HTMLImageElement[]).filter((i) => i.complete && i.naturalWidth === 0).map((i) => i.src));
    expect(broken, 'images that failed to load').toEqual([]);

    // Open a product, look at it, and come back.
    await page.locator('a.product-link[data-product="canvas-tote"]').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Heavy canvas market tote');
    await expect(page.locator('ul.gallery img')).toHaveCount(2);
    await page.locator('a.back').click();
    await expect(page.locator('header.profile h1.name')).toHaveText('Juno Park');

    // And a second product by its shared link.
    await page.goto('/p/brass-pen/');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Solid brass pen');

    // Let the app's 30-second clock tick a couple of times.
    await page.clock.runFor('01:05');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Solid brass pen');
    expect(problems, 'errors so far').toEqual([]);
  });
});

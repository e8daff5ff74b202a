// The creator's header: who this is, the commission disclosure, and social links.
import { test, expect, open } from './fixtures';

const NOW = '2026-11-20T12:00:00Z';

test.describe('profile header', () => {
  test.beforeEach(async ({ page }) => {
    await open(page, '/', NOW, { clock: 'fixed' });
  });

  test('shows the avatar with a text alternative', async ({ page }) => {
    const avatar = page.locator('header.profile img.avatar');
    await expect(avatar).toBeVisible();
    const alt = await avatar.getAttribute('alt');
    expect(alt?.trim(), 'avatar alt text').toBeTruthy();
    await expect(avatar).toHaveAttribute('alt', 'Juno Park smiling, with short dark hair');
  });

  test('shows the name as the page heading, the handle and the bio', async ({ page }) => {
    const profile = page.locator('header.profile');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Juno Park');
    await expect(profile.locator('h1.name')).toHaveText('Juno Park');
    await expect(profile.locator('p.handle')).toHaveText('@junomakes');
    await expect(profile.locator('p.bio')).toHaveText(
      'Ceramicist in Berlin. Slow mornings, small studios and the things I actually use.',
    );
  });

  test('shows the commission disclosure in the first screen without scrolling', async ({ page }) => {
    const disclosure = page.locator('header.profile p.disclosure');
    await expect(disclosure).toHaveText(
      'Some links earn me a commission at no extra cost to you. Gifted and paid items are marked.',
    );
    await expect(disclosure).toBeInViewport({ ratio: 1 });
    expect(await page.evaluate(() => window.scrollY), 'page was not scrolled').toBe(0);
    const box = await disclosure.boundingBox();
    expect(box, 'disclosure is laid out').not.toBeNull();
    expect(box!.y).toBeGreaterThanOrEqual(0);
    expect(box!.y + box!.height, 'disclosure bottom edge vs the 844 px viewport').toBeLessThan(844);
  });

  test('links to the four social profiles with accessible names', async ({ page }) => {
    const socials = page.locator('header.profile ul.socials a');
    await expect(socials).toHaveCount(4);
    const expected: Array<[string, string | RegExp]> = [
      ['Juno Park on TikTok', 'https://www.tiktok.com/@junomakes'],
      ['Juno Park on Instagram', 'https://www.instagram.com/junomakes'],
      ['Juno Park on YouTube', 'https://www.youtube.com/@junomakes'],
      ['Juno Park on Website', /^https:\/\/junopark\.example\/?$/],
    ];
    for (const [index, [name, href]] of expected.entries()) {
      await expect(socials.nth(index)).toHaveAccessibleName(name);
      await expect(page.getByRole('link', { name, exact: true })).toHaveAttribute('href', href);
    }
  });
});

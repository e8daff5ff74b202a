// A Buy link leaves the site for the shop; the Add button keeps the shopper here. They
// must not look alike.
import { test, expect, open } from './fixtures';

const NOW = '2026-11-20T12:00:00Z';

test('Buy and Add look different, and Buy shows it leaves the site', async ({ page }) => {
  await open(page, '/', NOW);
  const buy = page.getByRole('link', { name: 'Buy Solid brass pen', exact: true });
  const add = page.getByRole('button', { name: 'Add Speckled stoneware mug to cart' });
  const look = (el: Element) => {
    const s = getComputedStyle(el);
    return { background: s.backgroundColor, color: s.color, arrow: getComputedStyle(el, '::after').content };
  };
  const [buyLook, addLook] = [await buy.evaluate(look), await add.evaluate(look)];
  expect(buyLook.background).not.toBe(addLook.background);
  expect(buyLook.color).not.toBe(addLook.color);
  expect(buyLook.arrow).toBe('"↗"');
  expect(addLook.arrow).toBe('none');
  // The product page's Buy is its main action: filled, with the arrow too.
  await open(page, '/p/brass-pen/', NOW);
  const wide = page.getByRole('link', { name: 'Buy at buy.stripe.com' });
  expect(await wide.evaluate(look)).toMatchObject({ arrow: '"↗"', background: addLook.background });
});

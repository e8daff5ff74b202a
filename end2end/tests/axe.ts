// axe-core's WCAG 2.0/2.1/2.2 A/AA checks, shared by the accessibility tests and the
// prerendered-page tests (before and after the app takes the page over).
import AxeBuilder from '@axe-core/playwright';
import { expect } from './fixtures';
import type { Page } from '@playwright/test';

const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
// "Label in name" (WCAG 2.5.3): a control's accessible name must contain its visible
// text, so a speech-input user can say what they see. axe 4.14 tags it `wcag21a`; it is
// also listed here so it runs whatever the tags, and every check asserts it ran.
const LABEL_IN_NAME = 'label-content-name-mismatch';

type AxeResults = Awaited<ReturnType<AxeBuilder['analyze']>>;

/** One readable paragraph per violation: rule, impact, help link and each failing node. */
function describe(violations: AxeResults['violations']): string {
  return violations
    .map((v) => {
      const nodes = v.nodes
        .map((n) => `    - ${n.target.join(' ')}\n      ${n.html.slice(0, 200)}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`)
        .join('\n');
      return `[${v.impact ?? 'unknown'}] ${v.id}: ${v.help}\n  ${v.helpUrl}\n${nodes}`;
    })
    .join('\n\n');
}

export async function expectNoViolations(page: Page) {
  // `withTags` and `withRules` each replace axe's `runOnly`, so both go in through
  // `options`: the tags, plus the rule enabled by name.
  const { violations, passes, incomplete, inapplicable } = await new AxeBuilder({ page })
    .options({
      runOnly: { type: 'tag', values: TAGS },
      // target-size (WCAG 2.5.8, `wcag22aa`) is off in axe by default: on for a phone shop.
      rules: { [LABEL_IN_NAME]: { enabled: true }, 'target-size': { enabled: true } },
    })
    .analyze();
  const ran = [...violations, ...passes, ...incomplete, ...inapplicable].map((r) => r.id);
  expect(ran, `axe did not run ${LABEL_IN_NAME}`).toContain(LABEL_IN_NAME);
  // Compare a short summary (rule: failing elements) and print the details on failure.
  const summary = violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  expect(summary, `axe found ${violations.length} violation(s):\n\n${describe(violations)}\n`).toEqual([]);
}


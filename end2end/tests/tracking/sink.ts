// Shared helpers of the tracking tests: the event sink's control API
// (tools/event-sink.mjs), opening the storefront with REAL timers, and the checks the
// specs have in common.
//
// The tracking tests never fake the clock: delivery retries run on timers (backoff,
// 10 s request timeout, debounce), and faked timers would only fire when a test says
// so. They only pin `Date` (see `pinDate`), so the storefront shows the same codes and
// pop-ups whatever day the suite runs on, while time still flows at its real pace.
import type { BrowserContext, Page, Request } from '@playwright/test';
import { waitForApp } from '../fixtures';

/** The event sink; the config starts it and sets this (demo: http://127.0.0.1:8787). */
export const SINK_URL = (process.env.SINK_URL || 'http://127.0.0.1:8787').replace(/\/+$/, '');
/** Where the demo storefront sends its events (its tracking config names this URL). */
export const COLLECTOR_URL = `${SINK_URL}/v1/events`;
/** Route pattern of everything the storefront sends to the collector. */
export const COLLECTOR_ROUTE = `${SINK_URL}/**`;

/** Fields every event envelope has (the collector format). */
export type Envelope = {
  v: number;
  event_id: string;
  name: string;
  occurred_at: number;
  sent_at: number;
  page_load_id: string;
  seq: number;
  creator_id: string;
  attribution: { utm_source?: string | null; utm_medium?: string | null; ref?: string | null; [key: string]: unknown };
  context: { path: string; in_app_browser: string; [key: string]: unknown };
  subject: { promotion_id?: string | null; item_list_id?: string | null; popup_id?: string | null; [key: string]: unknown };
  ecommerce: null | {
    currency: string;
    value: number;
    items: { item_id: string; [key: string]: unknown }[];
    [key: string]: unknown;
  };
  outbound: null | { click_id: string; [key: string]: unknown };
  [key: string]: unknown;
};

export type Rules = {
  fail_rate?: number;
  mode?: '500' | 'hang' | 'mix';
  hang_ms?: number;
  status?: number;
  retry_after?: string | null;
  seed?: number;
  down?: boolean;
};

export type SinkState = {
  /** Events received, duplicates included. */
  received: number;
  /** Distinct event ids. */
  unique: number;
  /** The first copy of each distinct event, in arrival order. */
  events: Envelope[];
  /** POST /v1/events requests answered. */
  requests: number;
  /** How those were answered; `down` counts connections destroyed while down. */
  responses: { ok: number; failed: number; hang: number; bad_request: number; too_large: number; down: number };
  rules: Required<Rules>;
};

async function sinkCall<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${SINK_URL}${path}`, init);
  const text = await response.text();
  if (!response.ok) throw new Error(`event sink ${path}: ${response.status} ${text}`);
  return JSON.parse(text) as T;
}

/** Forgets every recorded event and counter, and makes the sink healthy again. */
export async function resetSink(): Promise<void> {
  await sinkCall('/__reset', { method: 'POST' });
}

/** Replaces the failure rules (fields left out take their defaults: `{}` is healthy). */
export async function setRules(rules: Rules): Promise<void> {
  await sinkCall('/__control', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(rules),
  });
}

export function sinkState(): Promise<SinkState> {
  return sinkCall<SinkState>('/__events');
}

/** The distinct events of one name, in arrival order. */
export function named(state: SinkState, name: string): Envelope[] {
  return state.events.filter((event) => event.name === name);
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const COLLECTOR_RE = escapeRegExp(COLLECTOR_URL);

/**
 * The browser's own logs of a failed request to the collector (Chromium reports a 500,
 * a reset connection or a blocked request as a console error located at the request's
 * URL). Anything else, including a CORS error or a log of the app's own, does not match.
 */
export const COLLECTOR_NETWORK_LOG = new RegExp(
  [
    `^Failed to load resource: .* \\(at ${COLLECTOR_RE}(?:[?#]\\S*)?:\\d+\\)$`,
    `^(?:(?:POST|GET|OPTIONS) )?${COLLECTOR_RE}(?:[?#]\\S*)? net::ERR_[A-Z_]+`,
    `^net::ERR_[A-Z_]+ \\(at ${COLLECTOR_RE}(?:[?#]\\S*)?:\\d+\\)$`,
  ].join('|'),
);
/**
 * For `test.use({ allowConsoleErrors: COLLECTOR_NETWORK_LOGS })`. Keep it ONE pattern:
 * Playwright reads an array whose second item is an object (a RegExp is one) as a
 * `[value, fixtureOptions]` tuple, which would silently drop the list.
 */
export const COLLECTOR_NETWORK_LOGS: RegExp[] = [COLLECTOR_NETWORK_LOG];

/**
 * The storefront's "now" in the tracking tests: the JUNO15 code (fable-15) is on
 * (1 Nov – 24 Dec 2026), no pop-up is live, and every pop-up still has its calendar links.
 */
export const STORE_NOW = '2026-11-20T12:00:00Z';

const pinned = new WeakSet<BrowserContext>();

/**
 * Makes `Date` in this context's pages read `iso` plus the real time elapsed since this
 * call, across reloads. Only `Date` moves: timers, `performance.now()` and the network
 * are untouched, so delivery retries and timeouts run in real time.
 */
export async function pinDate(context: BrowserContext, iso: string = STORE_NOW): Promise<void> {
  if (pinned.has(context)) return;
  pinned.add(context);
  const offset = Date.parse(iso) - Date.now();
  await context.addInitScript((offsetMs: number) => {
    const RealDate = Date;
    const now = () => RealDate.now() + offsetMs;
    const ShiftedDate = new Proxy(RealDate, {
      construct(target, args, newTarget) {
        return Reflect.construct(target, args.length ? args : [now()], newTarget === ShiftedDate ? target : newTarget);
      },
      apply() {
        return new RealDate(now()).toString();
      },
      get(target, property) {
        return property === 'now' ? now : Reflect.get(target, property);
      },
    });
    globalThis.Date = ShiftedDate;
  }, offset);
}

/**
 * Opens `path` with real timers (no fake clock: see the top of this file) and waits
 * until the app has mounted.
 */
export async function openTracked(page: Page, path: string) {
  await pinDate(page.context());
  const response = await page.goto(path);
  await waitForApp(page);
  return response;
}

/** Stands in for a creator's shop (the browser's host resolver blocks real DNS). */
export async function stubShop(context: BrowserContext, host = 'fable-studio.example'): Promise<string[]> {
  const visited: string[] = [];
  await context.route(`https://${host}/**`, (route) => {
    if (route.request().isNavigationRequest()) visited.push(route.request().url());
    return route.fulfill({ body: '<html><title>shop</title>shop</html>', contentType: 'text/html' });
  });
  return visited;
}

/**
 * Watches what the context's pages try to send to the collector (fetch and beacons,
 * retries included, whether or not it arrives): every event by id, first copy kept.
 */
export function watchOutgoing(context: BrowserContext) {
  const sent = new Map<string, Envelope>();
  let requests = 0;
  let unreadable = 0;
  context.on('request', (request: Request) => {
    if (request.method() !== 'POST' || request.url().split(/[?#]/)[0] !== COLLECTOR_URL) return;
    requests += 1;
    let body: unknown;
    try {
      body = JSON.parse(request.postData() ?? '');
    } catch {
      unreadable += 1;
      return;
    }
    if (!Array.isArray(body)) return;
    for (const event of body as Envelope[]) {
      if (event && typeof event.event_id === 'string' && !sent.has(event.event_id)) sent.set(event.event_id, event);
    }
  });
  return {
    sent,
    requests: () => requests,
    /** Requests whose body the browser did not report (or was not JSON). */
    unreadable: () => unreadable,
  };
}

/**
 * What is wrong with one page load's `seq` numbers: each event has its own, from 0 up
 * with none missing. `missing` lists gaps (the first 20), `doubled` numbers carried by
 * more than one distinct event.
 */
export function seqProblems(events: Envelope[], pageLoadId: string) {
  const counts = new Map<number, number>();
  for (const event of events) {
    if (event.page_load_id === pageLoadId) counts.set(event.seq, (counts.get(event.seq) ?? 0) + 1);
  }
  const max = counts.size ? Math.max(...counts.keys()) : -1;
  const missing: number[] = [];
  for (let seq = 0; seq <= max && missing.length < 20; seq++) {
    if (!counts.has(seq)) missing.push(seq);
  }
  const doubled = [...counts].filter(([, n]) => n > 1).map(([seq]) => seq);
  return { missing, doubled };
}

/**
 * The events in this page's `linkshelf:` localStorage entries (the outbox), found by
 * their `event_id` whatever the stored format: JSON, JSON inside JSON, or JSON fields
 * in tab- or line-separated records. A last resort finds ids by the `"event_id":"…"`
 * text alone (their name is then "?").
 */
export function storedEvents(page: Page): Promise<{ id: string; name: string }[]> {
  return page.evaluate(() => {
    const found = new Map<string, string>();
    const visit = (value: unknown, depth: number): void => {
      if (depth > 8) return;
      if (typeof value === 'string') {
        for (const piece of [value, ...value.split(/[\t\r\n]+/)]) {
          const text = piece.trim();
          if (!text.startsWith('{') && !text.startsWith('[')) continue;
          try {
            visit(JSON.parse(text), depth + 1);
          } catch {
            // Not JSON after all.
          }
        }
        return;
      }
      if (Array.isArray(value)) {
        for (const item of value) visit(item, depth + 1);
        return;
      }
      if (value && typeof value === 'object') {
        const record = value as Record<string, unknown>;
        if (typeof record.event_id === 'string') {
          const known = found.get(record.event_id);
          found.set(record.event_id, typeof record.name === 'string' ? record.name : known ?? '?');
        }
        for (const item of Object.values(record)) visit(item, depth + 1);
      }
    };
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      if (!key?.startsWith('linkshelf:')) continue;
      const stored = localStorage.getItem(key) ?? '';
      visit(stored, 0);
      for (const match of stored.matchAll(/\\*"event_id\\*"\s*:\s*\\*"([0-9a-fA-F-]{36})/g)) {
        if (!found.has(match[1])) found.set(match[1], '?');
      }
    }
    return [...found].map(([id, name]) => ({ id, name }));
  });
}

/** Counts by name, for readable assertions: `{ page_view: 3, select_promotion: 30 }`. */
export function countByName(events: { name: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const event of events) counts[event.name] = (counts[event.name] ?? 0) + 1;
  return counts;
}

/** The Copy button of the JUNO15 code (the one code on at STORE_NOW). */
export const COPY_JUNO15 = 'Copy code JUNO15';
/** The same button for the 2.5 s after a copy: its name follows its text, "Copied". */
export const COPIED_JUNO15 = 'Copied code JUNO15';
/** That button under either name, for tests that tap it again or look at it after a copy. */
export const JUNO15_COPY_BUTTON = /^Cop(?:y|ied) code JUNO15$/;

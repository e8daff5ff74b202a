// Taps before the app runs. Written into every page (see src/build/early.rs, which
// explains the design): until the WASM takes the page over, this records a tap on a
// Buy or product link and lets the browser follow it at once. The event formats are
// the core's (events.rs, sinks.rs, stored.rs); tests/early_taps.rs holds this file to
// them on the same inputs. The formats of sinks a site does not use are left out when
// the script is minified: LINKSHELF_PLAUSIBLE, LINKSHELF_UMAMI and LINKSHELF_POSTHOG
// are defined there (true or false) from the config's sinks, and esbuild drops the
// functions only they use (the file is minified as an IIFE with tree shaking).
'use strict';
var SPACE = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
var TRIM_START = new RegExp('^' + SPACE + '+');
var TRIM_END = new RegExp(SPACE + '+$');
var CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
var CAMPAIGN = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_content', 'utm_term', 'ref', 'affiliate'];
// limits::is_handle (MAX_HANDLE_CHARS = 64)
var HANDLE = /^[a-z0-9]([a-z0-9._-]{0,62}[a-z0-9])?$/;

// Rust's `str::trim` (Unicode White_Space), not JavaScript's (which adds U+FEFF).
function trim(s) { return s.replace(TRIM_START, '').replace(TRIM_END, ''); }
function asciiLower(s) { return s.replace(/[A-Z]/g, (c) => c.toLowerCase()); }
function asciiUpper(s) { return s.replace(/[a-z]/g, (c) => c.toUpperCase()); }

// At most `max` characters, never inside a user-perceived character.
function cut(text, max) {
  var chars = Array.from(text);
  if (chars.length <= max) return text;
  if (typeof Intl === 'undefined' || !Intl.Segmenter) return chars.slice(0, max).join('');
  var out = '', count = 0, it = new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(text);
  for (var s of it) {
    var n = Array.from(s.segment).length;
    if (count + n > max) break;
    out += s.segment;
    count += n;
  }
  return out;
}

// attribution::clean
function clean(value, max) {
  var kept = Array.from(value.replace(CONTROL, '')).slice(0, max * 2).join('');
  var out = cut(trim(kept), max).replace(TRIM_END, '');
  return out === '' ? null : out;
}

// attribution::referrer_host
function referrerHost(referrer) {
  var t = trim(referrer), at = t.indexOf('://');
  if (at < 0 || ['http', 'https'].indexOf(asciiLower(t.slice(0, at))) < 0) return null;
  var authority = t.slice(at + 3).split(/[/?#]/)[0];
  var host = asciiLower(authority.split('@').pop().split(':')[0]);
  return host !== '' && host.length <= 253 && /^[A-Za-z0-9.-]+$/.test(host) ? host : null;
}

// attribution::from_landing
function fromLanding(query, referrer, data) {
  var found = { referrer_host: referrerHost(referrer) }, ids = {}, pairs = 0;
  CAMPAIGN.forEach(function (k) { found[k] = null; });
  new URLSearchParams(query).forEach(function (raw, rawKey) {
    if (pairs++ >= data.max_pairs) return;
    var key = asciiLower(trim(rawKey)), value = clean(raw, data.max_chars);
    if (value === null) return;
    if (key === 'affiliate' && !HANDLE.test(value)) return;
    if (CAMPAIGN.indexOf(key) >= 0) {
      if (found[key] === null) found[key] = value;
    } else if (data.click_keys.indexOf(key) >= 0 && !(key in ids)) {
      ids[key] = value;
    }
  });
  return {
    utm_source: found.utm_source, utm_medium: found.utm_medium, utm_campaign: found.utm_campaign,
    utm_content: found.utm_content, utm_term: found.utm_term, ref: found.ref,
    // An affiliate's page is theirs whatever the link said (tracking::start).
    affiliate: data.affiliate || found.affiliate,
    click_ids: data.click_keys.filter((k) => k in ids)
      .map(function (k) { return { name: k, value: ids[k] }; }),
    referrer_host: found.referrer_host,
  };
}

function campaignQuery(a) {
  var q = new URLSearchParams();
  CAMPAIGN.forEach(function (k) { if (a[k] !== null) q.append(k, a[k]); });
  return q.toString();
}

// A Buy link's campaign tags (checkout::product_link): its template carries a token
// for each tag (early.rs, CAMPAIGN_TOKENS); the visit's value replaces it, form-encoded as
// the core writes it, and a tag the visit lacks, or that Stripe's length limit
// (`utm_max`, in UTF-8 bytes) leaves out, drops its pair.
function withCampaign(href, a, data, utmMax) {
  var hash = href.indexOf('#'), base = hash < 0 ? href : href.slice(0, hash), fragment = hash < 0 ? '' : href.slice(hash);
  var q = base.indexOf('?');
  if (q < 0) return href;
  var pairs = base.slice(q + 1).split('&').map(function (pair) {
    var eq = pair.indexOf('='), key = eq < 0 ? null : data.campaign_tokens[pair.slice(eq + 1)];
    if (!key) return pair;
    var value = a[key];
    if (value === null || (utmMax && new TextEncoder().encode(value).length > utmMax)) return null;
    return pair.slice(0, eq + 1) + new URLSearchParams([['', value]]).toString().slice(1);
  }).filter(function (pair) { return pair !== null; });
  return base.slice(0, q) + (pairs.length ? '?' + pairs.join('&') : '') + fragment;
}

// A Buy link as it leaves: the click id, the code the tap carries, the campaign.
function buyHref(product, code, clickId, attribution, data) {
  return withCampaign((code ? code.href : product.href).split(data.click_token).join(clickId), attribution, data, product.utm_max);
}

// events::uuid_v7, from 10 random bytes.
function uuid7(ms, r) {
  var b = [], i;
  for (i = 5; i >= 0; i--) { b[i] = ms % 256; ms = Math.floor(ms / 256); }
  b[6] = 0x70 | (r[0] & 15); b[7] = r[1]; b[8] = 0x80 | (r[2] & 63);
  for (i = 3; i < 10; i++) b[i + 6] = r[i];
  var h = b.map((x) => (x + 256).toString(16).slice(1)).join('');
  return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join('-');
}

function detect(ua, table) {
  for (var i = 0; i < table.length; i++) if (ua.indexOf(table[i][0]) >= 0) return table[i][1];
  return 'none';
}

// The applied code's id (cart::provide): the landing link's `?code=` if the shop knows
// it and it has not ended, else the cart's.
function appliedId(env, data) {
  var typed = null;
  new URLSearchParams(env.search).forEach(function (v, k) { if (typed === null && k === 'code' && trim(v) !== '') typed = trim(v); });
  // An affiliate's page applies their code as `?code=` would.
  if (typed === null && data.affiliate && data.codes.length) typed = data.codes[0].code;
  var id = env.stored_code;
  if (typed !== null) {
    var known = data.codes.filter((c) => asciiUpper(c.code) === asciiUpper(typed))[0];
    if (known && !(known.ends_at !== null && env.now >= known.ends_at)) id = known.id;
  }
  return id;
}

// A link to one of the shop's pages as the app writes it (Attribution::campaign_query):
// the campaign tags and the applied code, never the platform click ids.
function productHref(href, attribution, env, data) {
  var q = new URLSearchParams(campaignQuery(attribution));
  var id = appliedId(env, data), code = data.codes.filter((c) => c.id === id)[0];
  if (code) q.append('code', code.code);
  var query = q.toString();
  return href.split('#')[0].split('?')[0] + (query ? '?' + query : '');
}

// The code a Buy tap carries (Cart::code_for): the applied one, when it is active and
// covers the product.
function chosenCode(product, env, data) {
  var id = appliedId(env, data);
  var code = data.codes.filter((c) => c.id === id)[0];
  var variant = (product.codes || []).filter((c) => c.id === id)[0];
  if (!code || !variant || (code.starts_at !== null && env.now < code.starts_at) || (code.ends_at !== null && env.now >= code.ends_at)) return null;
  variant.code = code.code;
  return variant;
}

// What one early tap sends and keeps: `tap` is {kind: 'buy' | 'open', product,
// list, index}; `env` what the page knows (landing URL, clock, locale…); `random()`
// gives 10 random bytes. Returns the link to follow, the envelopes, one request per
// sink and event batch, and the storage writes (standard privacy only).
function plan(data, tap, env, random) {
  var product = data.products[tap.product];
  var attribution = fromLanding(env.search, env.referrer, data);
  var pageLoad = uuid7(env.now, random());
  var context = { path: data.path, locale: env.locale, time_zone: env.time_zone, in_app_browser: detect(env.user_agent, data.in_app) };
  var events = [], seq = 0;
  function envelope(name, at, subject, ecommerce, outbound) {
    var e = {
      v: data.v, event_id: uuid7(at, random()), name: name, occurred_at: at, sent_at: null, page_load_id: pageLoad,
      seq: seq++, creator_id: data.creator_id, attribution: attribution, context: context,
      subject: { promotion_id: null, popup_id: null, item_list_id: subject }, ecommerce: ecommerce, outbound: outbound,
    };
    events.push(e);
    return e;
  }
  envelope('page_view', env.loaded_at, null, null, null);
  var code = tap.kind === 'buy' ? chosenCode(product, env, data) : null;
  var ecommerce = {
    currency: product.currency, value: code ? code.value : product.price, coupon: code ? code.code : null, transaction_id: null,
    items: [{ item_id: tap.product, item_name: product.name, price: product.price, quantity: 1, index: tap.index, item_list_id: tap.list }],
  };
  var href = productHref(env.href, attribution, env, data), outbound = null;
  if (tap.kind === 'buy') {
    outbound = { click_id: uuid7(env.now, random()), destination_host: product.host };
    href = buyHref(product, code, outbound.click_id, attribution, data);
  }
  envelope(tap.kind === 'buy' ? 'begin_checkout' : 'select_item', env.now, tap.list, ecommerce, outbound);
  var decimal = code ? code.decimal : product.decimal;
  var requests = [], writes = [];
  data.sinks.forEach(function (sink) {
    var items = events.map((e) => item(sink, e, env.origin, decimal));
    var batches = sink.kind === 'plausible' || sink.kind === 'umami' ? items.map((i) => [i]) : [items];
    batches.forEach(function (b) { requests.push({ endpoint: sink.endpoint, body: body(sink, b, env.now), events: b.length }); });
  });
  if (env.persist) {
    writes = data.sinks.map(function (sink) {
      return { key: data.outbox_key + sink.endpoint, lines: events.map(function (e) {
        return [e.event_id, e.name, e.occurred_at, 0, env.now, item(sink, e, env.origin, decimal)].join('\t');
      }) };
    });
    if (outbound) writes.push({ key: data.checkout_key, value: checkoutRecord(events[1], attribution) });
  }
  return { href: href, events: events, requests: requests, writes: writes };
}

// sinks::flat_props, for an early event.
var flatProps = (LINKSHELF_PLAUSIBLE || LINKSHELF_UMAMI || LINKSHELF_POSTHOG) && function (e, decimal) {
  var p = [['event_id', e.event_id]], a = e.attribution, c = e.ecommerce;
  CAMPAIGN.forEach(function (k) { if (a[k] !== null) p.push([k, a[k]]); });
  if (e.subject.item_list_id !== null) p.push(['item_list_id', e.subject.item_list_id]);
  if (c) {
    if (c.coupon !== null) p.push(['coupon', c.coupon]);
    p.push(['currency', c.currency], ['value', decimal], ['item_ids', c.items.map((i) => i.item_id).join(',')]);
  }
  if (e.outbound) p.push(['click_id', e.outbound.click_id], ['destination_host', e.outbound.destination_host]);
  a.click_ids.forEach(function (k) { p.push([k.name, k.value]); });
  p.push(['in_app_browser', e.context.in_app_browser], ['page_load_id', e.page_load_id]);
  return p;
};

var object = (LINKSHELF_PLAUSIBLE || LINKSHELF_UMAMI || LINKSHELF_POSTHOG) && function (pairs) {
  var o = {};
  pairs.forEach(function (kv) { o[kv[0]] = kv[1]; });
  return o;
};

var bytesCut = (LINKSHELF_PLAUSIBLE || LINKSHELF_UMAMI || LINKSHELF_POSTHOG) && function (text, max) {
  var out = '', n = 0;
  for (var ch of text) {
    n += new TextEncoder().encode(ch).length;
    if (n > max) break;
    out += ch;
  }
  return out;
};

var pageUrl = (LINKSHELF_PLAUSIBLE || LINKSHELF_UMAMI || LINKSHELF_POSTHOG) && function (e, origin) {
  var q = campaignQuery(e.attribution);
  return origin + e.context.path + (q ? '?' + q : '');
};

// Sink::item
function item(sink, e, origin, decimal) {
  var host = e.attribution.referrer_host;
  if (sink.kind === 'collector' || sink.kind === 'webhook') return JSON.stringify(e);
  if (LINKSHELF_PLAUSIBLE && sink.kind === 'plausible') {
    return JSON.stringify({
      name: e.name, url: bytesCut(pageUrl(e, origin), 2000), domain: sink.domain, referrer: host === null ? null : 'https://' + host + '/',
      props: object(flatProps(e, decimal).slice(0, 30).map((kv) => [bytesCut(kv[0], 300), bytesCut(kv[1], 2000)])),
      interactive: true,
    });
  }
  if (LINKSHELF_UMAMI && sink.kind === 'umami') {
    var url = pageUrl(e, origin);
    return JSON.stringify({ type: 'event', payload: {
      website: sink.website_id, hostname: origin.split('://')[1] || origin, url: url.indexOf(origin) === 0 ? url.slice(origin.length) : url,
      referrer: host === null ? '' : 'https://' + host + '/', language: e.context.locale, name: e.name,
      data: object(flatProps(e, decimal)), timestamp: Math.trunc(e.occurred_at / 1000),
    } });
  }
  if (!LINKSHELF_POSTHOG) return '';
  var props = flatProps(e, decimal).concat([['creator_id', e.creator_id], ['locale', e.context.locale],
    ['$pathname', e.context.path], ['source', 'linkshelf'], ['$process_person_profile', false], ['$current_url', pageUrl(e, origin)]]);
  if (host !== null) props.push(['$referring_domain', host]);
  return JSON.stringify({ event: e.name, distinct_id: e.page_load_id, uuid: e.event_id, timestamp: new Date(e.occurred_at).toISOString(), properties: object(props) });
}

// Sink::body
function body(sink, items, now) {
  var stamped = items.map((i) => i.replace('"sent_at":null', '"sent_at":' + now)).join(',');
  if (sink.kind === 'collector') return '[' + stamped + ']';
  if (sink.kind === 'webhook') return '{"source":"linkshelf","events":[' + stamped + ']}';
  if (LINKSHELF_POSTHOG && sink.kind === 'posthog') return JSON.stringify({ api_key: sink.api_key, sent_at: new Date(now).toISOString() }).slice(0, -1) + ',"batch":[' + items.join(',') + ']}';
  return items[0];
}

// CheckoutRecord::encode, so the shop's return page can join the purchase.
function checkoutRecord(e, a) {
  function field(t) { return t.replace(/[\t\n\r]/g, ' '); }
  var c = e.ecommerce, q = new URLSearchParams(campaignQuery(a));
  a.click_ids.forEach(function (k) { q.append(k.name, k.value); });
  var lines = [['1', e.occurred_at, field(e.outbound.click_id), field(e.outbound.destination_host), field(c.currency), c.value, field(c.coupon || '')].join('\t'),
    q.toString(), a.referrer_host === null ? '' : 'https://' + a.referrer_host + '/'];
  c.items.forEach(function (i) { lines.push([field(i.item_id), i.price, i.quantity, field(i.item_name)].join('\t')); });
  return lines.join('\n');
}

// Which product a link is for, and where it sits: a card's product link names its
// product and place; a Buy link outside a card is the product page's own.
function tapOf(link, app) {
  var card = link.closest('.product-card'), named = card && card.querySelector('a.product-link');
  return {
    kind: link.classList.contains('buy') ? 'buy' : 'open',
    product: named ? named.getAttribute('data-product') : (/^\/p\/([^/]+)\/$/.exec(app.getAttribute('data-route')) || [])[1],
    list: named && named.getAttribute('data-list'), index: named ? Number(named.getAttribute('data-index')) || 0 : 0,
  };
}

// What the page knows for a tap or a link: the landing URL, the clock, the locale, the
// kept cart's code (standard privacy only), and where storage may be written.
function envOf(doc, data, loadedAt, href) {
  var win = doc.defaultView, nav = win.navigator;
  var signal = nav.globalPrivacyControl === true || nav.doNotTrack === '1' || nav.doNotTrack === 'yes';
  var storage = null;
  try { storage = data.persist && !signal ? win.localStorage : null; } catch (e) { storage = null; }
  var cart = storage ? (storage.getItem(data.cart_key) || '').split(';') : [];
  var options = Intl.DateTimeFormat().resolvedOptions();
  return {
    search: win.location.search, referrer: doc.referrer, user_agent: nav.userAgent, locale: options.locale,
    time_zone: options.timeZone, origin: win.location.origin, now: Date.now(), loaded_at: loadedAt, persist: !!storage,
    stored_code: cart[0] === '1' ? cart[1] : null, href: href, storage: storage,
  };
}

function pageData(doc) {
  var el = doc.getElementById('linkshelf-early');
  try { return el && JSON.parse(el.textContent); } catch (e) { return null; }
}

// Links carry their attribution from the first paint, as the app's do once it runs: each
// Buy link its own click id with the code and the campaign, each product link the
// campaign and the code. (A tap still writes a fresh click id, the one its event sends.)
function fill(doc, loadedAt) {
  var data = pageData(doc), app = doc.getElementById('app'), win = doc.defaultView;
  if (!data || !app || doc.documentElement.hasAttribute('data-ready')) return;
  var env = envOf(doc, data, loadedAt, ''), attribution = fromLanding(env.search, env.referrer, data);
  doc.querySelectorAll('a.buy:not(.only-without-js), a.product-link').forEach(function (link) {
    var tap = tapOf(link, app), product = data.products[tap.product];
    if (!product || (tap.kind === 'buy' && !product.href)) return;
    // The attribute as written (a path stays a path), changed only when there is more.
    var href = link.getAttribute('href'), filled = tap.kind === 'buy'
      ? buyHref(product, chosenCode(product, env, data), uuid7(env.now, win.crypto.getRandomValues(new Uint8Array(10))), attribution, data)
      : productHref(href, attribution, env, data);
    if (filled !== href) link.setAttribute('href', filled);
  });
}

// The page: taps until the app marks the document ready. Runs from the <head>, so
// the page's data (after it) is read once the document is parsed, and at each tap.
function listen(doc) {
  var loadedAt = Date.now(), win = doc.defaultView, nav = win.navigator;
  doc.addEventListener('DOMContentLoaded', function () { fill(doc, loadedAt); });
  doc.addEventListener('click', function (ev) {
    var root = doc.documentElement, link = ev.target.closest && ev.target.closest('a.buy, a.product-link');
    var app = doc.getElementById('app');
    if (!link || !app || root.hasAttribute('data-ready') || ev.defaultPrevented || ev.button !== 0 ||
        ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey || (link.target && link.target !== '_self')) return;
    var data = pageData(doc);
    if (!data) return;
    var tap = tapOf(link, app);
    if (!data.products[tap.product]) return;
    var env = envOf(doc, data, loadedAt, link.href), storage = env.storage;
    var planned = plan(data, tap, env, function () { return win.crypto.getRandomValues(new Uint8Array(10)); });
    link.href = planned.href;
    // The app must not take over a page that is leaving (it would count it twice).
    root.setAttribute('data-early-tap', tap.kind);
    var refused = {};
    if (data.sinks.length) planned.requests.forEach(function (r) {
      var accepted = false;
      try { accepted = nav.sendBeacon(r.endpoint, r.body); } catch (e) { accepted = false; }
      if (!accepted) refused[r.endpoint] = true;
    });
    if (!storage) return;
    // Kept like the tracker's own outbox (Tracker::beaconed): what was refused, or
    // may be lost in flight where the backend drops repeats, is sent by the next page.
    planned.writes.forEach(function (w) {
      try {
        if (w.lines) {
          var sink = data.sinks.filter((s) => data.outbox_key + s.endpoint === w.key)[0];
          if (!refused[sink.endpoint] && !sink.deduplicates) return;
          var kept = storage.getItem(w.key);
          storage.setItem(w.key, (kept ? kept + '\n' : '') + w.lines.join('\n'));
        } else {
          storage.setItem(w.key, w.value);
        }
      } catch (e) { /* storage full or blocked: the beacon is all there is */ }
    });
  }, true);
}

// Copies `text` to the clipboard, or by selecting it where there is none (some in-app
// browsers lack `navigator.clipboard`) or it refuses: a promise of whether it worked.
// The app's copy buttons call it too (`platform::copy_text`): one way to copy.
function copyText(doc, text) {
  var nav = doc.defaultView.navigator;
  function bySelection() {
    var area = doc.createElement('textarea'), done = false;
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.cssText = 'position:fixed;top:0;left:-9999px;opacity:0';
    doc.body.appendChild(area);
    area.select();
    try { done = doc.execCommand('copy'); } catch (e) { done = false; }
    area.remove();
    return done;
  }
  return nav.clipboard ? nav.clipboard.writeText(text).then(function () { return true; }, bySelection) : Promise.resolve(bySelection());
}

// Share buttons (`[data-share]`, src/ui/share.rs), before and after the app runs: the
// system's share sheet, or the link copied where there is none (or it refuses). Here,
// not in the app: a listener in the WASM cost 1.2 KB brotli, this about 0.3 KB.
// Feedback replaces the button's word (its last text node, which the app never changes).
function listenShare(doc) {
  var nav = doc.defaultView.navigator;
  doc.addEventListener('click', function (ev) {
    var button = ev.target.closest && ev.target.closest('[data-share]');
    if (!button) return;
    var url = button.getAttribute('data-share'), word = button.lastChild;
    // The page's words for the feedback (its language's: `share_words`, early.rs).
    var words = (pageData(doc) || {}).share_words || [];
    function copy() {
      copyText(doc, url).then(function (done) {
        var text = words[done ? 0 : 1], was = word.data;
        if (!text) return;
        word.data = text;
        setTimeout(function () { word.data = was; }, 2500);
      });
    }
    if (nav.share) nav.share({ url: url, title: doc.title }).catch(function (e) { if (e.name !== 'AbortError') copy(); });
    else copy();
  });
}

// The in-app browser bars (src/ui/in_app.rs, which decides what they say): `bar` is its
// lines, in order: the sentence before checkout, before the calendar, the way out's
// link and word ('' where none is known to work), the link to copy, the bar's name,
// "Copy link", "Link copied" and what a failed copy says. Each empty slot
// (`.in-app[data-before]`) is drawn; drawn ones get the current sentence and link.
// Here, not in the app: the same DOM calls in the WASM cost about 1 KB brotli.
function drawInApp(doc, bar) {
  var f = bar.split('\n');
  doc.documentElement.setAttribute('data-in-app', '');
  doc.querySelectorAll('.in-app[data-before]').forEach(function (slot) {
    function add(tag, cls, parent, text) {
      var e = doc.createElement(tag);
      e.className = cls;
      if (text) e.textContent = text;
      return parent.appendChild(e);
    }
    if (!slot.firstChild) {
      slot.setAttribute('role', 'group');
      slot.setAttribute('aria-label', f[5]);
      add('p', '', slot);
      var actions = add('div', 'in-app-actions', slot);
      if (f[2]) add('a', 'button', actions, f[3]);
      var copy = add('button', 'button', actions, f[6]);
      copy.type = 'button';
      // Where the clipboard is blocked: the link to press and hold.
      var status = add('p', 'in-app-link', slot);
      status.setAttribute('role', 'status');
      copy.addEventListener('click', function () {
        var url = copy.getAttribute('data-url');
        copyText(doc, url).then(function (done) {
          if (done) return void (copy.textContent = f[7]);
          status.textContent = f[8];
          add('span', 'selectable', status, url);
        });
      });
    }
    slot.firstChild.textContent = f[slot.getAttribute('data-before') === 'calendar' ? 1 : 0];
    var open = slot.querySelector('a');
    if (open) open.href = f[2];
    slot.querySelector('button').setAttribute('data-url', f[4]);
    slot.hidden = false;
  });
}

// For tests/early_taps.mjs, which runs this file in Node (no document).
// The app's way to copy and to draw the in-app bars (`platform`), beside it.
globalThis.linkshelfEarly = {
  plan: plan,
  copy: function (text) { return copyText(document, text); },
  inApp: function (bar) { drawInApp(document, bar); },
};
if (typeof document !== 'undefined') {
  listen(document);
  listenShare(document);
}

// Event sink: a recording stand-in for an analytics backend, for the tracking tests.
//
//   node tools/event-sink.mjs          listens on 127.0.0.1:$SINK_PORT (default 8787)
//
// Endpoints (all answer JSON; every answer carries `Access-Control-Allow-Origin: *`):
//   POST    /v1/events   body: a JSON array of event envelopes (text/plain or JSON). Every
//                        event is RECORDED on receipt, then the request is answered by
//                        the failure rules: normally 200 {"accepted":N}. Bodies over
//                        64 KiB: 413, nothing recorded. Not a JSON array of objects: 400,
//                        nothing recorded. An envelope whose shape is not one of the
//                        shared contract's (core/fixtures/envelopes.json: the same keys,
//                        each value of a type seen there) breaks the contract with the
//                        collector: 400 naming the first difference, nothing recorded,
//                        and counted in `contract_violations`.
//   OPTIONS /v1/events   CORS preflight: 204, allows POST and Content-Type.
//   POST    /__control   sets the failure rules (replacing the previous ones; fields left
//                        out take their defaults, so `{}` means "healthy"):
//                          fail_rate    0..1, share of requests that fail (default 0)
//                          mode         "500" | "hang" | "mix" (default "500")
//                          status       the failing status for mode 500 (default 500)
//                          retry_after  Retry-After header sent with that status (default none)
//                          hang_ms      how long a hanging request is held, then 200 (default 30000)
//                          seed         seed of the PRNG that picks failing requests (default 1)
//                          down         true: /v1/events connections are destroyed at once,
//                                       unread and unrecorded, like a dead backend (default false)
//                        Unknown fields or bad values: 400, rules unchanged.
//   GET     /__control   the current rules.
//   POST    /__reset     forgets every event and counter and restores the default rules
//                        (requests already hanging keep hanging until hang_ms is up).
//   GET     /__events    {"contract_violations": requests refused for their shape,
//                        "received": events received incl. duplicates, "unique": distinct
//                        event_id count, "events": first copy of each distinct event in
//                        arrival order, "requests": POST /v1/events requests answered, plus
//                        "responses": what those requests got, and "rules"}.
//
// Failing requests are picked by a seeded PRNG (mulberry32): one draw per request decides
// failure (draw < fail_rate); in mode "mix" a second draw picks 500 (< 0.5) or hang. The
// sequence restarts whenever rules are set, so a given seed fails the same request numbers.
// Plain Node 20, no dependencies. Exits cleanly on SIGTERM/SIGINT.
import http from 'node:http';
import { readFileSync } from 'node:fs';

const HOST = '127.0.0.1';
const PORT = Number(process.env.SINK_PORT || 8787);
const MAX_BODY_BYTES = 64 * 1024;
/** Past this much of an oversized body, stop reading it and drop the connection. */
const MAX_DRAIN_BYTES = 8 * 1024 * 1024;
const MAX_CONTROL_BYTES = 16 * 1024;
const VERBOSE = process.env.SINK_LOG === '1';

const DEFAULT_RULES = Object.freeze({
  fail_rate: 0,
  mode: '500',
  status: 500,
  retry_after: null,
  hang_ms: 30_000,
  seed: 1,
  down: false,
});

/** mulberry32: a small, fast, seedable PRNG giving floats in [0, 1). */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let rules = { ...DEFAULT_RULES };
let random = mulberry32(rules.seed);
/** Every event received, duplicates included (only the count is reported). */
let receivedCount = 0;
/** event_id → first copy received, in arrival order (Map keeps insertion order). */
let firstCopies = new Map();
let eventsWithoutId = 0;
let requests = 0;
let responses = newResponseCounts();
/** Requests being held open by mode "hang": their timers, to clear on reset/shutdown. */
const hanging = new Set();

function newResponseCounts() {
  // ok: 200; failed: injected status; hang: held open; bad_request: 400;
  // too_large: 413; down: connection destroyed while `down`.
  return { ok: 0, failed: 0, hang: 0, bad_request: 0, too_large: 0, down: 0 };
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Methods': 'POST, GET, OPTIONS',
  'Access-Control-Allow-Headers': 'Content-Type',
  // Lets a page read Retry-After from a cross-origin answer (it is not CORS-safelisted).
  'Access-Control-Expose-Headers': 'Retry-After',
  'Access-Control-Max-Age': '600',
};

function log(...args) {
  if (VERBOSE) console.log(new Date().toISOString(), ...args);
}

function send(res, status, body, extraHeaders = {}) {
  if (res.headersSent || res.destroyed || res.writableEnded) return;
  const headers = { ...CORS, 'Cache-Control': 'no-store', ...extraHeaders };
  if (body === undefined) {
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Reads a request body up to `limit` bytes. Resolves `{ body }`, `{ tooLarge: true }`
 * (the rest was read and thrown away), or `{ gone: true }` (the client went away, or the
 * body was absurdly large and the connection was dropped).
 */
function readBody(req, limit) {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > MAX_DRAIN_BYTES) {
      req.socket.destroy();
      resolve({ gone: true });
      return;
    }
    const chunks = [];
    let size = 0;
    let settled = false;
    const finish = (result) => {
      if (!settled) {
        settled = true;
        resolve(result);
      }
    };
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_DRAIN_BYTES) {
        req.socket.destroy();
        finish({ gone: true });
      } else if (size <= limit) {
        chunks.push(chunk);
      }
    });
    req.on('end', () => finish(size > limit ? { tooLarge: true } : { body: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', () => finish({ gone: true }));
    req.on('close', () => finish({ gone: true }));
  });
}

// The contract: every envelope the storefront writes has exactly the keys of the shared
// fixture, with values of the types seen there. The shape is learnt from the file, so
// it stays the one the Rust tests keep equal to `Envelope::to_json`.
const FIXTURE = new URL('../../core/fixtures/envelopes.json', import.meta.url);

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Merges `value` into a shape: the types seen at this place, keys of objects, items of arrays. */
function learn(shape, value) {
  const node = shape ?? { types: new Set(), keys: new Map(), items: undefined };
  const type = typeOf(value);
  node.types.add(type);
  if (type === 'object') {
    for (const [key, inner] of Object.entries(value)) node.keys.set(key, learn(node.keys.get(key), inner));
  } else if (type === 'array') {
    for (const inner of value) node.items = learn(node.items, inner);
  }
  return node;
}

/** The first place `value` differs from `shape`, or null. */
function difference(shape, value, path) {
  const type = typeOf(value);
  if (!shape.types.has(type)) return `${path || 'envelope'} is ${type}, expected ${[...shape.types].join(' or ')}`;
  if (type === 'object') {
    for (const key of Object.keys(value)) {
      if (!shape.keys.has(key)) return `${path ? `${path}.` : ''}${key} is not in the contract`;
    }
    for (const [key, inner] of shape.keys) {
      const at = path ? `${path}.${key}` : key;
      if (!(key in value)) return `${at} is missing`;
      const found = difference(inner, value[key], at);
      if (found) return found;
    }
  } else if (type === 'array') {
    for (const [i, inner] of value.entries()) {
      if (!shape.items) return `${path}[${i}]: the contract has no items here`;
      const found = difference(shape.items, inner, `${path}[${i}]`);
      if (found) return found;
    }
  }
  return null;
}

const CONTRACT = JSON.parse(readFileSync(FIXTURE, 'utf8')).reduce((shape, envelope) => learn(shape, envelope), undefined);
let contractViolations = 0;

/** A JSON array of plain objects, or null. */
function parseEnvelopes(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(value)) return null;
  if (!value.every((e) => e !== null && typeof e === 'object' && !Array.isArray(e))) return null;
  return value;
}

function record(events) {
  for (const event of events) {
    receivedCount += 1;
    // An event without a string id cannot be deduplicated: each one counts as distinct
    // (the tests then report the missing id rather than a missing event).
    const key = typeof event.event_id === 'string' ? `id:${event.event_id}` : `no-id:${eventsWithoutId++}`;
    if (!firstCopies.has(key)) firstCopies.set(key, event);
  }
}

/** How the current rules answer the next request: 'ok', 'failed' or 'hang'. */
function decide() {
  if (!(rules.fail_rate > 0)) return 'ok';
  if (random() >= rules.fail_rate) return 'ok';
  if (rules.mode === '500') return 'failed';
  if (rules.mode === 'hang') return 'hang';
  return random() < 0.5 ? 'failed' : 'hang';
}

async function handleEvents(req, res) {
  if (rules.down) {
    responses.down += 1;
    log('down: destroying', req.method, req.url);
    req.socket.destroy();
    return;
  }
  if (req.method === 'OPTIONS') {
    const extra = {};
    // Chromium's Private Network Access preflight asks for this explicitly.
    if (req.headers['access-control-request-private-network'] === 'true') {
      extra['Access-Control-Allow-Private-Network'] = 'true';
    }
    send(res, 204, undefined, extra);
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, { error: 'use POST' }, { Allow: 'POST, OPTIONS' });
    return;
  }
  const read = await readBody(req, MAX_BODY_BYTES);
  if (read.gone) return;
  requests += 1;
  if (read.tooLarge) {
    responses.too_large += 1;
    send(res, 413, { error: `body over ${MAX_BODY_BYTES} bytes` });
    return;
  }
  const events = parseEnvelopes(read.body);
  if (!events) {
    responses.bad_request += 1;
    send(res, 400, { error: 'expected a JSON array of event objects' });
    return;
  }
  const broken = events.map((e) => difference(CONTRACT, e, '')).find((d) => d !== null);
  if (broken) {
    contractViolations += 1;
    responses.bad_request += 1;
    console.error(`event-sink: contract violation: ${broken}`);
    send(res, 400, { error: `envelope does not match core/fixtures/envelopes.json: ${broken}` });
    return;
  }
  record(events);
  const outcome = decide();
  log(req.method, req.url, `${events.length} events`, outcome);
  if (outcome === 'ok') {
    responses.ok += 1;
    send(res, 200, { accepted: events.length });
  } else if (outcome === 'failed') {
    responses.failed += 1;
    const extra = rules.retry_after !== null ? { 'Retry-After': rules.retry_after } : {};
    send(res, rules.status, { error: 'injected failure' }, extra);
  } else {
    responses.hang += 1;
    const held = { res, timer: null };
    held.timer = setTimeout(() => {
      hanging.delete(held);
      send(res, 200, { accepted: events.length });
    }, rules.hang_ms);
    hanging.add(held);
    // The client gave up (or the connection died): nothing left to answer.
    res.on('close', () => {
      clearTimeout(held.timer);
      hanging.delete(held);
    });
  }
}

/** Validates a control body into complete rules, or returns an error string. */
function parseRules(input) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) return 'expected a JSON object';
  const next = { ...DEFAULT_RULES };
  for (const [key, value] of Object.entries(input)) {
    switch (key) {
      case 'fail_rate':
        if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
          return 'fail_rate must be a number from 0 to 1';
        }
        next.fail_rate = value;
        break;
      case 'mode':
        if (!['500', 'hang', 'mix'].includes(String(value))) return 'mode must be "500", "hang" or "mix"';
        next.mode = String(value);
        break;
      case 'status':
        if (!Number.isInteger(value) || value < 200 || value > 599) return 'status must be an integer from 200 to 599';
        next.status = value;
        break;
      case 'retry_after':
        if (value !== null && typeof value !== 'string' && typeof value !== 'number') {
          return 'retry_after must be a string, a number or null';
        }
        if (value !== null && !/^[\x20-\x7e]*$/.test(String(value))) return 'retry_after must be printable ASCII';
        next.retry_after = value === null ? null : String(value);
        break;
      case 'hang_ms':
        if (!Number.isInteger(value) || value < 0 || value > 600_000) return 'hang_ms must be an integer from 0 to 600000';
        next.hang_ms = value;
        break;
      case 'seed':
        if (!Number.isInteger(value)) return 'seed must be an integer';
        next.seed = value;
        break;
      case 'down':
        if (typeof value !== 'boolean') return 'down must be true or false';
        next.down = value;
        break;
      default:
        return `unknown field "${key}"`;
    }
  }
  return next;
}

function setRules(next) {
  rules = next;
  random = mulberry32(rules.seed);
}

function reset() {
  setRules({ ...DEFAULT_RULES });
  receivedCount = 0;
  firstCopies = new Map();
  eventsWithoutId = 0;
  contractViolations = 0;
  requests = 0;
  responses = newResponseCounts();
  // Requests still held open keep hanging until their time is up (or the client gives
  // up): their events were recorded before the reset and stay forgotten.
}

function releaseHanging() {
  for (const held of hanging) {
    clearTimeout(held.timer);
    held.res.destroy();
  }
  hanging.clear();
}

async function handleControl(req, res) {
  if (req.method === 'GET') {
    send(res, 200, rules);
    return;
  }
  if (req.method !== 'POST') {
    send(res, 405, { error: 'use GET or POST' });
    return;
  }
  const read = await readBody(req, MAX_CONTROL_BYTES);
  if (read.gone) return;
  if (read.tooLarge) {
    send(res, 413, { error: 'control body too large' });
    return;
  }
  let input;
  try {
    input = read.body.trim() === '' ? {} : JSON.parse(read.body);
  } catch {
    send(res, 400, { error: 'control body is not JSON' });
    return;
  }
  const next = parseRules(input);
  if (typeof next === 'string') {
    send(res, 400, { error: next });
    return;
  }
  setRules(next);
  log('rules', JSON.stringify(rules));
  send(res, 200, rules);
}

async function handle(req, res) {
  const path = (req.url || '/').split('?')[0];
  if (path === '/v1/events') return handleEvents(req, res);
  if (path === '/__control') return handleControl(req, res);
  if (path === '/__reset') {
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST' });
    const read = await readBody(req, MAX_CONTROL_BYTES);
    if (read.gone) return;
    reset();
    log('reset');
    return send(res, 200, { reset: true });
  }
  if (path === '/__events') {
    if (req.method !== 'GET') return send(res, 405, { error: 'use GET' });
    return send(res, 200, {
      received: receivedCount,
      unique: firstCopies.size,
      events: [...firstCopies.values()],
      requests,
      responses,
      contract_violations: contractViolations,
      rules,
    });
  }
  if (req.method === 'OPTIONS') return send(res, 204);
  send(res, 404, { error: `no route ${req.method} ${path}` });
}

const server = http.createServer((req, res) => {
  // A client that vanishes mid-request must never take the sink down with it.
  req.on('error', () => {});
  res.on('error', () => {});
  handle(req, res).catch((error) => {
    console.error('event sink: request failed:', error);
    if (!res.headersSent) send(res, 500, { error: 'sink error' });
    else res.destroy();
  });
});
server.on('clientError', (_error, socket) => {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
  else socket.destroy();
});
server.on('error', (error) => {
  console.error(`event sink: cannot listen on http://${HOST}:${PORT}: ${error.message}`);
  process.exit(1);
});

server.listen(PORT, HOST, () => {
  console.log(`event sink listening on http://${HOST}:${server.address().port}`);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  log('stopping on', signal);
  releaseHanging();
  server.close(() => process.exit(0));
  server.closeAllConnections();
  // Belt and braces: never linger once asked to stop.
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

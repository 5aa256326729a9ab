// harness.mjs — what every browser test starts from: a bitcoin regtest node
// (tools/regtest-node), a fresh LMDB store in a temporary directory set up as
// tools/run-local sets up ./data (bitslot init, deposit keys derived from the
// public test tpub, the node wallet "bitslot"), a real `bitslot serve` on
// 127.0.0.1, and Debian's chromium driven by playwright-core; with helpers to
// pay and mine through the node's JSON-RPC, call the API and the CLI, check
// pages and take screenshots at two widths.
//
// Invariants:
// - Everything listens on 127.0.0.1 only, on ports the kernel picked.
// - runTest() exits non-zero when any check failed, any dialog opened or any
//   page threw, and prints what failed, at which step, on which page, with
//   the end of the server's log.
// - Every process started here is ended (its whole process group, SIGTERM,
//   then SIGKILL after 5 s) on every way out: a pass, a failure, an exception,
//   SIGTERM/SIGINT (meson's timeout). Children also get SIGTERM when this
//   process dies without cleaning up (setpriv --pdeathsig), and chromium ends
//   with the pipe playwright drives it through.
// - Nothing is downloaded: chromium is /usr/bin/chromium (BITSLOT_CHROMIUM
//   overrides it), playwright-core comes from tests/browser/node_modules.
// - The clock of bitslot is fixed (BITSLOT_NOW, the real time at start) unless
//   a test asks for the real one: prices stay exact (no decay between two
//   reads), and near the real time, so cookies with dates stay valid.
import { spawn, execFile } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

// BIP32 test vector 1's master key as a tpub (regtest only; as tools/run-local).
export const TEST_TPUB =
  'tpubD6NzVbkrYhZ4XgiXtGrdW5XDAPFCL9h7we1vwNCpn8tGbBcgfVYjXyhWo4E1xkh56hjod1RhGjxbaTLV3X4FyWuejifB9jusQ46QzG87VKp';
export const WIDTHS = [1280, 360];
const STOP_WAIT_MS = 5000;
const NODE_READY_MS = 150000;
const SERVE_READY_MS = 20000;
const LOG_TAIL_LINES = 40;

// A failed check: its message is the whole story (no stack needed).
export class CheckFailed extends Error {}

export function check(ok, message) {
  if (!ok) throw new CheckFailed(message);
}

export function equal(actual, expected, what) {
  if (actual !== expected)
    throw new CheckFailed(`${what}: want ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
}

function required(name) {
  const v = process.env[name];
  if (!v) throw new CheckFailed(`${name} is not set (meson sets it: run through meson test)`);
  return v;
}

async function freePort() {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

// A child in a process group of its own, its output copied to a log file
// and kept in memory for waitFor().
class Child {
  constructor(name, cmd, args, { env, logDir }) {
    this.name = name;
    this.logPath = path.join(logDir, `${name}.log`);
    this.log = createWriteStream(this.logPath);
    this.out = '';
    this.err = '';
    this.waiters = [];
    const argv = setpriv ? [setpriv, '--pdeathsig', 'TERM', '--', cmd, ...args] : [cmd, ...args];
    this.proc = spawn(argv[0], argv.slice(1), { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => resolve({ code, signal }));
      this.proc.on('error', (e) => resolve({ code: null, signal: null, error: e }));
    });
    this.done = null;
    this.exited.then((r) => {
      this.done = r;
      this.poke();
    });
    for (const [stream, key] of [[this.proc.stdout, 'out'], [this.proc.stderr, 'err']]) {
      stream.setEncoding('utf8');
      stream.on('data', (text) => {
        this[key] += text;
        if (this[key].length > 1 << 20) this[key] = this[key].slice(-(1 << 19));
        this.log.write(text);
        this.poke();
      });
    }
  }

  poke() {
    for (const w of [...this.waiters]) w();
  }

  // The first match of `re` in stdout or stderr (`which`), waiting up to ms.
  waitFor(which, re, ms) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => finish(new CheckFailed(`${this.name}: nothing matched ${re} in ${ms} ms`)), ms);
      const finish = (err, m) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== test);
        err ? reject(err) : resolve(m);
      };
      const test = () => {
        const m = this[which].match(re);
        if (m) return finish(null, m);
        if (this.done)
          finish(new CheckFailed(`${this.name} exited (${this.done.code ?? this.done.signal}) before ${re}; log ${this.logPath}`));
      };
      this.waiters.push(test);
      test();
    });
  }

  tail() {
    return (this.out + this.err).trimEnd().split('\n').slice(-LOG_TAIL_LINES).join('\n');
  }

  async stop() {
    if (!this.done && this.proc.pid) {
      try {
        process.kill(-this.proc.pid, 'SIGTERM');
      } catch {}
      const timer = setTimeout(() => {
        try {
          process.kill(-this.proc.pid, 'SIGKILL');
        } catch {}
      }, STOP_WAIT_MS);
      await this.exited;
      clearTimeout(timer);
    }
    // The group may outlive its leader (npm ci under regtest-node).
    try {
      process.kill(-this.proc.pid, 'SIGKILL');
    } catch {}
    this.log.end();
    return this.done;
  }
}

export class Harness {
  constructor(name, { clock = 'fixed' } = {}) {
    this.name = name;
    this.bin = required('BITSLOT_BIN');
    this.source = required('BITSLOT_SOURCE_ROOT');
    this.build = required('BITSLOT_BUILD_ROOT');
    this.tmp = mkdtempSync(path.join(tmpdir(), `bitslot-${name}-`));
    this.store = `lmdb:${path.join(this.tmp, 'store')}`;
    this.shots = path.join(this.build, 'browser-screenshots', name);
    rmSync(this.shots, { recursive: true, force: true });
    mkdirSync(this.shots, { recursive: true });
    this.children = [];
    this.contexts = [];
    this.problems = []; // dialogs and page errors, noticed between steps
    this.stepName = 'start';
    this.now = clock === 'fixed' ? Math.floor(Date.now() / 1000) : null;
  }

  step(name) {
    this.assertQuiet();
    this.stepName = name;
    console.log(`-- ${name}`);
  }

  // Fails the test when a page opened a dialog or threw since the last step.
  assertQuiet() {
    if (this.problems.length) throw new CheckFailed(this.problems.join('\n'));
  }

  env(extra = {}) {
    const env = {
      ...process.env,
      BITSLOT_STORE: this.store,
      BITSLOT_NETWORK: 'regtest',
      BITSLOT_NODE: this.bitslotNode,
      BITSLOT_CHECK_INTERVAL: '0',
      ...extra,
    };
    if (this.now !== null) env.BITSLOT_NOW = String(this.now);
    else delete env.BITSLOT_NOW;
    for (const k of ['BITSLOT_CONFIG', 'BITSLOT_LISTEN', 'BITSLOT_PUBLIC_URL', 'BITSLOT_FAILPOINT']) delete env[k];
    return env;
  }

  async start() {
    await this.startNode();
    const init = await this.cli(['init']);
    equal(init.code, 0, `bitslot init (${init.stderr.trim()})`);
    const keys = await this.cli(['keys', 'derive', '--xpub', TEST_TPUB, '--count', '20']);
    equal(keys.code, 0, `bitslot keys derive (${keys.stderr.trim()})`);
    await this.startServer();
    await this.startBrowser();
  }

  async startNode() {
    const script = path.join(this.source, 'tools', 'regtest-node');
    let lastError;
    for (let i = 0; i < 5; i++) {
      const port = await freePort();
      const child = new Child(`regtest-${port}`, script, [String(port)], {
        env: { ...process.env, REGTEST_LOG_LEVEL: process.env.REGTEST_LOG_LEVEL ?? 'error' },
        logDir: this.tmp,
      });
      this.children.push(child);
      try {
        const m = await child.waitFor('out', /^READY (\S+)$/m, NODE_READY_MS);
        this.minerUrl = m[1];
        this.bitslotNode = m[1].replace(/\/wallet\/[^/]+$/, '') + '/wallet/bitslot';
        this.node = child;
        return;
      } catch (e) {
        lastError = e;
        await child.stop();
      }
    }
    throw lastError;
  }

  async startServer() {
    const serve = new Child('serve', this.bin, ['serve', '--listen', '127.0.0.1:0'], {
      env: this.env(),
      logDir: this.tmp,
    });
    this.children.push(serve);
    this.server = serve;
    const m = await serve.waitFor('err', /^bitslot: serving on (http:\/\/127\.0\.0\.1:\d+)$/m, SERVE_READY_MS);
    this.url = m[1];
  }

  async startBrowser() {
    let chromium;
    try {
      ({ chromium } = await import('playwright-core'));
    } catch (e) {
      throw new CheckFailed(`playwright-core is not installed in tests/browser (run tools/install-deps test): ${e.message}`);
    }
    const executablePath = process.env.BITSLOT_CHROMIUM || '/usr/bin/chromium';
    check(existsSync(executablePath), `no ${executablePath}: run tools/install-deps test (Debian's chromium)`);
    // --no-sandbox: the tests run as root on CI, where chromium's sandbox
    // refuses to start; they visit only pages of the server they started.
    this.browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
    console.log(`-- chromium ${this.browser.version()}, bitslot serve on ${this.url}`);
  }

  // A browser context (one user: its own cookies) whose pages fail the test
  // on any dialog or uncaught script error.
  async newContext(options = {}) {
    const ctx = await this.browser.newContext({
      viewport: { width: WIDTHS[0], height: 800 },
      baseURL: this.url,
      ...options,
    });
    ctx.on('page', (page) => this.watch(page));
    this.contexts.push(ctx);
    return ctx;
  }

  async newPage(options = {}) {
    const ctx = await this.newContext(options);
    return ctx.newPage();
  }

  watch(page) {
    page.on('dialog', (d) => {
      this.problems.push(`a ${d.type()} dialog opened on ${page.url()}: ${JSON.stringify(d.message())}`);
      d.dismiss().catch(() => {});
    });
    page.on('pageerror', (e) => this.problems.push(`a script error on ${page.url()}: ${e.message}`));
    // A style, script or image the page's own Content-Security-Policy blocks
    // is a page that does not look or work as written.
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/.test(m.text()))
        this.problems.push(`blocked on ${page.url()}: ${m.text()}`);
    });
  }

  // PNGs of the whole page at each width, <build>/browser-screenshots/TEST/NAME-WIDTH.png.
  async screenshot(page, name) {
    const size = page.viewportSize();
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      await page.screenshot({ path: path.join(this.shots, `${name}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize(size);
  }

  // The node's JSON-RPC, through the miner wallet.
  async rpc(method, params = [], rawParams = null) {
    const u = new URL(this.minerUrl);
    const auth = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
    u.username = '';
    u.password = '';
    const body = `{"jsonrpc":"1.0","id":"browser","method":${JSON.stringify(method)},"params":${rawParams ?? JSON.stringify(params)}}`;
    const res = await fetch(u, { method: 'POST', headers: { authorization: `Basic ${auth}` }, body });
    const answer = await res.json();
    if (answer.error) throw new CheckFailed(`node ${method}: ${JSON.stringify(answer.error)}`);
    return answer.result;
  }

  // Pay `btc` (a decimal string such as "0.5", sent as written: no float
  // rounding) from the node's wallet to address; the txid. Pending until mine().
  async pay(address, btc) {
    check(/^\d+(\.\d{1,8})?$/.test(String(btc)), `pay: ${btc} is not an amount of BTC`);
    return this.rpc('sendtoaddress', null, `[${JSON.stringify(address)},${btc}]`);
  }

  async mine(blocks = 1) {
    const to = await this.rpc('getnewaddress');
    return this.rpc('generatetoaddress', [blocks, to]);
  }

  // The JSON API: {status, body} (body parsed when it is JSON).
  async api(method, route, { key, json, form } = {}) {
    const headers = {};
    if (key) headers.authorization = `Bearer ${key}`;
    let body;
    if (json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (form) body = form;
    const res = await fetch(this.url + route, { method, headers, body, redirect: 'manual' });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: res.status, body: parsed, headers: res.headers };
  }

  // The same as api(), and it must answer `status`.
  async apiOk(method, route, status, options) {
    const r = await this.api(method, route, options);
    if (r.status !== status)
      throw new CheckFailed(`${method} ${route}: want ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  // `bitslot ARGS` on this store: {code, stdout, stderr}.
  cli(args, { stdin } = {}) {
    return new Promise((resolve) => {
      const p = execFile(this.bin, args, { env: this.env(), timeout: 60000 }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr }),
      );
      // A command that exits without reading its input is not an error.
      p.stdin.on('error', () => {});
      p.stdin.end(stdin ?? '');
    });
  }

  // The same, and it must exit 0; its stdout.
  async cliOk(args, options) {
    const r = await this.cli(args, options);
    if (r.code !== 0) throw new CheckFailed(`bitslot ${args.join(' ')}: exit ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async close() {
    for (const ctx of this.contexts) await ctx.close().catch(() => {});
    if (this.browser) await this.browser.close().catch(() => {});
    this.browser = null;
    const results = [];
    for (const child of this.children.reverse()) results.push([child, await child.stop()]);
    this.children = [];
    return results;
  }
}

// Runs body(h) on a fresh site; prints what failed; exits 0 only when all
// passed and serve exited 0 on SIGTERM. Keeps the temporary directory (the
// logs) of a failed run and names it.
export async function runTest(name, body, options) {
  const started = Date.now();
  let h;
  let failure = null;
  let closing = null;
  const shutdown = async (signal) => {
    console.error(`${name}: ${signal}: stopping everything`);
    if (h && !closing) closing = h.close();
    await closing;
    process.exit(1);
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    h = new Harness(name, options);
    await h.start();
    await body(h);
    h.assertQuiet();
  } catch (e) {
    failure = e;
  }
  let serveExit = null;
  if (h && !closing) {
    closing = h.close();
    for (const [child, r] of await closing) if (child === h.server) serveExit = r;
  }
  if (!failure && h?.server && (serveExit?.code !== 0))
    failure = new CheckFailed(`bitslot serve exited ${JSON.stringify(serveExit)} on SIGTERM, not 0`);
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (failure) {
    console.error(`FAIL ${name} at step "${h?.stepName}": ${failure instanceof CheckFailed ? failure.message : failure.stack}`);
    if (h?.server) console.error(`-- the end of bitslot serve's log (${h.server.logPath}):\n${h.server.tail()}`);
    if (h) console.error(`-- logs kept in ${h.tmp}; screenshots in ${h.shots}`);
    console.error(`${name}: FAILED after ${secs} s`);
    process.exit(1);
  }
  rmSync(h.tmp, { recursive: true, force: true });
  console.log(`${name}: passed in ${secs} s`);
  process.exit(0);
}

// Page helpers shared by the tests.

// The text of `selector` on page (trimmed), waiting for it up to ms.
export async function textOf(page, selector, ms = 5000) {
  const loc = page.locator(selector).first();
  try {
    await loc.waitFor({ state: 'attached', timeout: ms });
  } catch {
    throw new CheckFailed(`no ${selector} on ${page.url()} within ${ms} ms`);
  }
  return (await loc.textContent()).trim();
}

// Wait until the text of selector equals `want` (it may change live).
export async function waitText(page, selector, want, ms = 5000) {
  const deadline = Date.now() + ms;
  let last = null;
  for (;;) {
    last = await page.locator(selector).first().textContent({ timeout: ms }).catch(() => null);
    if (last !== null && last.trim() === want) return;
    if (Date.now() > deadline)
      throw new CheckFailed(`${selector} on ${page.url()}: want ${JSON.stringify(want)} within ${ms} ms, got ${JSON.stringify(last?.trim() ?? null)}`);
    await page.waitForTimeout(100);
  }
}

// Whether an <img> has loaded and has the given natural size.
export async function checkImage(locator, width, height, what) {
  try {
    await locator.waitFor({ state: 'attached', timeout: 5000 });
  } catch {
    throw new CheckFailed(`${what}: no image`);
  }
  const size = await locator.evaluate(async (img) => {
    if (!img.complete) await new Promise((r) => img.addEventListener('load', r, { once: true }));
    return [img.naturalWidth, img.naturalHeight];
  });
  equal(`${size[0]}x${size[1]}`, `${width}x${height}`, `${what}: the image's size`);
}

export function writeTemp(h, name, text) {
  const file = path.join(h.tmp, name);
  writeFileSync(file, text);
  return file;
}

'use strict';

/*
 * testlib.js - what the tests in test/ share: addresses made with Node's
 * crypto only (independent of bcoin, checked against BIP 173 vectors), a
 * test node started on a free port (tools/regtest-node), and JSON-RPC 1.0
 * calls that assert Core's HTTP status, code and message.
 *
 * It lives outside test/ because `node --test test/` runs every .js file
 * in that directory as a test file.
 */

const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const crypto = require('node:crypto');
const net = require('node:net');
const path = require('node:path');

const SCRIPT = path.join(__dirname, '..', 'regtest-node');

/*
 * Address encoding, independent of bcoin
 */

function hash160(buf) {
  const sha = crypto.createHash('sha256').update(buf).digest();
  return crypto.createHash('ripemd160').update(sha).digest();
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function base58check(version, payload) {
  const data = Buffer.concat([Buffer.from([version]), payload]);
  const sum = crypto.createHash('sha256').update(
    crypto.createHash('sha256').update(data).digest()).digest();
  const full = Buffer.concat([data, sum.subarray(0, 4)]);
  let n = BigInt('0x' + full.toString('hex'));
  let out = '';
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const byte of full) {
    if (byte !== 0)
      break;
    out = '1' + out;
  }
  return out;
}

const BECH = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';

function bech32Polymod(values) {
  const gen = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) {
      if ((top >>> i) & 1)
        chk ^= gen[i];
    }
  }
  return chk >>> 0;
}

function segwitAddress(hrp, version, program) {
  const data = [version];
  let acc = 0;
  let bits = 0;
  for (const byte of program) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      data.push((acc >>> bits) & 31);
    }
  }
  if (bits > 0)
    data.push((acc << (5 - bits)) & 31);
  const expand = [];
  for (const c of hrp)
    expand.push(c.charCodeAt(0) >> 5);
  expand.push(0);
  for (const c of hrp)
    expand.push(c.charCodeAt(0) & 31);
  const mod = bech32Polymod(expand.concat(data, [0, 0, 0, 0, 0, 0])) ^ 1;
  let out = hrp + '1';
  for (const d of data)
    out += BECH[d];
  for (let i = 0; i < 6; i++)
    out += BECH[(mod >>> (5 * (5 - i))) & 31];
  return out;
}

// A fresh secp256k1 key: its P2PKH (m/n...) and P2WPKH (bcrt1q...) forms
// and its HASH160 in hex.
function externalKey() {
  const {publicKey} = crypto.generateKeyPairSync('ec', {namedCurve: 'secp256k1'});
  const jwk = publicKey.export({format: 'jwk'});
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  const pub = Buffer.concat([Buffer.from([2 + (y[31] & 1)]), x]);
  const h = hash160(pub);
  return {p2pkh: base58check(0x6f, h), p2wpkh: segwitAddress('bcrt', 0, h),
    hash: h.toString('hex')};
}

/*
 * Talking to the node
 */

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = srv.address().port;
      srv.close(() => resolve(p));
    });
  });
}

// Starts tools/regtest-node on a free port (or opts.port) and waits for its
// READY line; opts.env is added to the node's environment. The returned
// handle has the child, its credentials and the calls.
async function startNode(opts = {}) {
  const port = opts.port != null ? opts.port : await freePort();
  const child = spawn(SCRIPT, [String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: Object.assign({}, process.env, opts.env || {})
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const line = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('no READY in 240 s')),
      240000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before READY: ${stderr}`));
    });
  });
  const m = /^READY http:\/\/([^:]+):([^@]+)@127\.0\.0\.1:(\d+)\/wallet\/miner\n$/
    .exec(line);
  assert.ok(m, `READY line: ${JSON.stringify(line)}`);
  assert.equal(Number(m[3]), port);
  const user = decodeURIComponent(m[1]);
  const pass = decodeURIComponent(m[2]);
  const base = `http://127.0.0.1:${port}`;
  const auth = 'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

  async function post(route, body, authHeader = auth) {
    const headers = {'Content-Type': 'application/json'};
    if (authHeader)
      headers.Authorization = authHeader;
    const res = await fetch(base + route, {method: 'POST', headers, body});
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch (e) {
      json = null;
    }
    return {status: res.status, headers: res.headers, text, json};
  }

  // One JSON-RPC 1.0 call; returns the whole HTTP answer.
  function call(route, method, params = []) {
    return post(route,
      JSON.stringify({jsonrpc: '1.0', id: 't', method, params}));
  }

  // One call that must succeed; returns its result.
  async function ok(route, method, params = []) {
    const r = await call(route, method, params);
    assert.equal(r.status, 200,
      `${method} ${JSON.stringify(params)}: ${r.text}`);
    assert.equal(r.json.error, null);
    return r.json.result;
  }

  // One call that must fail with HTTP status and RPC code (and message).
  async function fails(route, method, params, status, code, message) {
    const r = await call(route, method, params);
    assert.equal(r.status, status, `${method}: ${r.text}`);
    assert.equal(r.json.result, null);
    assert.equal(r.json.error.code, code, r.text);
    if (message !== undefined)
      assert.equal(r.json.error.message, message);
    assert.equal(r.json.id, 't');
    return r.json.error;
  }

  function stop() {
    if (child.exitCode === null)
      child.kill('SIGKILL');
  }

  return {child, port, user, pass, base, auth, post, call, ok, fails, stop};
}

module.exports = {
  SCRIPT, hash160, base58check, segwitAddress, externalKey, startNode
};

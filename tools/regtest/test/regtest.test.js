'use strict';

// End-to-end check of tools/regtest-node: the deposit flow bitslot runs
// against Bitcoin Core, asserted as Core would answer it. Run with
//   cd tools/regtest && node --test test/
// The external addresses are made with Node's crypto only (no bcoin).

const {describe, it, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {spawn} = require('node:child_process');
const {SCRIPT, base58check, segwitAddress, externalKey, startNode} =
  require('../testlib');

let child = null;
let base = null; // http://127.0.0.1:PORT
let auth = null; // "Basic ..."
let user = null;
let pass = null;
let port = null;
let post = null;
let call = null;
let ok = null;
let fails = null;

const MINER = '/wallet/miner';
const BITSLOT = '/wallet/bitslot';

describe('tools/regtest-node', () => {
  let minerAddr = null;

  before(async () => {
    const n = await startNode();
    ({child, base, auth, user, pass, port, post, call, ok, fails} = n);
  });

  after(async () => {
    if (child && child.exitCode === null)
      child.kill('SIGKILL');
  });

  it('encodes addresses like the BIP 173 vectors', () => {
    const h = Buffer.from('751e76e8199196d454941c45d1b3a323f1433bd6', 'hex');
    assert.equal(segwitAddress('bcrt', 0, h),
      'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080');
    assert.equal(base58check(0x00, h), '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH');
  });

  it('starts with a miner wallet holding mature coins', async () => {
    assert.equal(await ok('/', 'getblockcount'), 101);
    assert.deepEqual(await ok('/', 'listwallets'), ['miner']);
    const r = await call(MINER, 'getbalance');
    assert.equal(r.text, '{"result":50.00000000,"error":null,"id":"t"}\n');
    const b = await ok(MINER, 'getbalances');
    assert.equal(b.mine.trusted, 50);
    assert.equal(b.mine.immature, 5000);
    const info = await ok('/', 'getblockchaininfo');
    assert.equal(info.chain, 'regtest');
    assert.equal(info.blocks, 101);
  });

  it('createwallet makes a watch-only wallet once', async () => {
    assert.deepEqual(await ok('/', 'createwallet', ['bitslot', true]),
      {name: 'bitslot'});
    await fails('/', 'createwallet', ['bitslot', true], 500, -4,
      'Wallet bitslot already exists.');
    assert.deepEqual(await ok('/', 'listwallets'), ['miner', 'bitslot']);
    const info = await ok(BITSLOT, 'getwalletinfo');
    assert.equal(info.walletname, 'bitslot');
    assert.equal(info.private_keys_enabled, false);
  });

  it('getnewaddress takes Core\'s (label, address_type)', async () => {
    minerAddr = await ok(MINER, 'getnewaddress');
    assert.match(minerAddr, /^bcrt1q[02-9ac-hj-np-z]{38}$/);
    assert.match(await ok(MINER, 'getnewaddress', ['', 'legacy']),
      /^[mn][1-9A-HJ-NP-Za-km-z]{25,34}$/);
    assert.match(await ok(MINER, 'getnewaddress', ['x', 'p2sh-segwit']),
      /^2[1-9A-HJ-NP-Za-km-z]{25,34}$/);
    assert.match(await ok(MINER, 'getnewaddress', ['', 'bech32']),
      /^bcrt1q/);
    await fails(MINER, 'getnewaddress', ['', 'nosuchtype'], 500, -5,
      'Unknown address type \'nosuchtype\'');
    await fails(BITSLOT, 'getnewaddress', [], 500, -4,
      'Error: This wallet has no available keys');
    const v = await ok('/', 'validateaddress', [minerAddr]);
    assert.equal(v.isvalid, true);
    assert.equal(v.iswitness, true);
    const a = await ok(MINER, 'getaddressinfo', [minerAddr]);
    assert.equal(a.ismine, true);
    assert.deepEqual(a.labels, ['']);
  });

  it('runs the P2WPKH deposit flow: importaddress, send, confirm', async () => {
    const W = externalKey().p2wpkh;
    assert.equal(await ok(BITSLOT, 'importaddress', [W, '', false]), null);
    await fails(MINER, 'importaddress', [W, '', false], 500, -4);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [W, 0]), 0);

    const txid = await ok(MINER, 'sendtoaddress', [W, 0.5]);
    assert.match(txid, /^[0-9a-f]{64}$/);
    assert.deepEqual(await ok('/', 'getrawmempool'), [txid]);

    let r = await call(BITSLOT, 'getreceivedbyaddress', [W, 0]);
    assert.equal(r.text, '{"result":0.50000000,"error":null,"id":"t"}\n');
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [W, 1]), 0);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [W]), 0);
    assert.equal(await ok(BITSLOT, 'getbalance'), 0);
    assert.equal((await ok(BITSLOT, 'getbalances')).mine.untrusted_pending, 0.5);
    assert.deepEqual(await ok(BITSLOT, 'listreceivedbyaddress', [0]), [{
      involvesWatchonly: true, address: W, amount: 0.5, confirmations: 0,
      label: '', txids: [txid]
    }]);
    assert.deepEqual(await ok(BITSLOT, 'listreceivedbyaddress'), []);

    const hashes = await ok('/', 'generatetoaddress', [1, minerAddr]);
    assert.equal(hashes.length, 1);
    assert.match(hashes[0], /^[0-9a-f]{64}$/);
    assert.equal(await ok('/', 'getblockcount'), 102);
    assert.deepEqual(await ok('/', 'getrawmempool'), []);

    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [W, 1]), 0.5);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [W]), 0.5);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [W, 2]), 0);
    assert.equal(await ok(BITSLOT, 'getbalance'), 0.5);
    assert.deepEqual(await ok(BITSLOT, 'listreceivedbyaddress'), [{
      involvesWatchonly: true, address: W, amount: 0.5, confirmations: 1,
      label: '', txids: [txid]
    }]);
    const unspent = await ok(BITSLOT, 'listunspent', [1, 9999999, [W]]);
    assert.equal(unspent.length, 1);
    assert.equal(unspent[0].txid, txid);
    assert.equal(unspent[0].amount, 0.5);
    assert.equal(unspent[0].spendable, false);
    const a = await ok(BITSLOT, 'getaddressinfo', [W]);
    assert.equal(a.iswatchonly, true);
    assert.equal(a.ismine, false);
  });

  it('runs the P2PKH flow through importdescriptors', async () => {
    const info = await ok('/', 'getdescriptorinfo', ['raw(deadbeef)']);
    assert.equal(info.checksum, '89f8spxm'); // BIP 380's example

    const P = externalKey().p2pkh;
    assert.match(P, /^[mn]/);
    const {checksum} = await ok('/', 'getdescriptorinfo', [`addr(${P})`]);
    assert.deepEqual(await ok(BITSLOT, 'importdescriptors', [[
      {desc: `addr(${P})#${checksum}`, timestamp: 'now', label: 'dep'}
    ]]), [{success: true}]);

    const bad = await ok(BITSLOT, 'importdescriptors', [[
      {desc: `addr(${P})#qqqqqqqq`, timestamp: 'now'},
      {desc: `addr(${externalKey().p2wpkh})`, timestamp: 'now'},
      {desc: 'pkh(02aa)', timestamp: 'now'},
      {desc: `addr(${P})`}
    ]]);
    assert.equal(bad.length, 4);
    assert.equal(bad[0].success, false);
    assert.equal(bad[0].error.code, -5);
    assert.deepEqual(bad[1], {success: true});
    assert.equal(bad[2].success, false);
    assert.equal(bad[2].error.code, -5);
    assert.equal(bad[3].success, false);
    assert.equal(bad[3].error.code, -8);

    const res = await ok(MINER, 'importdescriptors', [[
      {desc: `addr(${P})`, timestamp: 'now'}]]);
    assert.equal(res[0].success, false);
    assert.equal(res[0].error.code, -4);

    const txid = await ok(MINER, 'sendtoaddress', [P, '0.25']);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [P, 0]), 0.25);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [P, 1]), 0);
    await ok('/', 'generatetoaddress', [1, minerAddr]);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [P, 1]), 0.25);
    const rows = await ok(BITSLOT, 'listreceivedbyaddress', [1, false, true, P]);
    assert.deepEqual(rows, [{involvesWatchonly: true, address: P,
      amount: 0.25, confirmations: 1, label: 'dep', txids: [txid]}]);
  });

  it('reads amounts in exponent form and prints 8 decimals', async () => {
    const {p2pkh: P, p2wpkh: W} = externalKey();
    await ok(BITSLOT, 'importaddress', [P, '', false]);
    await ok(BITSLOT, 'importaddress', [W, '', false]);

    // 1 satoshi: below the dust limit, refused as Core's wallet does.
    let r = await post(MINER,
      `{"jsonrpc":"1.0","id":"t","method":"sendtoaddress","params":["${W}",1e-8]}`);
    assert.equal(r.status, 500);
    assert.deepEqual(r.json.error, {code: -6, message: 'Transaction amount too small'});
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [W, 0]), 0);

    // 546 sat (P2PKH dust limit) and 294 sat (P2WPKH) pass, written as 5.46e-6.
    r = await post(MINER,
      `{"jsonrpc":"1.0","id":"t","method":"sendtoaddress","params":["${P}",5.46e-6]}`);
    assert.equal(r.status, 200, r.text);
    await ok(MINER, 'sendtoaddress', [W, '2.94E-6']);
    await fails(MINER, 'sendtoaddress', [W, '2.93e-6'], 500, -6,
      'Transaction amount too small');
    r = await call(BITSLOT, 'getreceivedbyaddress', [P, 0]);
    assert.equal(r.text, '{"result":0.00000546,"error":null,"id":"t"}\n');
    r = await call(BITSLOT, 'getreceivedbyaddress', [W, 0]);
    assert.equal(r.text, '{"result":0.00000294,"error":null,"id":"t"}\n');

    await fails(MINER, 'sendtoaddress', [W, 0.000000001], 500, -3, 'Invalid amount');
    await fails(MINER, 'sendtoaddress', [W, -1], 500, -3, 'Amount out of range');
    await fails(MINER, 'sendtoaddress', [W, 0], 500, -3, 'Invalid amount for send');
    await fails(MINER, 'sendtoaddress', [W, 'abc'], 500, -3, 'Invalid amount');
    await fails(MINER, 'sendtoaddress', [W, true], 500, -3,
      'Amount is not a number or string');
    await fails(MINER, 'sendtoaddress', [W, 1e9], 500, -3, 'Amount out of range');
    await fails(MINER, 'sendtoaddress', [W, 20000], 500, -6, 'Insufficient funds');
    await fails(BITSLOT, 'sendtoaddress', [W, 1], 500, -4,
      'Error: Private keys are disabled for this wallet');
  });

  it('sendmany and subtractfeefromamount', async () => {
    const a = externalKey();
    const b = externalKey();
    await ok(BITSLOT, 'importaddress', [a.p2wpkh, '', false]);
    await ok(BITSLOT, 'importaddress', [b.p2pkh, '', false]);
    const txid = await ok(MINER, 'sendmany', ['', {[a.p2wpkh]: 0.1, [b.p2pkh]: '0.2'}]);
    assert.match(txid, /^[0-9a-f]{64}$/);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [a.p2wpkh, 0]), 0.1);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [b.p2pkh, 0]), 0.2);
    await fails(MINER, 'sendmany', ['', {[a.p2wpkh]: 0.1, notanaddress: 1}],
      500, -5, 'Invalid Bitcoin address: notanaddress');

    const c = externalKey().p2wpkh;
    await ok(BITSLOT, 'importaddress', [c, '', false]);
    await ok(MINER, 'sendtoaddress', [c, 0.3, '', '', true]);
    const got = await ok(BITSLOT, 'getreceivedbyaddress', [c, 0]);
    assert.ok(got < 0.3 && got > 0.299, `received ${got}`);
  });

  it('returns a mempool rejection of sendtoaddress as an error', async () => {
    // A wallet with one coin: each send spends the previous change, until
    // the 25-ancestor limit refuses the 26th unconfirmed tx.
    await ok('/', 'createwallet', ['chain']);
    const addr = await ok('/wallet/chain', 'getnewaddress');
    await ok(MINER, 'sendtoaddress', [addr, 1]);
    await ok('/', 'generatetoaddress', [1, minerAddr]);
    const dest = externalKey().p2wpkh;
    let sent = 0;
    let err = null;
    for (let i = 0; i < 30 && !err; i++) {
      const r = await call('/wallet/chain', 'sendtoaddress', [dest, 0.001]);
      if (r.json.error)
        err = {status: r.status, error: r.json.error};
      else
        sent += 1;
    }
    assert.equal(sent, 25);
    assert.deepEqual(err, {status: 500, error: {code: -6,
      message: 'Transaction has too long of a mempool chain'}});
    // The refused tx is not in the wallet: after a block, all is spendable.
    assert.equal((await ok('/', 'getrawmempool')).length, 25);
    await ok('/', 'generatetoaddress', [1, minerAddr]);
    const coins = await ok('/wallet/chain', 'listunspent');
    assert.equal(coins.length, 1);
    assert.equal(await ok('/wallet/chain', 'getbalance'), coins[0].amount);
    await ok('/wallet/chain', 'sendtoaddress', [dest, 0.001]);
  });

  it('finds a payment made before the import (default rescan)', async () => {
    const {p2pkh: P, p2wpkh: W} = externalKey();
    const t1 = await ok(MINER, 'sendtoaddress', [W, 0.125]);
    const t2 = await ok(MINER, 'sendtoaddress', [P, 0.0625]);
    await ok('/', 'generatetoaddress', [1, minerAddr]);
    await fails(BITSLOT, 'getreceivedbyaddress', [W, 1], 500, -4,
      'Address not found in wallet');

    const before = await ok(MINER, 'getbalances');
    assert.equal(await ok(BITSLOT, 'importaddress', [W]), null);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [W, 1]), 0.125);
    // The rescan replays blocks for every wallet; nothing else changes.
    assert.deepEqual(await ok(MINER, 'getbalances'), before);

    // importdescriptors rescans for any timestamp other than "now".
    assert.deepEqual(await ok(BITSLOT, 'importdescriptors',
      [[{desc: `addr(${P})`, timestamp: 0}]]), [{success: true}]);
    assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [P, 1]), 0.0625);
    const rows = await ok(BITSLOT, 'listreceivedbyaddress', [1, false, true, W]);
    assert.deepEqual(rows[0].txids, [t1]);
    assert.notEqual(t1, t2);
  });

  it('never answers stale right after send or mine', async () => {
    const W = externalKey().p2wpkh;
    await ok(BITSLOT, 'importaddress', [W, '', false]);
    let sats = 0;
    for (let i = 1; i <= 5; i++) {
      await ok(MINER, 'sendtoaddress', [W, 0.01]);
      sats += 1000000;
      assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [W, 0]), sats / 1e8);
      await ok('/', 'generatetoaddress', [1, minerAddr]);
      assert.equal(await ok(BITSLOT, 'getreceivedbyaddress', [W, 1]), sats / 1e8);
    }
  });

  it('answers errors with Core\'s statuses and codes', async () => {
    // Authentication: both user and password are checked.
    for (const a of [
      'Basic ' + Buffer.from(`${user}:wrong`).toString('base64'),
      'Basic ' + Buffer.from(`wrong:${pass}`).toString('base64'),
      null
    ]) {
      const r = await post('/', '{"method":"getblockcount","id":1}', a);
      assert.equal(r.status, 401);
      assert.equal(r.text, '');
      assert.equal(r.headers.get('www-authenticate'), 'Basic realm="jsonrpc"');
    }

    await fails('/', 'nosuchmethod', [], 404, -32601, 'Method not found');

    const badAddrs = [
      'notanaddress',
      '1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH', // mainnet
      'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', // mainnet bech32
      'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', // testnet bech32
      base58check(0x3c, Buffer.alloc(20, 7)) // bcoin's own regtest "R..."
    ];
    for (const bad of badAddrs) {
      await fails(MINER, 'sendtoaddress', [bad, 1], 500, -5);
      await fails(BITSLOT, 'getreceivedbyaddress', [bad, 0], 500, -5);
      await fails(BITSLOT, 'importaddress', [bad, '', false], 500, -5);
      await fails('/', 'generatetoaddress', [1, bad], 500, -5);
      assert.equal((await ok('/', 'validateaddress', [bad])).isvalid, false);
    }

    await fails('/wallet/nosuch', 'getbalance', [], 500, -18,
      'Requested wallet does not exist or is not loaded');
    await fails('/wallet/nosuch', 'getreceivedbyaddress', [minerAddr], 500, -18);
    // Node methods answer on any wallet route, as in Core.
    assert.equal(typeof await ok('/wallet/nosuch', 'getblockcount'), 'number');
    // Two wallets loaded: a wallet method on "/" must name its wallet.
    await fails('/', 'getbalance', [], 500, -19);

    let r = await post('/', '{"jsonrpc":"1.0","id":"t","method":');
    assert.equal(r.status, 500);
    assert.equal(r.text,
      '{"result":null,"error":{"code":-32700,"message":"Parse error"},"id":null}\n');

    await fails('/', 'getblockcount', [1], 500, -1);
    await fails(BITSLOT, 'getreceivedbyaddress', [minerAddr, 'x'], 500, -3,
      'JSON value of type string is not of expected type number');

    // Batches: HTTP 200, one answer per request, in order.
    r = await post('/', JSON.stringify([
      {jsonrpc: '1.0', id: 1, method: 'getblockcount', params: []},
      {jsonrpc: '1.0', id: 2, method: 'nosuch', params: []}
    ]));
    assert.equal(r.status, 200);
    assert.equal(r.json.length, 2);
    assert.equal(r.json[0].id, 1);
    assert.equal(typeof r.json[0].result, 'number');
    assert.deepEqual(r.json[1], {result: null,
      error: {code: -32601, message: 'Method not found'}, id: 2});

    // JSON-RPC 2.0 (Core 28+): errors come back with HTTP 200.
    r = await post('/', '{"jsonrpc":"2.0","id":7,"method":"nosuch"}');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json, {jsonrpc: '2.0',
      error: {code: -32601, message: 'Method not found'}, id: 7});
    r = await post('/', '{"jsonrpc":"2.0","id":8,"method":"getblockcount"}');
    assert.deepEqual(Object.keys(r.json), ['jsonrpc', 'result', 'id']);

    // Named parameters.
    r = await post(BITSLOT, JSON.stringify({jsonrpc: '1.0', id: 'n',
      method: 'getreceivedbyaddress', params: {address: minerAddr}}));
    assert.equal(r.status, 500);
    assert.equal(r.json.error.code, -4);

    const get = await fetch(base + '/', {headers: {Authorization: auth}});
    assert.equal(get.status, 405);
    await get.text();
  });

  it('refuses a second node on the same port', async () => {
    const second = spawn(SCRIPT, [String(port)], {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    let err = '';
    second.stdout.on('data', (d) => {
      out += d;
    });
    second.stderr.on('data', (d) => {
      err += d;
    });
    const code = await new Promise(resolve => second.once('exit', resolve));
    assert.equal(code, 1);
    assert.equal(out, '');
    assert.match(err, /^regtest-node: .*address already in use\n$/);
  });

  it('exits 0 promptly on SIGTERM', async () => {
    const start = Date.now();
    const exited = new Promise(resolve => child.once('exit', (code, sig) => {
      resolve({code, sig});
    }));
    child.kill('SIGTERM');
    const {code, sig} = await exited;
    assert.equal(sig, null);
    assert.equal(code, 0);
    assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
    await assert.rejects(fetch(base + '/', {method: 'POST', body: '{}'}));
  });
});

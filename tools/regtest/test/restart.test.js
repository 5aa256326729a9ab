'use strict';

// tools/regtest-node with REGTEST_DATA_DIR: the chain and every wallet (the
// miner's, a watch-only deposit wallet with imports, a payout wallet with
// keys) survive a stop (SIGTERM, then SIGKILL) and a start on the same port
// and directory: the same blocks, balances, received amounts, labels and
// loaded wallets, and the coins still spend and the imports still see new
// payments; the mempool is kept. Run with `cd tools/regtest && node --test test/`.

const {describe, it, before, after} = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const {externalKey, startNode} = require('../testlib');

const MINER = '/wallet/miner';
const BITSLOT = '/wallet/bitslot';
const PAYOUT = '/wallet/payout';

describe('tools/regtest-node on a data directory', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regtest-restart-'));
  const env = {REGTEST_DATA_DIR: dir, REGTEST_RPC_PASSWORD: 'restart-pw'};
  let n = null;
  const W = externalKey().p2wpkh;
  const P = externalKey().p2pkh;
  let payoutAddr = null;
  let minerAddr = null;

  // Everything a restart must keep, read the way bitslot reads it.
  async function snapshot() {
    return {
      blocks: await n.ok('/', 'getblockcount'),
      best: await n.ok('/', 'getbestblockhash'),
      wallets: await n.ok('/', 'listwallets'),
      miner: (await n.ok(MINER, 'getbalances')).mine,
      bitslot: (await n.ok(BITSLOT, 'getbalances')).mine,
      payout: (await n.ok(PAYOUT, 'getbalances')).mine,
      receivedW: await n.ok(BITSLOT, 'getreceivedbyaddress', [W]),
      receivedP: await n.ok(BITSLOT, 'getreceivedbyaddress', [P, 0]),
      listed: await n.ok(BITSLOT, 'listreceivedbyaddress', [0, true, true]),
      payoutReceived: await n.ok(PAYOUT, 'getreceivedbyaddress',
        [payoutAddr]),
      payoutInfo: await n.ok(PAYOUT, 'getaddressinfo', [payoutAddr]),
      minerTxs: (await n.ok(MINER, 'listtransactions', ['*', 1000])).length
    };
  }

  async function restart(signal) {
    const port = n.port;
    const exited = new Promise(r => n.child.once('exit', r));
    n.child.kill(signal);
    await exited;
    n = await startNode({port, env});
  }

  before(async () => {
    n = await startNode({env});
  });

  after(async () => {
    if (n)
      n.stop();
    fs.rmSync(dir, {recursive: true, force: true});
  });

  it('keeps chain and wallets across SIGTERM and SIGKILL', async () => {
    const {ok} = n;
    assert.equal(await ok('/', 'getblockcount'), 101);
    minerAddr = await ok(MINER, 'getnewaddress');
    assert.deepEqual(await ok('/', 'createwallet', ['bitslot', true]),
      {name: 'bitslot'});
    assert.deepEqual(await ok('/', 'createwallet', ['payout']),
      {name: 'payout'});
    assert.equal(await ok(BITSLOT, 'importaddress', [W, 'deposit', false]),
      null);
    assert.equal(await ok(BITSLOT, 'importaddress', [P, '', false]), null);
    payoutAddr = await ok(PAYOUT, 'getnewaddress', ['paid']);
    await ok(MINER, 'sendtoaddress', [W, 1.5]);
    await ok(MINER, 'sendtoaddress', [payoutAddr, 0.7]);
    await ok('/', 'generatetoaddress', [1, minerAddr]);
    await ok(MINER, 'sendtoaddress', [P, 0.25]);
    await ok('/', 'generatetoaddress', [1, minerAddr]);

    const before = await snapshot();
    assert.equal(before.blocks, 103);
    assert.deepEqual(before.wallets, ['miner', 'bitslot', 'payout']);
    assert.equal(before.receivedW, 1.5);
    assert.equal(before.receivedP, 0.25);
    assert.equal(before.payout.trusted, 0.7);
    assert.equal(before.payoutInfo.labels[0], 'paid');
    assert.equal(before.listed.length, 2);

    await restart('SIGTERM');
    assert.deepEqual(await snapshot(), before);

    // The restarted node spends old coins and its imports see new payments.
    await n.ok(PAYOUT, 'sendtoaddress', [W, 0.2]);
    await n.ok('/', 'generatetoaddress', [1, minerAddr]);
    assert.equal(await n.ok(BITSLOT, 'getreceivedbyaddress', [W]), 1.7);
    // An unconfirmed tx: back in the mempool after SIGKILL.
    const pending = await n.ok(MINER, 'sendtoaddress', [P, 0.05]);
    const later = await snapshot();
    assert.equal(later.receivedP, 0.3);
    assert.equal(later.blocks, 104);
    assert.ok(later.payout.trusted > 0.49 && later.payout.trusted < 0.5,
      `payout balance ${later.payout.trusted}`);

    await restart('SIGKILL');
    assert.deepEqual(await snapshot(), later);
    assert.deepEqual(await n.ok('/', 'getrawmempool'), [pending]);
    // createwallet of a wallet that came back is refused as in Core.
    await n.fails('/', 'createwallet', ['payout'], 500, -4);
  });
});

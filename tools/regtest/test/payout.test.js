'use strict';

// End-to-end check of the calls bitslot's withdrawals ("payouts") make on a
// funded, spending wallet of tools/regtest-node, asserted as Bitcoin Core 27
// answers them: createrawtransaction, fundrawtransaction with lockUnspents,
// signrawtransactionwithwallet, sendrawtransaction (again, after a drop from
// the mempool, after confirmation), gettransaction, getmempoolentry,
// decoderawtransaction, lock(list)unspent, and the test-only
// x_dropmempooltx. Amounts are checked in satoshis against the raw hex,
// parsed here without bcoin. Run with
//   cd tools/regtest && node --test test/

const {describe, it, before, after} = require('node:test');
const assert = require('node:assert/strict');
const {externalKey, startNode} = require('../testlib');

const MINER = '/wallet/miner';
const PAYOUT = '/wallet/payout';

// A raw transaction read without bcoin: values in satoshis (BigInt).
function parseTx(hex) {
  const b = Buffer.from(hex, 'hex');
  let o = 0;
  const u8 = () => b[o++];
  const varint = () => {
    const n = u8();
    if (n < 0xfd)
      return n;
    const size = n === 0xfd ? 2 : n === 0xfe ? 4 : 8;
    const v = Number(b.readUIntLE(o, Math.min(size, 6)));
    o += size;
    return v;
  };
  const bytes = (n) => {
    const s = b.subarray(o, o + n);
    o += n;
    return s;
  };
  const version = b.readUInt32LE(o);
  o += 4;
  let witness = false;
  if (b[o] === 0 && b[o + 1] === 1) {
    witness = true;
    o += 2;
  }
  const vin = [];
  for (let n = varint(); n > 0; n--) {
    const txid = Buffer.from(bytes(32)).reverse().toString('hex');
    const vout = b.readUInt32LE(o);
    o += 4;
    const script = bytes(varint()).toString('hex');
    const sequence = b.readUInt32LE(o);
    o += 4;
    vin.push({txid, vout, script, sequence});
  }
  const vout = [];
  for (let n = varint(); n > 0; n--) {
    const value = b.readBigUInt64LE(o);
    o += 8;
    vout.push({value, script: bytes(varint()).toString('hex')});
  }
  if (witness) {
    for (const input of vin) {
      input.witness = [];
      for (let n = varint(); n > 0; n--)
        input.witness.push(bytes(varint()).toString('hex'));
    }
  }
  const locktime = b.readUInt32LE(o);
  o += 4;
  assert.equal(o, b.length, 'the whole hex is one transaction');
  return {version, vin, vout, locktime};
}

const sats = btc => Math.round(btc * 1e8);

describe('tools/regtest-node: the payout wallet (Core 27 raw tx calls)', () => {
  let n = null;
  let call = null;
  let ok = null;
  let fails = null;
  let post = null;
  let minerAddr = null;
  let fundedWith = null; // the payout wallet's one coin: {txid, vout}

  // A raw JSON-RPC body, so that amounts go out as written (0.20000000).
  async function raw(route, body) {
    const r = await post(route, body);
    assert.equal(r.status, 200, r.text);
    return r.json.result;
  }

  before(async () => {
    n = await startNode();
    ({call, ok, fails, post} = n);
    minerAddr = await ok(MINER, 'getnewaddress');
  });

  after(() => {
    if (n)
      n.stop();
  });

  it('createwallet NAME makes a spending wallet; loadwallet answers as Core',
    async () => {
      assert.deepEqual(await ok('/', 'createwallet', ['payout']),
        {name: 'payout'});
      const info = await ok(PAYOUT, 'getwalletinfo');
      assert.equal(info.private_keys_enabled, true);
      await fails('/', 'loadwallet', ['payout'], 500, -35,
        'Wallet "payout" is already loaded.');
      await fails('/', 'createwallet', ['payout'], 500, -4,
        'Wallet payout already exists.');
    });

  it('is funded from the miner and its coins are spendable', async () => {
    const addr = await ok(PAYOUT, 'getnewaddress');
    assert.match(addr, /^bcrt1q/);
    const txid = await ok(MINER, 'sendtoaddress', [addr, 1]);
    let b = await ok(PAYOUT, 'getbalances');
    assert.equal(b.mine.untrusted_pending, 1);
    assert.equal(b.mine.trusted, 0);
    const [hash] = await ok('/', 'generatetoaddress', [1, minerAddr]);
    b = await ok(PAYOUT, 'getbalances');
    assert.deepEqual(b.mine, {trusted: 1, untrusted_pending: 0, immature: 0});
    assert.equal(b.lastprocessedblock.hash, hash);
    const r = await call(PAYOUT, 'getbalance');
    assert.equal(r.text, '{"result":1.00000000,"error":null,"id":"t"}\n');
    const coins = await ok(PAYOUT, 'listunspent');
    assert.equal(coins.length, 1);
    assert.equal(coins[0].txid, txid);
    fundedWith = {txid: coins[0].txid, vout: coins[0].vout};
  });

  it('createrawtransaction refuses bad outputs with Core\'s errors',
    async () => {
      const {p2wpkh: W} = externalKey();
      const upper = W.toUpperCase();
      await fails('/', 'createrawtransaction', [[], [{notanaddress: 0.1}]],
        500, -5, 'Invalid Bitcoin address: notanaddress');
      await fails('/', 'createrawtransaction',
        [[], {'1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH': 0.1}], 500, -5,
        'Invalid Bitcoin address: 1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH');
      await fails('/', 'createrawtransaction', [[], [{[W]: 0.1}, {[W]: 0.2}]],
        500, -8, `Invalid parameter, duplicated address: ${W}`);
      await fails('/', 'createrawtransaction', [[], {[W]: 0.1, [upper]: 0.2}],
        500, -8, `Invalid parameter, duplicated address: ${upper}`);
      await fails('/', 'createrawtransaction', [[], [{[W]: -1}]], 500, -3,
        'Amount out of range');
      await fails('/', 'createrawtransaction', [[], [{[W]: 21000001}]], 500,
        -3, 'Amount out of range');
      await fails('/', 'createrawtransaction', [[], [{[W]: 0.123456789}]],
        500, -3, 'Invalid amount');
      await fails('/', 'createrawtransaction', [[], [{[W]: 'x'}]], 500, -3,
        'Invalid amount');
      await fails('/', 'createrawtransaction', [[], [{[W]: true}]], 500, -3,
        'Amount is not a number or string');
      await fails('/', 'createrawtransaction', [[], [{[W]: 1, x: 2}]], 500,
        -8, 'Invalid parameter, key-value pair must contain exactly one key');
      await fails('/', 'createrawtransaction', [[], ['x']], 500, -8,
        'Invalid parameter, key-value pair not an object as expected');
      await fails('/', 'createrawtransaction', [[], 'x'], 500, -3,
        'JSON value of type string is not of expected type array');
      await fails('/', 'createrawtransaction', [[{txid: 'ab', vout: 0}], {}],
        500, -8, 'txid must be of length 64 (not 2, for \'ab\')');
    });

  it('refuses to fund from an empty wallet: Insufficient funds', async () => {
    await ok('/', 'createwallet', ['empty']);
    const rawtx = await ok('/', 'createrawtransaction',
      [[], [{[externalKey().p2wpkh]: 0.1}]]);
    await fails('/wallet/empty', 'fundrawtransaction', [rawtx], 500, -4,
      'Insufficient funds');
    // More than the payout wallet holds, too.
    const big = await ok('/', 'createrawtransaction',
      [[], [{[externalKey().p2wpkh]: 2}]]);
    await fails(PAYOUT, 'fundrawtransaction', [big], 500, -4,
      'Insufficient funds');
    assert.deepEqual(await ok(PAYOUT, 'listlockunspent'), []);
  });

  it('pays two outputs: fund and lock, sign, send, resend, drop, resend, '
    + 'confirm', async () => {
    const w = externalKey();
    const p = externalKey();
    const W = w.p2wpkh;
    const P = p.p2pkh;
    assert.match(W, /^bcrt1q/);
    assert.match(P, /^[mn]/);

    // createrawtransaction, array form, amounts written with 8 decimals;
    // the same on a wallet path and in the object form.
    const body = `{"jsonrpc":"1.0","id":"t","method":"createrawtransaction",`
      + `"params":[[],[{"${W}":0.20000000},{"${P}":0.30000000}]]}`;
    const rawtx = await raw('/', body);
    assert.equal(await raw(PAYOUT, body), rawtx);
    assert.equal(await ok('/', 'createrawtransaction',
      [[], {[W]: '0.2', [P]: 0.3}]), rawtx);
    const plain = parseTx(rawtx);
    assert.equal(plain.version, 2);
    assert.deepEqual(plain.vin, []);
    assert.deepEqual(plain.vout.map(o => o.value), [20000000n, 30000000n]);

    const dec = await call('/', 'decoderawtransaction', [rawtx]);
    assert.match(dec.text, /"vout":\[\{"value":0\.20000000,"n":0,/);
    assert.match(dec.text, /\{"value":0\.30000000,"n":1,/);
    const d = dec.json.result;
    assert.deepEqual(d.vin, []);
    assert.equal(d.vout[0].scriptPubKey.address, W);
    assert.equal(d.vout[0].scriptPubKey.type, 'witness_v0_keyhash');
    assert.equal(d.vout[1].scriptPubKey.address, P);
    assert.equal(d.vout[1].scriptPubKey.type, 'pubkeyhash');
    assert.match(d.vout[1].scriptPubKey.asm,
      /^OP_DUP OP_HASH160 [0-9a-f]{40} OP_EQUALVERIFY OP_CHECKSIG$/);
    assert.equal(d.vout[0].scriptPubKey.hex, plain.vout[0].script);
    assert.match(d.vout[0].scriptPubKey.desc,
      new RegExp(`^addr\\(${W}\\)#[a-z0-9]{8}$`));

    // fundrawtransaction: the wallet's one coin, locked, change to a new
    // address of the wallet.
    const funded = await ok(PAYOUT, 'fundrawtransaction',
      [rawtx, {lockUnspents: true}]);
    assert.deepEqual(Object.keys(funded), ['hex', 'fee', 'changepos']);
    const ftx = parseTx(funded.hex);
    assert.deepEqual(ftx.vin.map(i => ({txid: i.txid, vout: i.vout})),
      [fundedWith]);
    assert.equal(ftx.vout.length, 3);
    assert.ok(funded.changepos >= 0 && funded.changepos <= 2);
    const change = ftx.vout[funded.changepos];
    const pays = ftx.vout.filter((o, i) => i !== funded.changepos);
    assert.deepEqual(pays.map(o => o.value), [20000000n, 30000000n]);
    const fee = sats(funded.fee);
    assert.ok(fee > 0 && fee < 100000, `fee ${fee}`);
    assert.equal(100000000n - 50000000n - change.value, BigInt(fee));
    const changeAddr = (await ok('/', 'decoderawtransaction', [funded.hex]))
      .vout[funded.changepos].scriptPubKey.address;
    const info = await ok(PAYOUT, 'getaddressinfo', [changeAddr]);
    assert.equal(info.ismine, true);
    assert.equal(info.ischange, true);
    assert.deepEqual(await ok(PAYOUT, 'listlockunspent'), [fundedWith]);

    // The locked coin is not picked again, nor locked twice.
    await fails(PAYOUT, 'fundrawtransaction', [rawtx], 500, -4,
      'Insufficient funds');
    await fails(PAYOUT, 'lockunspent', [false, [fundedWith]], 500, -8,
      'Invalid parameter, output already locked');

    // signrawtransactionwithwallet: Core's two fields when complete.
    const signed = await ok(PAYOUT, 'signrawtransactionwithwallet',
      [funded.hex]);
    assert.deepEqual(Object.keys(signed), ['hex', 'complete']);
    assert.equal(signed.complete, true);
    const stx = parseTx(signed.hex);
    assert.equal(stx.vin[0].witness.length, 2);
    assert.deepEqual(stx.vout, ftx.vout);

    // sendrawtransaction, and again: the same txid, no error.
    const txid = await ok('/', 'sendrawtransaction', [signed.hex]);
    assert.equal(txid,
      (await ok('/', 'decoderawtransaction', [signed.hex])).txid);
    assert.equal(await ok('/', 'sendrawtransaction', [signed.hex]), txid);
    assert.ok((await ok('/', 'getrawmempool')).includes(txid));
    const me = await ok('/', 'getmempoolentry', [txid]);
    assert.equal(sats(me.fees.base), fee);
    assert.equal(me['bip125-replaceable'], true);

    // Core unlocks a coin once a wallet tx spends it.
    assert.deepEqual(await ok(PAYOUT, 'listlockunspent'), []);
    await fails(PAYOUT, 'lockunspent', [true, [fundedWith]], 500, -8,
      'Invalid parameter, expected unspent output');

    let tx = await ok(PAYOUT, 'gettransaction', [txid]);
    assert.equal(tx.amount, -0.5);
    assert.equal(sats(tx.fee), -fee);
    assert.equal(tx.confirmations, 0);
    assert.equal(tx.trusted, true);
    assert.equal(tx.txid, txid);
    assert.equal(tx.hex, signed.hex);
    assert.equal(typeof tx.time, 'number');
    assert.equal(tx['bip125-replaceable'], 'yes');
    assert.equal(tx.blockhash, undefined);
    const wIdx = ftx.vout.findIndex(o => o.value === 20000000n);
    const pIdx = ftx.vout.findIndex(o => o.value === 30000000n);
    assert.deepEqual(tx.details, [
      {address: W, category: 'send', amount: -0.2, vout: wIdx,
        fee: -fee / 1e8, abandoned: false},
      {address: P, category: 'send', amount: -0.3, vout: pIdx,
        fee: -fee / 1e8, abandoned: false}
    ].sort((x, y) => x.vout - y.vout));
    let b = await ok(PAYOUT, 'getbalances');
    assert.equal(sats(b.mine.trusted), Number(change.value));

    // Dropped from the mempool (test-only): the wallet keeps the tx and
    // its inputs stay spent; the change is no longer trusted.
    assert.equal(await ok('/', 'x_dropmempooltx', [txid]), true);
    assert.ok(!(await ok('/', 'getrawmempool')).includes(txid));
    await fails('/', 'getmempoolentry', [txid], 500, -5,
      'Transaction not in mempool');
    await fails('/', 'x_dropmempooltx', [txid], 500, -5,
      'Transaction not in mempool');
    tx = await ok(PAYOUT, 'gettransaction', [txid]);
    assert.equal(tx.confirmations, 0);
    assert.equal(tx.trusted, false);
    b = await ok(PAYOUT, 'getbalances');
    assert.deepEqual(b.mine, {trusted: 0, untrusted_pending: 0, immature: 0});
    await fails(PAYOUT, 'fundrawtransaction', [rawtx], 500, -4,
      'Insufficient funds');

    // The same hex puts it back; sent by two at once, both get the txid
    // (Core checks and adds under one lock).
    assert.deepEqual(await Promise.all([
      ok('/', 'sendrawtransaction', [signed.hex]),
      ok('/', 'sendrawtransaction', [signed.hex])]), [txid, txid]);
    assert.ok((await ok('/', 'getrawmempool')).includes(txid));
    assert.equal((await ok(PAYOUT, 'gettransaction', [txid])).trusted, true);

    // One block: confirmed once, the amounts exact in satoshis.
    const [hash] = await ok('/', 'generatetoaddress', [1, minerAddr]);
    const height = await ok('/', 'getblockcount');
    tx = await ok(PAYOUT, 'gettransaction', [txid]);
    assert.equal(tx.confirmations, 1);
    assert.equal(tx.blockhash, hash);
    assert.equal(tx.blockheight, height);
    assert.equal(tx.blockindex, 1);
    assert.equal(tx.trusted, undefined);
    const mined = parseTx(tx.hex);
    const wOut = mined.vout.find(o => o.script === `0014${w.hash}`);
    const pOut = mined.vout.find(o => o.script === `76a914${p.hash}88ac`);
    assert.equal(wOut.value, 20000000n);
    assert.equal(pOut.value, 30000000n);
    b = await ok(PAYOUT, 'getbalances');
    assert.deepEqual(b.mine, {trusted: Number(change.value) / 1e8,
      untrusted_pending: 0, immature: 0});

    // A watch-only wallet sees both payments (one rescan for both: a
    // second import finding a tx the wallet already has is a known bcoin
    // limitation, see README).
    await ok('/', 'createwallet', ['oracle', true]);
    assert.deepEqual(await ok('/wallet/oracle', 'importdescriptors', [[
      {desc: `addr(${W})`, timestamp: 0}, {desc: `addr(${P})`, timestamp: 0}
    ]]), [{success: true}, {success: true}]);
    assert.equal(await ok('/wallet/oracle', 'getreceivedbyaddress', [W]), 0.2);
    assert.equal(await ok('/wallet/oracle', 'getreceivedbyaddress', [P]), 0.3);

    // Sent again after confirmation: Core 27's -27.
    await fails('/', 'sendrawtransaction', [signed.hex], 500, -27,
      'Transaction already in block chain');
  });

  it('sendrawtransaction answers Core\'s errors', async () => {
    for (const bad of ['zz', '00', '', '0200000001']) {
      await fails('/', 'sendrawtransaction', [bad], 500, -22,
        'TX decode failed. Make sure the tx has at least one input.');
      await fails(PAYOUT, 'signrawtransactionwithwallet', [bad], 500, -22,
        'TX decode failed. Make sure the tx has at least one input.');
      await fails('/', 'decoderawtransaction', [bad], 500, -22,
        'TX decode failed');
      await fails(PAYOUT, 'fundrawtransaction', [bad], 500, -22,
        'TX decode failed');
    }

    // Inputs that do not exist: incomplete signing, then -25.
    const nowhere = 'ab'.repeat(32);
    const orphan = await ok('/', 'createrawtransaction',
      [[{txid: nowhere, vout: 0}], [{[externalKey().p2wpkh]: 0.1}]]);
    const s = await ok(PAYOUT, 'signrawtransactionwithwallet', [orphan]);
    assert.equal(s.complete, false);
    assert.deepEqual(s.errors, [{txid: nowhere, vout: 0, witness: [],
      scriptSig: '', sequence: 4294967295,
      error: 'Input not found or already spent'}]);
    await fails('/', 'sendrawtransaction', [orphan], 500, -25,
      'bad-txns-inputs-missingorspent');
    assert.ok(!(await ok('/', 'getrawmempool')).includes(
      (await ok('/', 'decoderawtransaction', [orphan])).txid));

    // Spending what a mempool tx spends (that does not signal BIP 125).
    const coin = (await ok(PAYOUT, 'listunspent'))[0];
    const first = await ok('/', 'createrawtransaction',
      [[], [{[externalKey().p2wpkh]: 0.01}]]);
    const fa = await ok(PAYOUT, 'fundrawtransaction',
      [first, {replaceable: false}]);
    const a = parseTx(fa.hex);
    assert.deepEqual(a.vin.map(i => i.txid), [coin.txid]);
    assert.equal(a.vin[0].sequence, 0xfffffffe);
    const sa = await ok(PAYOUT, 'signrawtransactionwithwallet', [fa.hex]);
    const ta = await ok('/', 'sendrawtransaction', [sa.hex]);
    assert.equal((await ok(PAYOUT, 'gettransaction', [ta]))[
      'bip125-replaceable'], 'no');
    const second = await ok('/', 'createrawtransaction',
      [[{txid: coin.txid, vout: coin.vout}],
        [{[externalKey().p2wpkh]: 0.001}]]);
    const sb = await ok(PAYOUT, 'signrawtransactionwithwallet', [second]);
    assert.equal(sb.complete, true);
    // Its fee is absurd: refused unless maxfeerate is 0 (then: conflict).
    await fails('/', 'sendrawtransaction', [sb.hex], 500, -25,
      'Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)');
    await fails('/', 'sendrawtransaction', [sb.hex, 0], 500, -26,
      'txn-mempool-conflict');

    // Other policy refusals: -26 with the reason (a dust output).
    await ok('/', 'generatetoaddress', [1, minerAddr]);
    const change = (await ok(PAYOUT, 'listunspent'))[0];
    const dust = await ok('/', 'createrawtransaction',
      [[{txid: change.txid, vout: change.vout}],
        [{[externalKey().p2wpkh]: 0.00000100},
          {[externalKey().p2wpkh]:
            ((sats(change.amount) - 10000) / 1e8).toFixed(8)}]]);
    const sd = await ok(PAYOUT, 'signrawtransactionwithwallet', [dust]);
    assert.equal(sd.complete, true);
    await fails('/', 'sendrawtransaction', [sd.hex], 500, -26, 'dust');
    // fundrawtransaction refuses a dust output itself.
    const tiny = await ok('/', 'createrawtransaction',
      [[], [{[externalKey().p2wpkh]: 0.00000100}]]);
    await fails(PAYOUT, 'fundrawtransaction', [tiny], 500, -4,
      'Transaction amount too small');
  });

  it('fundrawtransaction takes Core\'s options', async () => {
    const rawtx = await ok('/', 'createrawtransaction',
      [[], [{[externalKey().p2wpkh]: 0.01}, {[externalKey().p2pkh]: 0.02}]]);
    let f = await ok(PAYOUT, 'fundrawtransaction', [rawtx,
      {changePosition: 0}]);
    assert.equal(f.changepos, 0);
    let t = parseTx(f.hex);
    assert.deepEqual(t.vout.slice(1).map(o => o.value), [1000000n, 2000000n]);

    const mine = await ok(PAYOUT, 'getnewaddress', ['', 'legacy']);
    f = await ok(PAYOUT, 'fundrawtransaction', [rawtx,
      {changeAddress: mine, changePosition: 2, feeRate: 0.0001}]);
    assert.equal(f.changepos, 2);
    const d = await ok('/', 'decoderawtransaction', [f.hex]);
    assert.equal(d.vout[2].scriptPubKey.address, mine);
    const s = await ok(PAYOUT, 'signrawtransactionwithwallet', [f.hex]);
    const vsize = (await ok('/', 'decoderawtransaction', [s.hex])).vsize;
    const fee = sats(f.fee);
    assert.ok(Math.abs(fee - 10 * vsize) <= 30, `fee ${fee}, vsize ${vsize}`);

    // A legacy-only payment gets legacy change (Core's change type rule).
    const legacy = await ok('/', 'createrawtransaction',
      [[], [{[externalKey().p2pkh]: 0.01}]]);
    f = await ok(PAYOUT, 'fundrawtransaction', [legacy]);
    t = await ok('/', 'decoderawtransaction', [f.hex]);
    assert.equal(t.vout[f.changepos].scriptPubKey.type, 'pubkeyhash');

    await fails(PAYOUT, 'fundrawtransaction', [rawtx, {nosuch: 1}], 500, -3,
      'Unexpected key nosuch');
    await fails(PAYOUT, 'fundrawtransaction', [rawtx, {lockUnspents: 'yes'}],
      500, -3, 'JSON value of type string for field lockUnspents is not of '
        + 'expected type bool');
    await fails(PAYOUT, 'fundrawtransaction', [rawtx, {changePosition: 3}],
      500, -8, 'changePosition out of bounds');
    await fails(PAYOUT, 'fundrawtransaction',
      [rawtx, {feeRate: 0.0001, fee_rate: 10}], 500, -8,
      'Cannot specify both fee_rate (sat/vB) and feeRate (BTC/kvB)');
    await fails(PAYOUT, 'fundrawtransaction',
      [rawtx, {changeAddress: 'nope'}], 500, -5,
      'Change address must be a valid bitcoin address');
    await fails(PAYOUT, 'fundrawtransaction',
      ['02000000000000000000'], 500, -8, 'TX must have at least one output');
    // Nothing above locked anything.
    assert.deepEqual(await ok(PAYOUT, 'listlockunspent'), []);
  });

  it('lockunspent and listlockunspent check as Core does', async () => {
    const coin = (await ok(PAYOUT, 'listunspent'))[0];
    const o = {txid: coin.txid, vout: coin.vout};
    assert.equal(await ok(PAYOUT, 'lockunspent', [false, [o]]), true);
    assert.deepEqual(await ok(PAYOUT, 'listlockunspent'), [o]);
    await fails(PAYOUT, 'lockunspent', [false, [o]], 500, -8,
      'Invalid parameter, output already locked');
    assert.equal(await ok(PAYOUT, 'lockunspent', [true]), true);
    assert.deepEqual(await ok(PAYOUT, 'listlockunspent'), []);
    await fails(PAYOUT, 'lockunspent', [true, [o]], 500, -8,
      'Invalid parameter, expected locked output');
    await fails(PAYOUT, 'lockunspent', [false, [{txid: 'cd'.repeat(32),
      vout: 0}]], 500, -8, 'Invalid parameter, unknown transaction');
    await fails(PAYOUT, 'lockunspent', [false, [{txid: o.txid, vout: 99}]],
      500, -8, 'Invalid parameter, vout index out of bounds');
    await fails(PAYOUT, 'lockunspent', [false, [{txid: o.txid, vout: -1}]],
      500, -8, 'Invalid parameter, vout cannot be negative');
    await fails(PAYOUT, 'lockunspent', [false, [{txid: o.txid}]], 500, -3,
      'Missing vout');
  });

  it('gettransaction and getmempoolentry refuse bad txids', async () => {
    await fails(PAYOUT, 'gettransaction', ['ef'.repeat(32)], 500, -5,
      'Invalid or non-wallet transaction id');
    await fails(PAYOUT, 'gettransaction', ['abc'], 500, -8,
      'txid must be of length 64 (not 3, for \'abc\')');
    await fails(PAYOUT, 'gettransaction', ['z'.repeat(64)], 500, -8,
      `txid must be hexadecimal string (not '${'z'.repeat(64)}')`);
    await fails('/', 'getmempoolentry', ['ef'.repeat(32)], 500, -5,
      'Transaction not in mempool');
    await fails('/', 'getmempoolentry', ['abc'], 500, -8,
      'parameter 1 must be of length 64 (not 3, for \'abc\')');
    await fails(PAYOUT, 'signrawtransactionwithwallet',
      ['02000000000000000000', [], 'EVERYTHING'], 500, -8,
      '\'EVERYTHING\' is not a valid sighash parameter.');
  });
});

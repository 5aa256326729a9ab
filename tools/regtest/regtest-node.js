#!/usr/bin/env node
/*
 * regtest-node.js - bitslot's test bitcoin node.
 *
 * Runs bcoin 1.0.2 in-process (full node, regtest, in memory unless given
 * --data-dir, no P2P, no workers) and serves ONE HTTP port on 127.0.0.1 that answers the way
 * Bitcoin Core's JSON-RPC server does: basic auth, "/" and "/wallet/<name>",
 * Core's HTTP statuses and error shapes, Core's regtest address encodings,
 * and Core's parameters and defaults for the methods bitslot uses.
 *
 * Usage: node regtest-node.js --port=N [--miner=NAME] [--blocks=N]
 *        [--data-dir=DIR]
 * With --data-dir the chain (DIR/node) and wallets (DIR/wallet, plus
 * DIR/wallets.log for what bcoin does not keep) are on disk: a start on the
 * same DIR, after SIGTERM or SIGKILL, loads every wallet again (as Core does
 * for wallets in its settings) and does not fund the miner again. The
 * mempool is kept too (DIR/node/regtest/mempool, as Core's mempool.dat).
 * Environment: REGTEST_RPC_USER, REGTEST_RPC_PASSWORD, REGTEST_LOG_LEVEL.
 *
 * stdout carries exactly one line, "READY <url>", once the node answers and
 * the miner wallet (if asked for) holds mature coins. Logs go to stderr.
 *
 * Core's transaction formats (hex, decoderawtransaction, asm, descriptors)
 * are in coreformat.js. One method is not Core's and exists for tests only:
 * x_dropmempooltx TXID forgets a mempool tx as a restart would.
 */

'use strict';

const http = require('http');
const crypto = require('crypto');
const util = require('util');
const fs = require('fs');
const path = require('path');
const os = require('os');

const COIN = 100000000;
const MAX_MONEY = 21000000 * COIN;
const COINBASE_MATURITY = 100;
const MAX_BODY = 32 * 1024 * 1024;

/*
 * Options
 */

function die(msg, code) {
  process.stderr.write(`regtest-node: ${msg}\n`);
  process.exit(code);
}

function parseArgs(argv) {
  const out = {};
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(.*)$/.exec(arg);
    if (!m)
      die(`unknown argument '${arg}' (use --port=N --miner=NAME --blocks=N `
        + '--data-dir=DIR)', 2);
    out[m[1]] = m[2];
  }
  return out;
}

const args = parseArgs(process.argv.slice(2));
const PORT = Number(args.port);
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535)
  die('--port=N (1..65535) is required', 2);

const RPC_USER = args.user || process.env.REGTEST_RPC_USER || 'regtest';
const RPC_PASSWORD = args.password || process.env.REGTEST_RPC_PASSWORD
  || crypto.randomBytes(16).toString('hex');
const MINER = args.miner != null ? args.miner : null;
const INIT_BLOCKS = args.blocks != null ? Number(args.blocks) : 101;
if (!Number.isInteger(INIT_BLOCKS) || INIT_BLOCKS < 0)
  die('--blocks=N must be a non-negative integer', 2);
const LOG_LEVEL = process.env.REGTEST_LOG_LEVEL || 'none';
// With a data directory the chain and the wallets live on disk there and
// survive a restart (SIGTERM or SIGKILL); without one, all is in memory.
const DATA_DIR = args['data-dir'] != null ? args['data-dir'] : null;
if (DATA_DIR !== null && DATA_DIR === '')
  die('--data-dir=DIR must name a directory', 2);

function logErr(...a) {
  if (LOG_LEVEL !== 'none')
    process.stderr.write(`regtest-node: ${util.format(...a)}\n`);
}

/*
 * bcoin, patched to look like Bitcoin Core's regtest.
 * The network object must be patched before bcoin builds it.
 */

const networks = require('bcoin/lib/protocol/networks');

Object.assign(networks.regtest.keyPrefix, {
  privkey: 0xef,
  xpubkey: 0x043587cf,
  xprivkey: 0x04358394,
  xpubkey58: 'tpub',
  xprivkey58: 'tprv',
  coinType: 1
});
Object.assign(networks.regtest.addressPrefix, {
  pubkeyhash: 0x6f,
  scripthash: 0xc4,
  bech32: 'bcrt'
});
// Core's regtest relays only standard transactions (dust is refused).
networks.regtest.requireStandard = true;

const bcoin = require('bcoin');
bcoin.set('regtest');

// On disk, bcoin's bdb 0.2 drives leveldown 6 (package.json's override)
// through its abstract interface and passes every unset range bound as
// null; leveldown 6 takes a null bound as a real one, so every range read
// found nothing (a wallet's coins, the chain's block hashes: an on-disk
// wallet saw its blocks yet held no coin). Unset bounds are left out.
{
  const bdbDir = path.dirname(require.resolve('bdb'));
  const leveldown = require(require.resolve('leveldown', {paths: [bdbDir]}));
  const proto = Object.getPrototypeOf(leveldown(os.tmpdir()));
  const iterator = proto.iterator;
  proto.iterator = function(options) {
    const o = Object.assign({}, options);
    for (const k of ['gt', 'gte', 'lt', 'lte']) {
      if (o[k] == null)
        delete o[k];
    }
    return iterator.call(this, o);
  };
}

const Logger = require('blgr');
const FullNode = require('bcoin/lib/node/fullnode');
const Chain = require('bcoin/lib/blockchain/chain');
const {thresholdStates} = require('bcoin/lib/blockchain/common');
const WalletDB = require('bcoin/lib/wallet/walletdb');
const NodeClient = require('bcoin/lib/wallet/nodeclient');
const WalletRPC = require('bcoin/lib/wallet/rpc');
const layout = require('bcoin/lib/wallet/layout').wdb;
const Address = require('bcoin/lib/primitives/address');
const Script = require('bcoin/lib/script/script');
const TX = require('bcoin/lib/primitives/tx');
const MTX = require('bcoin/lib/primitives/mtx');
const Input = require('bcoin/lib/primitives/input');
const Output = require('bcoin/lib/primitives/output');
const Coin = require('bcoin/lib/primitives/coin');
const Outpoint = require('bcoin/lib/primitives/outpoint');
const policy = require('bcoin/lib/protocol/policy');
const {hashType} = require('bcoin/lib/script/common');
const {
  Btc, btcText, descChecksum, decodeTx, encodeTx, txJSON
} = require('./coreformat');

// Core's regtest has CSV and segwit active from the start; bcoin's waits for
// BIP9 signalling (432 blocks). Report them active, so bech32 coins spend.
const getState = Chain.prototype.getState;
Chain.prototype.getState = async function(prev, deployment) {
  if (this.network.type === 'regtest'
      && (deployment.name === 'segwit' || deployment.name === 'csv')) {
    return thresholdStates.ACTIVE;
  }
  return getState.call(this, prev, deployment);
};

// bcoin 1.0.2 bug: the range ends at P.min(wid), so it always finds nothing
// (breaks bcoin's own listreceivedbyaddress, getaddressesbyaccount, ...).
WalletDB.prototype.getWalletPaths = async function(wid) {
  const Path = require('bcoin/lib/wallet/path');
  const items = await this.db.range({
    gte: layout.P.min(wid),
    lte: layout.P.max(wid)
  });
  const paths = [];
  for (const {key, value} of items) {
    const [, hash] = layout.P.parse(key);
    const path = Path.fromRaw(value);
    path.hash = hash;
    path.name = await this.getAccountName(wid, path.account);
    paths.push(path);
  }
  return paths;
};

/*
 * Amounts: satoshi integers inside, Core's "0.50000000" numbers outside.
 */

const MARK = `\u0000btc${crypto.randomBytes(4).toString('hex')}:`;
const MARK_RE = new RegExp(
  `"\\\\u0000${MARK.slice(1)}(-?[0-9]+\\.[0-9]{8})"`, 'g');

function encodeJSON(obj) {
  const s = JSON.stringify(obj, (k, v) => {
    return v instanceof Btc ? MARK + btcText(v.sats) : v;
  });
  return s.replace(MARK_RE, '$1');
}

// Core's AmountFromValue: a JSON number or a string, at most 8 decimals,
// exponent form allowed ("1e-8").
function parseAmount(v) {
  if (typeof v !== 'number' && typeof v !== 'string')
    throw new RpcError(-3, 'Amount is not a number or string');
  if (typeof v === 'number' && !Number.isFinite(v))
    throw new RpcError(-3, 'Invalid amount');
  const s = typeof v === 'number' ? String(v) : v;
  const m = /^(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?$/
    .exec(s);
  if (!m)
    throw new RpcError(-3, 'Invalid amount');
  const frac = m[3] || '';
  let digits = (m[2] + frac).replace(/^0+(?=.)/, '');
  let exp = Number(m[4] || '0') - frac.length + 8;
  if (digits.length > 18 || Math.abs(exp) > 40)
    throw new RpcError(-3, 'Invalid amount');
  let sats;
  if (exp >= 0) {
    sats = BigInt(digits) * 10n ** BigInt(exp);
  } else {
    const cut = -exp;
    const tail = digits.length > cut ? digits.slice(-cut)
      : digits.padStart(cut, '0');
    if (/[1-9]/.test(tail))
      throw new RpcError(-3, 'Invalid amount');
    digits = digits.length > cut ? digits.slice(0, -cut) : '0';
    sats = BigInt(digits);
  }
  if (m[1] === '-')
    sats = -sats;
  if (sats < 0n || sats > BigInt(MAX_MONEY))
    throw new RpcError(-3, 'Amount out of range');
  return Number(sats);
}

/*
 * Errors and parameters
 */

class RpcError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

function typeName(v) {
  if (v === null || v === undefined)
    return 'null';
  if (Array.isArray(v))
    return 'array';
  if (typeof v === 'boolean')
    return 'bool';
  return typeof v;
}

function expect(v, type) {
  if (typeName(v) !== type) {
    throw new RpcError(-3,
      `JSON value of type ${typeName(v)} is not of expected type ${type}`);
  }
  return v;
}

// Optional argument: null and absent both mean "use the default" (Core).
function opt(params, i, type, def) {
  const v = params[i];
  if (v === undefined || v === null)
    return def;
  return expect(v, type);
}

function req(params, i, type) {
  return expect(params[i], type);
}

function toError(err) {
  if (err instanceof RpcError)
    return err;
  switch (err && err.type) {
    case 'RPCError':
      return new RpcError(err.code, err.message);
    case 'ValidationError':
      return new RpcError(-3, err.message);
    case 'FundingError':
      return new RpcError(-6, 'Insufficient funds');
    case 'VerifyError':
      return new RpcError(-26, err.reason);
  }
  logErr('internal error: %s', err && err.stack ? err.stack : err);
  return new RpcError(-32603, String(err && err.message ? err.message : err));
}

/*
 * The node
 */

let node = null;
let wdb = null;
let network = null;
let ready = false;

const wallets = new Map(); // Core wallet name -> WalletEntry
const creating = new Set();
let walletSeq = 0;

// With a data directory, what Core keeps in its wallet files and bcoin
// does not (wallet names, address books, change scripts) is appended to
// DATA_DIR/wallets.log, one JSON record a line, before the call answers;
// a start replays it. A line torn by SIGKILL is the last one and is skipped.
const JOURNAL = DATA_DIR === null ? null : path.join(DATA_DIR, 'wallets.log');

function journal(record) {
  if (JOURNAL !== null)
    fs.appendFileSync(JOURNAL, `${JSON.stringify(record)}\n`);
}

async function replayJournal() {
  if (JOURNAL === null || !fs.existsSync(JOURNAL))
    return;
  for (const line of fs.readFileSync(JOURNAL, 'utf8').split('\n')) {
    let r;
    try {
      r = JSON.parse(line);
    } catch (e) {
      continue;
    }
    if (r.create != null) {
      const seq = Number(/^w(\d+)$/.exec(r.id)[1]);
      walletSeq = Math.max(walletSeq, seq);
      const wallet = await wdb.get(r.id);
      if (wallet)
        wallets.set(r.create, new WalletEntry(r.create, wallet, r.watchOnly));
      continue;
    }
    const entry = wallets.get(r.wallet);
    if (!entry)
      continue;
    if (r.book != null)
      entry.book.set(r.book, {address: r.address, label: r.label});
    else if (r.change != null)
      entry.change.add(r.change);
  }
}

class WalletEntry {
  constructor(name, wallet, watchOnly) {
    this.name = name;
    this.wallet = wallet;
    this.watchOnly = watchOnly;
    // Core's address book: script hex -> {address, label}, for addresses
    // handed out by getnewaddress or imported.
    this.book = new Map();
    // Scripts of change addresses made by fundrawtransaction (Core leaves
    // change out of gettransaction's details).
    this.change = new Set();
    this.rpc = null;
  }

  bcoinRPC() {
    if (!this.rpc) {
      this.rpc = new WalletRPC({
        wdb, network, logger: node.logger, client: wdb.client
      });
      this.rpc.on('error', () => {});
      this.rpc.wallet = this.wallet;
    }
    return this.rpc;
  }
}

function makeLogger() {
  const logger = new Logger();
  logger.writeConsole = function(level, module, a) {
    if (!this.console)
      return false;
    const name = Logger.levelsByVal[level];
    process.stderr.write(
      `[${name}] ${module ? `(${module}) ` : ''}${util.format(...a)}\n`);
    return true;
  };
  return logger;
}

async function openNode() {
  // On disk the mempool is kept too, as Core keeps its mempool.dat across
  // a restart (bcoin writes it as it changes: SIGKILL keeps it as well).
  const disk = DATA_DIR === null ? {memory: true} : {
    memory: false,
    prefix: path.join(DATA_DIR, 'node'),
    persistentMempool: true
  };
  if (DATA_DIR !== null)
    fs.mkdirSync(path.join(DATA_DIR, 'node'), {recursive: true});
  node = new FullNode({
    network: 'regtest',
    ...disk,
    logFile: false,
    workers: false,
    listen: false,
    logger: makeLogger(),
    logConsole: LOG_LEVEL !== 'none',
    logLevel: LOG_LEVEL === 'none' ? 'error' : LOG_LEVEL,
    indexTX: true,
    indexAddress: true,
    // Core's mempool takes transactions that signal BIP 125 (its wallet
    // makes them by default); bcoin's refuses version-1 ones without this.
    replaceByFee: true
  });
  network = node.network;

  // One port only: bcoin's own HTTP servers never listen. The pool is opened
  // but never connected, so there is no outbound P2P traffic either.
  node.http.open = async () => {};
  node.http.close = async () => {};

  wdb = new WalletDB({
    network,
    logger: node.logger,
    client: new NodeClient(node),
    ...(DATA_DIR === null ? {memory: true} : {
      memory: false,
      location: path.join(DATA_DIR, 'wallet')
    }),
    witness: false
  });
  wdb.on('error', err => logErr('walletdb: %s', err.message));

  if (DATA_DIR !== null)
    await node.ensure();
  await node.open();
  await wdb.open();
  await settleWallets();
  await replayJournal();
}

// Bcoin hands blocks and mempool txs to the wallet through its txLock queue;
// a read right after generatetoaddress or sendtoaddress must wait for it.
async function settleWallets() {
  for (let i = 0; i < 200; i++) {
    const unlock = await wdb.txLock.lock();
    unlock();
    if (wdb.state.height >= node.chain.height)
      return;
    await new Promise(r => setTimeout(r, 5));
  }
}

function parseAddr(str) {
  if (typeof str !== 'string' || str.length === 0 || str.length > 100)
    return null;
  try {
    const addr = Address.fromString(str, network);
    // Core reads bech32 upper or lower case, base58 exactly.
    return addr;
  } catch (e) {
    return null;
  }
}

function addrText(addr) {
  return addr.toString(network);
}

function scriptOf(addr) {
  return Script.fromAddress(addr);
}

function scriptHex(script) {
  return script.toRaw().toString('hex');
}

function outputAddrText(output) {
  const addr = output.getAddress();
  return addr ? addrText(addr) : null;
}

function depthOf(height) {
  if (height === -1)
    return 0;
  const tip = wdb.state.height;
  return tip < height ? 0 : tip - height + 1;
}

function isImmatureCoinbase(isCoinbase, depth) {
  return isCoinbase && depth < COINBASE_MATURITY + 1;
}

// Into the mempool, or Core's error: -25 for missing or spent inputs (bcoin
// would keep the tx as an orphan; Core does not), -26 with the reason for
// any other refusal (Core's reason for spending what a mempool tx spends).
async function submitTX(tx) {
  let missing;
  try {
    missing = await node.mempool.addTX(tx);
  } catch (err) {
    if (err.type === 'VerifyError') {
      if (err.reason === 'bad-txns-inputs-spent')
        throw new RpcError(-26, 'txn-mempool-conflict');
      throw new RpcError(-26, err.reason);
    }
    throw err;
  }
  if (missing) {
    node.mempool.removeOrphan(tx.hash('hex'));
    throw new RpcError(-25, 'bad-txns-inputs-missingorspent');
  }
}

function getWallet(route) {
  if (route.wallet !== null) {
    const entry = wallets.get(route.wallet);
    if (!entry) {
      throw new RpcError(-18,
        'Requested wallet does not exist or is not loaded');
    }
    return entry;
  }
  if (wallets.size === 1)
    return wallets.values().next().value;
  if (wallets.size === 0) {
    throw new RpcError(-18, 'No wallet is loaded. Load a wallet using '
      + 'loadwallet or create a new one with createwallet. (Note: A default '
      + 'wallet is no longer automatically created)');
  }
  throw new RpcError(-19, 'Wallet file not specified (must request wallet '
    + 'RPC through /wallet/<filename> uri-path).');
}

// Core's CachedTxIsTrusted: unconfirmed txs are trusted when every input
// spends a trusted output of this wallet that it can sign for.
async function isTrusted(entry, hash, seen = new Set()) {
  const wtx = await entry.wallet.getTX(hash);
  if (!wtx)
    return false;
  const depth = depthOf(wtx.height);
  if (depth >= 1)
    return true;
  if (entry.watchOnly || !node.mempool.hasEntry(hash))
    return false;
  for (const input of wtx.tx.inputs) {
    const prev = input.prevout;
    const parent = await entry.wallet.getTX(prev.hash);
    if (!parent)
      return false;
    const out = parent.tx.outputs[prev.index];
    const addr = out && out.getAddress();
    if (!addr || !(await entry.wallet.hasAddress(addr)))
      return false;
    if (seen.has(prev.hash))
      continue;
    if (!(await isTrusted(entry, prev.hash, seen)))
      return false;
    seen.add(prev.hash);
  }
  return true;
}

async function balances(entry, minconf) {
  const out = {trusted: 0, pending: 0, immature: 0};
  const coins = await entry.wallet.getCoins();
  const trust = new Map();
  for (const coin of coins) {
    const depth = depthOf(coin.height);
    if (isImmatureCoinbase(coin.coinbase, depth)) {
      out.immature += coin.value;
      continue;
    }
    let trusted = depth >= 1;
    if (!trusted) {
      if (!trust.has(coin.hash))
        trust.set(coin.hash, await isTrusted(entry, coin.hash));
      trusted = trust.get(coin.hash);
    }
    if (trusted && depth >= minconf)
      out.trusted += coin.value;
    if (!trusted && depth === 0 && node.mempool.hasEntry(coin.hash))
      out.pending += coin.value;
  }
  return out;
}

function bookLabel(entry, script) {
  const item = entry.book.get(scriptHex(script));
  return item ? item.label : null;
}

function remember(entry, addr, label) {
  const hex = scriptHex(scriptOf(addr));
  const old = entry.book.get(hex);
  const item = {
    address: addrText(addr),
    label: label != null ? label : (old ? old.label : '')
  };
  entry.book.set(hex, item);
  journal({wallet: entry.name, book: hex, ...item});
}

// Core rescans the chain after an import. bcoin's rescan replays every
// block for every wallet, so start it just below the first block that pays
// or spends one of the addresses (the node's address index knows), and skip
// it when no block does.
async function rescanFor(addrs) {
  let min = -1;
  for (const meta of await node.chain.getMetaByAddress(addrs)) {
    if (meta.height >= 0 && (min === -1 || meta.height < min))
      min = meta.height;
  }
  if (min === -1)
    return;
  await wdb.rescan(Math.max(0, min - 1));
}

async function importOne(entry, addr, label) {
  try {
    await entry.wallet.importAddress(0, addr);
  } catch (e) {
    if (e.message !== 'Address already exists.')
      throw e;
  }
  remember(entry, addr, label);
}

/*
 * Methods. Each has Core's parameter names (for named parameters), the
 * number of required ones and a usage line (the -1 error Core gives for a
 * wrong parameter count).
 */

const methods = Object.create(null);

function def(name, kind, names, required, usage, fn) {
  methods[name] = {kind, names, required, usage, fn};
}

// ---- node methods

def('getblockcount', 'node', [], 0, 'getblockcount', async () => {
  return node.chain.height;
});

def('getblockchaininfo', 'node', [], 0, 'getblockchaininfo', async () => {
  const info = await node.rpc.execute({method: 'getblockchaininfo',
    params: []});
  return {
    chain: 'regtest',
    blocks: info.blocks,
    headers: info.headers,
    bestblockhash: info.bestblockhash,
    difficulty: info.difficulty,
    time: node.chain.tip.time,
    mediantime: info.mediantime,
    verificationprogress: 1,
    initialblockdownload: false,
    chainwork: info.chainwork,
    size_on_disk: 0,
    pruned: false,
    warnings: ''
  };
});

def('getbestblockhash', 'node', [], 0, 'getbestblockhash', async () => {
  return node.chain.tip.rhash();
});

def('generatetoaddress', 'node', ['nblocks', 'address', 'maxtries'], 2,
  'generatetoaddress nblocks "address" ( maxtries )', async (p) => {
    const n = req(p, 0, 'number');
    const str = req(p, 1, 'string');
    opt(p, 2, 'number', 1000000);
    if (!Number.isInteger(n) || n < 0)
      throw new RpcError(-8, 'Invalid nblocks');
    const addr = parseAddr(str);
    if (!addr)
      throw new RpcError(-5, 'Error: Invalid address');
    return node.rpc.mineBlocks(n, addr);
  });

def('getrawmempool', 'node', ['verbose', 'mempool_sequence'], 0,
  'getrawmempool ( verbose mempool_sequence )', async (p) => {
    const verbose = opt(p, 0, 'bool', false);
    return node.rpc.execute({method: 'getrawmempool', params: [verbose]});
  });

// ---- raw transactions (node)

// BIP 125 opt-in, any version (bcoin's isRBF ignores version 2).
function signalsRbf(tx) {
  return tx.inputs.some(input => input.sequence < 0xfffffffe);
}

// Core's ParseHashV: 64 hex digits, as Core prints a txid; bcoin's
// internal (byte-reversed) hex back.
function parseTxid(v, name) {
  if (v.length !== 64) {
    throw new RpcError(-8,
      `${name} must be of length 64 (not ${v.length}, for '${v}')`);
  }
  if (!/^[0-9a-fA-F]{64}$/.test(v))
    throw new RpcError(-8, `${name} must be hexadecimal string (not '${v}')`);
  return Buffer.from(v, 'hex').reverse().toString('hex');
}

// Core's address text of an output script, or null. bcoin cannot write
// bech32m, so witness v1+ outputs show no address.
function scriptAddrText(script) {
  const addr = script.getAddress();
  if (!addr || (addr.isProgram() && addr.version !== 0))
    return null;
  return addrText(addr);
}

function decodedJSON(tx) {
  return txJSON(tx, scriptAddrText);
}

// OP_RETURN <data>, pushed the way Core's CScript << vector does.
function nulldataScript(data) {
  let push;
  if (data.length < 0x4c) {
    push = Buffer.from([data.length]);
  } else if (data.length <= 0xff) {
    push = Buffer.from([0x4c, data.length]);
  } else {
    push = Buffer.alloc(3);
    push[0] = 0x4d;
    push.writeUInt16LE(data.length, 1);
  }
  return Script.fromRaw(Buffer.concat([Buffer.from([0x6a]), push, data]));
}

// createrawtransaction's outputs, array of one-key objects or one object,
// in Core's order of checks. JSON.parse keeps only the last of two equal
// keys in one object, so only the array form can show that duplicate.
function parseRawOutputs(outputs) {
  let pairs;
  if (Array.isArray(outputs)) {
    pairs = [];
    for (const item of outputs) {
      if (typeName(item) !== 'object') {
        throw new RpcError(-8,
          'Invalid parameter, key-value pair not an object as expected');
      }
      const keys = Object.keys(item);
      if (keys.length !== 1) {
        throw new RpcError(-8,
          'Invalid parameter, key-value pair must contain exactly one key');
      }
      pairs.push([keys[0], item[keys[0]]]);
    }
  } else {
    pairs = Object.entries(outputs);
  }
  const out = [];
  const seen = new Set();
  let data = false;
  for (const [key, value] of pairs) {
    if (key === 'data') {
      if (data)
        throw new RpcError(-8, 'Invalid parameter, duplicate key: data');
      data = true;
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      if (!/^([0-9a-fA-F]{2})*$/.test(text)) {
        throw new RpcError(-8,
          `Data must be hexadecimal string (not '${text}')`);
      }
      out.push(new Output({value: 0,
        script: nulldataScript(Buffer.from(text, 'hex'))}));
      continue;
    }
    const addr = parseAddr(key);
    if (!addr)
      throw new RpcError(-5, `Invalid Bitcoin address: ${key}`);
    const script = scriptOf(addr);
    const hex = scriptHex(script);
    if (seen.has(hex)) {
      throw new RpcError(-8,
        `Invalid parameter, duplicated address: ${key}`);
    }
    seen.add(hex);
    out.push(new Output({value: parseAmount(value), script}));
  }
  return out;
}

def('createrawtransaction', 'node', ['inputs', 'outputs', 'locktime',
  'replaceable'], 2,
'createrawtransaction [{"txid":"hex","vout":n,"sequence":n},...] '
  + '[{"address":amount,...},{"data":"hex"},...] ( locktime replaceable )',
async (p) => {
  const inputs = req(p, 0, 'array');
  const outputs = p[1];
  if (!Array.isArray(outputs) && typeName(outputs) !== 'object')
    expect(outputs, 'array');
  const locktime = opt(p, 2, 'number', 0);
  const rbf = opt(p, 3, 'bool', false);
  if (!Number.isInteger(locktime) || locktime < 0 || locktime > 0xffffffff)
    throw new RpcError(-8, 'Invalid parameter, locktime out of range');
  const tx = new TX();
  tx.version = 2;
  tx.locktime = locktime;
  for (const o of inputs) {
    if (typeName(o) !== 'object') {
      throw new RpcError(-1,
        `JSON value of type ${typeName(o)} is not of expected type object`);
    }
    if (typeof o.txid !== 'string') {
      throw new RpcError(-1, `JSON value of type ${typeName(o.txid)} is not `
        + 'of expected type string');
    }
    const hash = parseTxid(o.txid, 'txid');
    if (typeof o.vout !== 'number' || !Number.isInteger(o.vout))
      throw new RpcError(-8, 'Invalid parameter, missing vout key');
    if (o.vout < 0)
      throw new RpcError(-8, 'Invalid parameter, vout cannot be negative');
    let sequence = rbf ? 0xfffffffd : (locktime ? 0xfffffffe : 0xffffffff);
    if (typeof o.sequence === 'number') {
      if (!Number.isInteger(o.sequence) || o.sequence < 0
          || o.sequence > 0xffffffff) {
        throw new RpcError(-8,
          'Invalid parameter, sequence number is out of range');
      }
      sequence = o.sequence;
    }
    tx.inputs.push(Input.fromOptions({
      prevout: {hash, index: o.vout}, sequence
    }));
  }
  tx.outputs = parseRawOutputs(outputs);
  return encodeTx(tx).toString('hex');
});

def('decoderawtransaction', 'node', ['hexstring', 'iswitness'], 1,
  'decoderawtransaction "hexstring" ( iswitness )', async (p) => {
    const hex = req(p, 0, 'string');
    const iswitness = opt(p, 1, 'bool', null);
    const tx = decodeTx(hex, iswitness !== true, iswitness !== false);
    if (!tx)
      throw new RpcError(-22, 'TX decode failed');
    return decodedJSON(tx);
  });

def('sendrawtransaction', 'node', ['hexstring', 'maxfeerate',
  'maxburnamount'], 1,
'sendrawtransaction "hexstring" ( maxfeerate maxburnamount )',
async (p) => {
  const hex = req(p, 0, 'string');
  const tx = decodeTx(hex);
  if (!tx) {
    throw new RpcError(-22, 'TX decode failed. Make sure the tx has at '
      + 'least one input.');
  }
  // Core's defaults: 0.10 BTC/kvB at most, nothing burnt.
  const maxBurn = p[2] == null ? 0 : parseAmount(p[2]);
  for (const output of tx.outputs) {
    if ((output.script.isUnspendable()
         || output.script.code.some(op => op.value === -1))
        && output.value > maxBurn) {
      throw new RpcError(-25, 'Unspendable output exceeds maximum '
        + 'configured by user (maxburnamount)');
    }
  }
  const maxRate = p[1] == null ? COIN / 10 : parseAmount(p[1]);
  if (tx.inputs.length === 0)
    throw new RpcError(-26, 'bad-txns-vin-empty');
  // Core 27: outputs still unspent in the UTXO set mean the tx is mined.
  if (await node.chain.db.hasCoins(tx))
    throw new RpcError(-27, 'Transaction already in block chain');
  // Already in the mempool: nothing to do, the txid again.
  if (node.mempool.hasEntry(tx.hash('hex')))
    return tx.txid();
  const view = await node.mempool.getCoinView(tx);
  if (maxRate > 0 && tx.inputs.every(i => view.hasEntry(i.prevout))) {
    const fee = tx.getFee(view);
    const most = Math.floor(maxRate * tx.getVirtualSize() / 1000);
    if (fee > most) {
      throw new RpcError(-25, 'Fee exceeds maximum configured by user '
        + '(e.g. -maxtxfee, maxfeerate)');
    }
  }
  try {
    await submitTX(tx);
  } catch (e) {
    // Core checks and adds under one lock: the same tx sent twice at once
    // is in the mempool for the second sender too, not an error.
    if (!node.mempool.hasEntry(tx.hash('hex')))
      throw e;
    return tx.txid();
  }
  await wdb.addTX(tx);
  await settleWallets();
  return tx.txid();
});

def('getmempoolentry', 'node', ['txid'], 1, 'getmempoolentry "txid"',
  async (p) => {
    const hash = parseTxid(req(p, 0, 'string'), 'parameter 1');
    const mempool = node.mempool;
    const entry = mempool.getEntry(hash);
    if (!entry)
      throw new RpcError(-5, 'Transaction not in mempool');
    const tx = entry.tx;
    const ancestors = mempool.getAncestors(entry);
    const descendants = mempool.getDescendants(entry);
    const sum = (list, f) => list.reduce((a, e) => a + f(e), 0);
    const vsize = e => e.tx.getVirtualSize();
    const depends = new Set();
    for (const input of tx.inputs) {
      if (mempool.hasEntry(input.prevout.hash))
        depends.add(input.prevout.txid());
    }
    const spentby = [];
    for (let i = 0; i < tx.outputs.length; i++) {
      const child = mempool.getSpent(entry.hash('hex'), i);
      if (child && !spentby.includes(child.txid()))
        spentby.push(child.txid());
    }
    const rbf = signalsRbf(tx) || ancestors.some(e => signalsRbf(e.tx));
    return {
      vsize: vsize(entry),
      weight: tx.getWeight(),
      time: entry.time,
      height: entry.height,
      descendantcount: descendants.length + 1,
      descendantsize: vsize(entry) + sum(descendants, vsize),
      ancestorcount: ancestors.length + 1,
      ancestorsize: vsize(entry) + sum(ancestors, vsize),
      wtxid: tx.wtxid(),
      fees: {
        base: new Btc(entry.fee),
        modified: new Btc(entry.fee),
        ancestor: new Btc(entry.fee + sum(ancestors, e => e.fee)),
        descendant: new Btc(entry.fee + sum(descendants, e => e.fee))
      },
      depends: Array.from(depends).sort(),
      spentby: spentby.sort(),
      'bip125-replaceable': rbf,
      unbroadcast: false
    };
  });

// Test-only fault injection, not a Core method: forget a transaction the
// way a restarted node or an eviction would (its descendants go too).
// Wallets keep it, as Core's wallet keeps a tx that left the mempool, so
// its inputs stay spent; sendrawtransaction of the same hex puts it back.
def('x_dropmempooltx', 'node', ['txid'], 1, 'x_dropmempooltx "txid"',
  async (p) => {
    const hash = parseTxid(req(p, 0, 'string'), 'txid');
    const entry = node.mempool.getEntry(hash);
    if (!entry)
      throw new RpcError(-5, 'Transaction not in mempool');
    node.mempool.evictEntry(entry);
    return true;
  });

def('validateaddress', 'node', ['address'], 1, 'validateaddress "address"',
  async (p) => {
    const str = req(p, 0, 'string');
    const addr = parseAddr(str);
    if (!addr) {
      return {
        isvalid: false,
        error_locations: [],
        error: /^bcrt1/i.test(str) ? 'Invalid Bech32 address'
          : 'Invalid or unsupported Segwit (Bech32) or Base58 encoding.'
      };
    }
    const out = {
      isvalid: true,
      address: addrText(addr),
      scriptPubKey: scriptHex(scriptOf(addr)),
      isscript: addr.isScripthash() || addr.isWitnessScripthash(),
      iswitness: addr.isProgram()
    };
    if (addr.isProgram()) {
      out.witness_version = addr.version;
      out.witness_program = addr.hash.toString('hex');
    }
    return out;
  });

// Splits "desc#checksum", checks the checksum when present (Core requires
// it for importdescriptors; this node also takes a descriptor without it).
function checkDescriptor(desc) {
  const hash = desc.lastIndexOf('#');
  const body = hash >= 0 ? desc.slice(0, hash) : desc;
  const want = descChecksum(body);
  if (want === null)
    throw new RpcError(-5, `Invalid characters in payload`);
  if (hash >= 0) {
    const given = desc.slice(hash + 1);
    if (given !== want) {
      throw new RpcError(-5, `Provided checksum '${given}' does not match `
        + `computed checksum '${want}'`);
    }
  }
  return {body, checksum: want};
}

def('getdescriptorinfo', 'node', ['descriptor'], 1,
  'getdescriptorinfo "descriptor"', async (p) => {
    const {body, checksum} = checkDescriptor(req(p, 0, 'string'));
    let m = /^addr\((.*)\)$/.exec(body);
    if (m && !parseAddr(m[1]))
      throw new RpcError(-5, 'Address is not valid');
    if (!m) {
      m = /^raw\(((?:[0-9a-fA-F]{2})*)\)$/.exec(body);
      if (!m) {
        throw new RpcError(-5, 'This node (bcoin) understands only addr() '
          + 'and raw() descriptors');
      }
    }
    return {
      descriptor: `${body}#${checksum}`,
      checksum,
      isrange: false,
      issolvable: false,
      hasprivatekeys: false
    };
  });

def('createwallet', 'node', ['wallet_name', 'disable_private_keys', 'blank',
  'passphrase', 'avoid_reuse', 'descriptors', 'load_on_startup',
  'external_signer'], 1,
'createwallet "wallet_name" ( disable_private_keys blank "passphrase" '
  + 'avoid_reuse descriptors load_on_startup external_signer )',
async (p) => {
  const name = req(p, 0, 'string');
  const watchOnly = opt(p, 1, 'bool', false);
  if (wallets.has(name) || creating.has(name))
    throw new RpcError(-4, `Wallet ${name} already exists.`);
  creating.add(name);
  try {
    walletSeq += 1;
    const wallet = await wdb.create({
      id: `w${walletSeq}`,
      watchOnly,
      witness: !watchOnly
    });
    wallets.set(name, new WalletEntry(name, wallet, watchOnly));
    journal({create: name, id: wallet.id, watchOnly});
  } finally {
    creating.delete(name);
  }
  // Core 25+ shows "warnings" only when there are some (none here).
  return {name};
});

def('loadwallet', 'node', ['filename', 'load_on_startup'], 1,
  'loadwallet "filename" ( load_on_startup )', async (p) => {
    const name = req(p, 0, 'string');
    if (wallets.has(name))
      throw new RpcError(-35, `Wallet "${name}" is already loaded.`);
    throw new RpcError(-18, 'Wallet file verification failed. Failed to '
      + `load database path '${name}'. Path does not exist.`);
  });

def('listwallets', 'node', [], 0, 'listwallets', async () => {
  return Array.from(wallets.keys());
});

def('stop', 'node', ['wait'], 0, 'stop', async () => {
  setTimeout(() => shutdown(0), 20);
  return 'Bitcoin Core stopping';
});

def('uptime', 'node', [], 0, 'uptime', async () => {
  return Math.floor(process.uptime());
});

// ---- wallet methods

def('getnewaddress', 'wallet', ['label', 'address_type'], 0,
  'getnewaddress ( "label" "address_type" )', async (p, entry) => {
    const label = opt(p, 0, 'string', '');
    const type = opt(p, 1, 'string', 'bech32');
    if (label === '*')
      throw new RpcError(-11, 'Invalid label name');
    if (!['legacy', 'p2sh-segwit', 'bech32', 'bech32m'].includes(type))
      throw new RpcError(-5, `Unknown address type '${type}'`);
    if (type === 'bech32m') {
      throw new RpcError(-12,
        'Error: No bech32m addresses available (not supported by this node)');
    }
    if (entry.watchOnly)
      throw new RpcError(-4, 'Error: This wallet has no available keys');
    let addr;
    if (type === 'p2sh-segwit') {
      const key = await entry.wallet.createNested(0);
      addr = key.getNestedAddress();
    } else {
      const key = await entry.wallet.createReceive(0);
      const hash = key.getKeyHash();
      addr = type === 'legacy' ? Address.fromPubkeyhash(hash)
        : Address.fromWitnessPubkeyhash(hash);
    }
    remember(entry, addr, label);
    return addrText(addr);
  });

def('sendtoaddress', 'wallet', ['address', 'amount', 'comment', 'comment_to',
  'subtractfeefromamount', 'replaceable', 'conf_target', 'estimate_mode',
  'avoid_reuse', 'fee_rate', 'verbose'], 2,
'sendtoaddress "address" amount ( "comment" "comment_to" '
  + 'subtractfeefromamount replaceable conf_target "estimate_mode" '
  + 'avoid_reuse fee_rate verbose )',
async (p, entry) => {
  const str = req(p, 0, 'string');
  const addr = parseAddr(str);
  if (!addr)
    throw new RpcError(-5, 'Invalid address');
  const value = parseAmount(p[1]);
  if (value <= 0)
    throw new RpcError(-3, 'Invalid amount for send');
  const subtract = opt(p, 4, 'bool', false);
  return sendOutputs(entry, [{address: addr, value}], subtract);
});

def('sendmany', 'wallet', ['dummy', 'amounts', 'minconf', 'comment',
  'subtractfeefrom', 'replaceable', 'conf_target', 'estimate_mode',
  'fee_rate', 'verbose'], 2,
'sendmany "" {"address":amount,...} ( minconf "comment" '
  + '["address",...] replaceable conf_target "estimate_mode" fee_rate '
  + 'verbose )',
async (p, entry) => {
  const dummy = p[0];
  if (dummy !== undefined && dummy !== null && dummy !== '')
    throw new RpcError(-8, 'Dummy value must be set to ""');
  const amounts = req(p, 1, 'object');
  const from = opt(p, 4, 'array', []);
  const outputs = [];
  const seen = new Set();
  for (const str of Object.keys(amounts)) {
    const addr = parseAddr(str);
    if (!addr)
      throw new RpcError(-5, `Invalid Bitcoin address: ${str}`);
    const hex = scriptHex(scriptOf(addr));
    if (seen.has(hex)) {
      throw new RpcError(-8,
        `Invalid parameter, duplicated address: ${str}`);
    }
    seen.add(hex);
    const value = parseAmount(amounts[str]);
    if (value <= 0)
      throw new RpcError(-3, 'Invalid amount for send');
    outputs.push({address: addr, value, str});
  }
  if (outputs.length === 0)
    throw new RpcError(-8, 'Invalid parameter, no recipients');
  const idx = [];
  for (const f of from) {
    const i = outputs.findIndex(o => o.str === f);
    if (i < 0) {
      throw new RpcError(-8, 'Invalid parameter \'subtract fee from '
        + `output\', destination ${f} not found in tx outputs`);
    }
    if (!idx.includes(i))
      idx.push(i);
  }
  let subtract = false;
  if (idx.length === outputs.length)
    subtract = true;
  else if (idx.length === 1)
    subtract = idx[0];
  else if (idx.length > 1) {
    throw new RpcError(-8, 'This node (bcoin) subtracts the fee from one '
      + 'output or from all of them');
  }
  return sendOutputs(entry,
    outputs.map(o => ({address: o.address, value: o.value})), subtract);
});

// Build, sign and send from a wallet; Core's wallet errors. The tx must be
// accepted by the mempool (a rejection is an error and the wallet does not
// keep the tx), and the wallet has seen it before this returns.
async function sendOutputs(entry, outputs, subtract) {
  if (entry.watchOnly) {
    throw new RpcError(-4,
      'Error: Private keys are disabled for this wallet');
  }
  const wallet = entry.wallet;
  const unlock = await wallet.fundLock.lock();
  try {
    let mtx;
    try {
      mtx = await wallet.createTX({outputs, subtractFee: subtract}, true);
    } catch (e) {
      if (e.message === 'Output is dust.')
        throw new RpcError(-6, 'Transaction amount too small');
      if (e.type === 'FundingError')
        throw new RpcError(-6, 'Insufficient funds');
      throw e;
    }
    await wallet.sign(mtx);
    if (!mtx.isSigned())
      throw new RpcError(-4, 'Signing transaction failed');
    const tx = mtx.toTX();
    try {
      await submitTX(tx);
    } catch (e) {
      // Core's wallet checks the chain limit itself, with this error.
      if (e.code === -26 && e.message === 'too-long-mempool-chain') {
        throw new RpcError(-6,
          'Transaction has too long of a mempool chain');
      }
      throw e;
    }
    await wdb.addTX(tx);
    await settleWallets();
    return tx.txid();
  } finally {
    unlock();
  }
}

def('importaddress', 'wallet', ['address', 'label', 'rescan', 'p2sh'], 1,
  'importaddress "address" ( "label" rescan p2sh )', async (p, entry) => {
    const str = req(p, 0, 'string');
    const label = opt(p, 1, 'string', '');
    const rescan = opt(p, 2, 'bool', true);
    const p2sh = opt(p, 3, 'bool', false);
    let addr = parseAddr(str);
    if (!addr && /^([0-9a-fA-F]{2})+$/.test(str)) {
      // A script: watch it, or (p2sh) its P2SH wrapping.
      const script = Script.fromRaw(Buffer.from(str, 'hex'));
      addr = p2sh ? Address.fromScripthash(script.hash160())
        : script.getAddress();
    }
    if (!addr)
      throw new RpcError(-5, 'Invalid Bitcoin address or script');
    if (!entry.watchOnly) {
      throw new RpcError(-4, 'This node (bcoin) imports addresses only into '
        + 'a watch-only wallet: createwallet "name" true');
    }
    await importOne(entry, addr, label);
    if (rescan)
      await rescanFor([addr]);
    return null;
  });

def('importdescriptors', 'wallet', ['requests'], 1,
  'importdescriptors "requests"', async (p, entry) => {
    const requests = req(p, 0, 'array');
    const results = [];
    const rescan = [];
    for (const r of requests) {
      try {
        if (typeName(r) !== 'object')
          throw new RpcError(-3, 'Invalid request object');
        const desc = expect(r.desc, 'string');
        if (r.timestamp === undefined) {
          throw new RpcError(-8,
            'Missing required timestamp field for key');
        }
        let now = false;
        if (r.timestamp === 'now')
          now = true;
        else if (typeof r.timestamp !== 'number')
          throw new RpcError(-3, `Expected number or "now" timestamp value `
            + `for key. got type ${typeName(r.timestamp)}`);
        const {body} = checkDescriptor(desc);
        const m = /^addr\((.*)\)$/.exec(body);
        if (!m) {
          throw new RpcError(-5, 'This node (bcoin) imports only addr(...) '
            + 'descriptors');
        }
        const addr = parseAddr(m[1]);
        if (!addr)
          throw new RpcError(-5, `Address is not valid`);
        if (!entry.watchOnly) {
          throw new RpcError(-4, 'Cannot import descriptor without private '
            + 'keys to a wallet with private keys enabled');
        }
        const label = r.label != null ? expect(r.label, 'string') : '';
        await importOne(entry, addr, label);
        if (!now)
          rescan.push(addr);
        results.push({success: true});
      } catch (err) {
        const e = toError(err);
        results.push({success: false,
          error: {code: e.code, message: e.message}});
      }
    }
    if (rescan.length > 0)
      await rescanFor(rescan);
    return results;
  });

def('getreceivedbyaddress', 'wallet', ['address', 'minconf',
  'include_immature_coinbase'], 1,
'getreceivedbyaddress "address" ( minconf include_immature_coinbase )',
async (p, entry) => {
  const str = req(p, 0, 'string');
  const minconf = opt(p, 1, 'number', 1);
  const immature = opt(p, 2, 'bool', false);
  const addr = parseAddr(str);
  if (!addr)
    throw new RpcError(-5, 'Invalid Bitcoin address');
  if (!(await entry.wallet.hasAddress(addr)))
    throw new RpcError(-4, 'Address not found in wallet');
  const script = scriptOf(addr).toRaw();
  let total = 0;
  for (const wtx of await entry.wallet.getHistory()) {
    const depth = depthOf(wtx.height);
    const cb = wtx.tx.isCoinbase();
    if (depth < minconf || (cb && depth < 1)
        || (isImmatureCoinbase(cb, depth) && !immature)) {
      continue;
    }
    for (const output of wtx.tx.outputs) {
      if (output.script.toRaw().equals(script))
        total += output.value;
    }
  }
  return new Btc(total);
});

def('listreceivedbyaddress', 'wallet', ['minconf', 'include_empty',
  'include_watchonly', 'address_filter', 'include_immature_coinbase'], 0,
'listreceivedbyaddress ( minconf include_empty include_watchonly '
  + '"address_filter" include_immature_coinbase )',
async (p, entry) => {
  const minconf = opt(p, 0, 'number', 1);
  const empty = opt(p, 1, 'bool', false);
  opt(p, 2, 'bool', true);
  const filterStr = opt(p, 3, 'string', null);
  const immature = opt(p, 4, 'bool', false);
  let filter = null;
  if (filterStr !== null) {
    const addr = parseAddr(filterStr);
    if (!addr)
      throw new RpcError(-4, 'address_filter parameter was invalid');
    filter = scriptHex(scriptOf(addr));
  }
  const tally = new Map();
  for (const wtx of await entry.wallet.getHistory()) {
    const depth = depthOf(wtx.height);
    const cb = wtx.tx.isCoinbase();
    if (depth < minconf || (cb && depth < 1)
        || (isImmatureCoinbase(cb, depth) && !immature)) {
      continue;
    }
    for (const output of wtx.tx.outputs) {
      const hex = scriptHex(output.script);
      if (!entry.book.has(hex))
        continue;
      let t = tally.get(hex);
      if (!t) {
        t = {amount: 0, conf: Infinity, txids: []};
        tally.set(hex, t);
      }
      t.amount += output.value;
      t.conf = Math.min(t.conf, depth);
      if (!t.txids.includes(wtx.tx.txid()))
        t.txids.push(wtx.tx.txid());
    }
  }
  const out = [];
  for (const [hex, item] of entry.book) {
    if (filter !== null && hex !== filter)
      continue;
    const t = tally.get(hex);
    if (!t && !empty)
      continue;
    const row = {};
    if (entry.watchOnly)
      row.involvesWatchonly = true;
    row.address = item.address;
    row.amount = new Btc(t ? t.amount : 0);
    row.confirmations = t ? t.conf : 0;
    row.label = item.label;
    row.txids = t ? t.txids : [];
    out.push(row);
  }
  return out;
});

def('getbalance', 'wallet', ['dummy', 'minconf', 'include_watchonly',
  'avoid_reuse'], 0,
'getbalance ( "dummy" minconf include_watchonly avoid_reuse )',
async (p, entry) => {
  const dummy = p[0];
  if (dummy !== undefined && dummy !== null && dummy !== '*') {
    throw new RpcError(-32,
      'dummy first argument must be excluded or set to "*".');
  }
  const minconf = opt(p, 1, 'number', 0);
  opt(p, 2, 'bool', true);
  opt(p, 3, 'bool', true);
  const b = await balances(entry, minconf);
  return new Btc(b.trusted);
});

def('getbalances', 'wallet', [], 0, 'getbalances', async (p, entry) => {
  const b = await balances(entry, 0);
  const mine = {
    trusted: new Btc(b.trusted),
    untrusted_pending: new Btc(b.pending),
    immature: new Btc(b.immature)
  };
  return {mine, lastprocessedblock: {hash: node.chain.tip.rhash(),
    height: node.chain.height}};
});

def('getwalletinfo', 'wallet', [], 0, 'getwalletinfo', async (p, entry) => {
  const b = await balances(entry, 0);
  const history = await entry.wallet.getHistory();
  return {
    walletname: entry.name,
    walletversion: 169900,
    format: 'sqlite',
    balance: new Btc(b.trusted),
    unconfirmed_balance: new Btc(b.pending),
    immature_balance: new Btc(b.immature),
    txcount: history.length,
    keypoolsize: entry.watchOnly ? 0 : 1000,
    keypoolsize_hd_internal: entry.watchOnly ? 0 : 1000,
    paytxfee: new Btc(0),
    private_keys_enabled: !entry.watchOnly,
    avoid_reuse: false,
    scanning: false,
    descriptors: true,
    external_signer: false,
    blank: false,
    lastprocessedblock: {hash: node.chain.tip.rhash(),
      height: node.chain.height}
  };
});

def('getaddressinfo', 'wallet', ['address'], 1, 'getaddressinfo "address"',
  async (p, entry) => {
    const str = req(p, 0, 'string');
    const addr = parseAddr(str);
    if (!addr)
      throw new RpcError(-5, 'Invalid address');
    const script = scriptOf(addr);
    const path = await entry.wallet.getPath(addr);
    const has = path != null;
    const label = bookLabel(entry, script);
    const out = {
      address: addrText(addr),
      scriptPubKey: scriptHex(script),
      ismine: has && !entry.watchOnly,
      solvable: has && !entry.watchOnly,
      iswatchonly: has && entry.watchOnly,
      isscript: addr.isScripthash() || addr.isWitnessScripthash(),
      iswitness: addr.isProgram()
    };
    if (addr.isProgram()) {
      out.witness_version = addr.version;
      out.witness_program = addr.hash.toString('hex');
    }
    if (has && !entry.watchOnly) {
      const key = await entry.wallet.getKey(addr);
      if (key && !addr.isScripthash()) {
        out.pubkey = key.publicKey.toString('hex');
        out.iscompressed = key.publicKey.length === 33;
      }
    }
    out.ischange = has && path.branch === 1;
    out.labels = label !== null ? [label] : [];
    return out;
  });

def('listunspent', 'wallet', ['minconf', 'maxconf', 'addresses',
  'include_unsafe', 'query_options'], 0,
'listunspent ( minconf maxconf ["address",...] include_unsafe '
  + 'query_options )',
async (p, entry) => {
  const minconf = opt(p, 0, 'number', 1);
  const maxconf = opt(p, 1, 'number', 9999999);
  const list = opt(p, 2, 'array', null);
  const unsafe = opt(p, 3, 'bool', true);
  let only = null;
  if (list) {
    only = new Set();
    for (const s of list) {
      const addr = parseAddr(typeof s === 'string' ? s : '');
      if (!addr)
        throw new RpcError(-5, `Invalid Bitcoin address: ${s}`);
      const hex = scriptHex(scriptOf(addr));
      if (only.has(hex)) {
        throw new RpcError(-8,
          `Invalid parameter, duplicated address: ${s}`);
      }
      only.add(hex);
    }
  }
  const coins = await entry.wallet.getCoins();
  const out = [];
  for (const coin of coins) {
    const depth = depthOf(coin.height);
    if (isImmatureCoinbase(coin.coinbase, depth))
      continue;
    if (depth < minconf || depth > maxconf)
      continue;
    const hex = scriptHex(coin.script);
    if (only && !only.has(hex))
      continue;
    const safe = depth >= 1 || await isTrusted(entry, coin.hash);
    if (!safe && !unsafe)
      continue;
    const row = {txid: coin.txid(), vout: coin.index};
    const text = outputAddrText(coin);
    if (text)
      row.address = text;
    const item = entry.book.get(hex);
    if (item)
      row.label = item.label;
    row.scriptPubKey = hex;
    row.amount = new Btc(coin.value);
    row.confirmations = depth;
    row.spendable = !entry.watchOnly;
    row.solvable = !entry.watchOnly;
    row.safe = safe;
    out.push(row);
  }
  return out;
});

// ---- raw transactions (wallet): the payout wallet's calls

// Locks live in memory, as Core's non-persistent ones. A wallet tx that
// spends a locked coin unlocks it, in Core (CWallet::AddToSpends) and in
// bcoin (TXDB#insert) alike.
def('listlockunspent', 'wallet', [], 0, 'listlockunspent',
  async (p, entry) => {
    return entry.wallet.getLocked().map(o => ({txid: o.txid(),
      vout: o.index}));
  });

// Core's checks, in Core's order: an unknown tx, an index past its
// outputs, a spent output (also when unlocking), and the lock state.
def('lockunspent', 'wallet', ['unlock', 'transactions', 'persistent'], 1,
  'lockunspent unlock ( [{"txid":"hex","vout":n},...] persistent )',
  async (p, entry) => {
    const unlock = req(p, 0, 'bool');
    const list = opt(p, 1, 'array', null);
    const persistent = opt(p, 2, 'bool', false);
    const wallet = entry.wallet;
    if (list === null) {
      if (unlock) {
        for (const o of wallet.getLocked())
          wallet.unlockCoin(o);
      }
      return true;
    }
    const outpoints = [];
    for (const o of list) {
      if (typeName(o) !== 'object') {
        throw new RpcError(-1,
          `JSON value of type ${typeName(o)} is not of expected type object`);
      }
      for (const [key, type] of [['txid', 'string'], ['vout', 'number']]) {
        if (o[key] === undefined || o[key] === null)
          throw new RpcError(-3, `Missing ${key}`);
        if (typeName(o[key]) !== type) {
          throw new RpcError(-3, `JSON value of type ${typeName(o[key])} `
            + `for field ${key} is not of expected type ${type}`);
        }
      }
      const hash = parseTxid(o.txid, 'txid');
      if (o.vout < 0)
        throw new RpcError(-8, 'Invalid parameter, vout cannot be negative');
      const wtx = await wallet.getTX(hash);
      if (!wtx)
        throw new RpcError(-8, 'Invalid parameter, unknown transaction');
      if (o.vout >= wtx.tx.outputs.length) {
        throw new RpcError(-8,
          'Invalid parameter, vout index out of bounds');
      }
      if (await wallet.txdb.isSpent(hash, o.vout))
        throw new RpcError(-8, 'Invalid parameter, expected unspent output');
      const outpoint = new Outpoint(hash, o.vout);
      const locked = wallet.isLocked(outpoint);
      if (unlock && !locked)
        throw new RpcError(-8, 'Invalid parameter, expected locked output');
      if (!unlock && locked && !persistent)
        throw new RpcError(-8, 'Invalid parameter, output already locked');
      outpoints.push(outpoint);
    }
    for (const o of outpoints) {
      if (unlock)
        wallet.unlockCoin(o);
      else
        wallet.lockCoin(o);
    }
    return true;
  });

// Core's AvailableCoins for coin selection: unlocked, mature, in the
// depth range, and unconfirmed only when in the mempool and (unless
// include_unsafe) the wallet's own trusted change.
async function availableCoins(entry, o) {
  const out = [];
  for (const coin of await entry.wallet.getCoins()) {
    if (entry.wallet.isLocked(coin))
      continue;
    const depth = depthOf(coin.height);
    if (isImmatureCoinbase(coin.coinbase, depth))
      continue;
    if (depth < o.minconf || depth > o.maxconf)
      continue;
    if (depth === 0) {
      if (!node.mempool.hasEntry(coin.hash))
        continue;
      if (!o.unsafe && !(await isTrusted(entry, coin.hash)))
        continue;
    }
    out.push(coin);
  }
  return out;
}

// Core's change type when none is given: the type of a recipient, in the
// order bech32, p2sh-segwit, legacy; else bech32 (no bech32m here).
function defaultChangeType(outputs) {
  const has = f => outputs.some(o => f(o.script));
  if (has(s => s.isWitnessPubkeyhash() || s.isWitnessScripthash()))
    return 'bech32';
  if (has(s => s.isScripthash()))
    return 'p2sh-segwit';
  if (has(s => s.isPubkeyhash()))
    return 'legacy';
  return 'bech32';
}

// A fresh change address of the wallet, of the given type.
async function newChangeAddress(entry, type) {
  let addr;
  if (type === 'p2sh-segwit') {
    addr = (await entry.wallet.createNested(0)).getNestedAddress();
  } else {
    const hash = (await entry.wallet.createChange(0)).getKeyHash();
    addr = type === 'legacy' ? Address.fromPubkeyhash(hash)
      : Address.fromWitnessPubkeyhash(hash);
  }
  entry.change.add(scriptHex(scriptOf(addr)));
  journal({wallet: entry.name, change: scriptHex(scriptOf(addr))});
  return addr;
}

const FUND_OPTIONS = {
  add_inputs: 'bool', include_unsafe: 'bool', add_to_wallet: 'bool',
  changeAddress: 'string', change_address: 'string',
  changePosition: 'number', change_position: 'number',
  change_type: 'string', includeWatching: 'bool', include_watching: 'bool',
  inputs: 'array', lockUnspents: 'bool', lock_unspents: 'bool',
  locktime: 'number', fee_rate: null, feeRate: null, psbt: 'bool',
  solving_data: 'object', subtractFeeFromOutputs: 'array',
  subtract_fee_from_outputs: 'array', input_weights: 'array',
  replaceable: 'bool', conf_target: 'number', estimate_mode: 'string',
  minconf: 'number', maxconf: 'number'
};

// fundrawtransaction's options, checked as Core's RPCTypeCheckObj does.
function fundOptions(options, outputCount) {
  const o = {
    addInputs: true, unsafe: false, minconf: 0, maxconf: Infinity,
    changeAddress: null, changePosition: -1, changeType: null, lock: false,
    rate: null, subtract: [], rbf: true
  };
  if (options === null || typeof options === 'boolean')
    return o;
  for (const [key, type] of Object.entries(FUND_OPTIONS)) {
    const v = options[key];
    if (v !== undefined && v !== null && type && typeName(v) !== type) {
      throw new RpcError(-3, `JSON value of type ${typeName(v)} for field `
        + `${key} is not of expected type ${type}`);
    }
  }
  for (const key of Object.keys(options)) {
    if (!(key in FUND_OPTIONS))
      throw new RpcError(-3, `Unexpected key ${key}`);
  }
  const pick = (a, b) => options[b] != null ? options[b] : options[a];
  if (options.add_inputs != null)
    o.addInputs = options.add_inputs;
  const change = pick('changeAddress', 'change_address');
  if (change != null) {
    o.changeAddress = parseAddr(change);
    if (!o.changeAddress) {
      throw new RpcError(-5,
        'Change address must be a valid bitcoin address');
    }
  }
  const pos = pick('changePosition', 'change_position');
  if (pos != null)
    o.changePosition = pos;
  if (options.change_type != null) {
    if (change != null) {
      throw new RpcError(-8, 'Cannot specify both change address and '
        + 'address type options');
    }
    if (!['legacy', 'p2sh-segwit', 'bech32'].includes(options.change_type)) {
      throw new RpcError(-5,
        `Unknown change type '${options.change_type}'`);
    }
    o.changeType = options.change_type;
  }
  const lock = pick('lockUnspents', 'lock_unspents');
  if (lock != null)
    o.lock = lock;
  if (options.include_unsafe != null)
    o.unsafe = options.include_unsafe;
  if (options.minconf != null)
    o.minconf = options.minconf;
  if (options.maxconf != null)
    o.maxconf = options.maxconf;
  if (options.replaceable != null)
    o.rbf = options.replaceable;
  if (options.feeRate != null) {
    if (options.fee_rate != null) {
      throw new RpcError(-8, 'Cannot specify both fee_rate (sat/vB) and '
        + 'feeRate (BTC/kvB)');
    }
    o.rate = parseAmount(options.feeRate);
  }
  if (options.fee_rate != null) {
    // sat/vB with up to 3 decimals: sat/kvB is the same digits.
    o.rate = parseAmount(options.fee_rate) / 100000;
    if (!Number.isInteger(o.rate))
      throw new RpcError(-3, 'Invalid amount');
  }
  if (o.rate !== null && o.rate < policy.MIN_RELAY) {
    throw new RpcError(-4, `Fee rate (${btcText(o.rate)} BTC/kvB) is lower `
      + `than the minimum fee rate setting (${btcText(policy.MIN_RELAY)} `
      + 'BTC/kvB)');
  }
  const sffo = pick('subtractFeeFromOutputs', 'subtract_fee_from_outputs');
  for (const v of sffo || []) {
    if (o.subtract.includes(v)) {
      throw new RpcError(-8,
        `Invalid parameter, duplicated position: ${v}`);
    }
    if (v < 0)
      throw new RpcError(-8, `Invalid parameter, negative position: ${v}`);
    if (v >= outputCount)
      throw new RpcError(-8, `Invalid parameter, position too large: ${v}`);
    o.subtract.push(v);
  }
  return o;
}

def('fundrawtransaction', 'wallet', ['hexstring', 'options', 'iswitness'],
  1, 'fundrawtransaction "hexstring" ( options iswitness )',
  async (p, entry) => {
    const hex = req(p, 0, 'string');
    const options = p[1] == null ? null : p[1];
    if (options !== null && typeof options !== 'boolean')
      expect(options, 'object');
    const iswitness = opt(p, 2, 'bool', null);
    const tx = decodeTx(hex, iswitness !== true, iswitness !== false);
    if (!tx)
      throw new RpcError(-22, 'TX decode failed');
    const o = fundOptions(options, tx.outputs.length);
    if (tx.outputs.length === 0)
      throw new RpcError(-8, 'TX must have at least one output');
    if (o.changePosition !== -1
        && (o.changePosition < 0 || o.changePosition > tx.outputs.length))
      throw new RpcError(-8, 'changePosition out of bounds');
    if (o.subtract.length > 1 && o.subtract.length < tx.outputs.length) {
      throw new RpcError(-8, 'This node (bcoin) subtracts the fee from one '
        + 'output or from all of them');
    }
    for (const output of tx.outputs) {
      if (!output.script.isUnspendable()
          && output.isDust(policy.MIN_RELAY)) {
        throw new RpcError(-4, 'Transaction amount too small');
      }
    }
    const wallet = entry.wallet;
    const unlock = await wallet.fundLock.lock();
    try {
      // Inputs already there must be the wallet's own coins.
      const preset = [];
      for (const input of tx.inputs) {
        const credit = await wallet.txdb.getCredit(input.prevout.hash,
          input.prevout.index);
        const coin = credit && !credit.spent ? credit.coin : null;
        if (!coin) {
          throw new RpcError(-4, 'Not found pre-selected input '
            + `${input.prevout.txid()}:${input.prevout.index}`);
        }
        preset.push(coin);
      }
      let coins = o.addInputs ? await availableCoins(entry, o) : [];
      coins = coins.filter(c => !preset.some(
        q => q.hash === c.hash && q.index === c.index));
      const mtx = new MTX();
      mtx.version = tx.version;
      mtx.locktime = tx.locktime;
      mtx.outputs = tx.outputs.map(out => out.clone());
      const changeAddr = o.changeAddress
        || await newChangeAddress(entry, o.changeType
          || defaultChangeType(tx.outputs));
      let subtractFee = false;
      if (o.subtract.length === tx.outputs.length)
        subtractFee = true;
      else if (o.subtract.length === 1)
        subtractFee = o.subtract[0];
      try {
        await mtx.fund(preset.concat(coins), {
          inputs: preset.map(c => ({hash: c.hash, index: c.index})),
          selection: o.addInputs ? 'value' : 'all',
          changeAddress: changeAddr,
          rate: o.rate !== null ? o.rate : await wdb.estimateFee(),
          subtractFee,
          estimate: prev => wallet.estimateSize(prev)
        });
      } catch (e) {
        if (e.type === 'FundingError')
          throw new RpcError(-4, 'Insufficient funds');
        if (e.message === 'Could not subtract fee.') {
          throw new RpcError(-4,
            'The transaction amount is too small to pay the fee');
        }
        throw e;
      }
      // Keep the inputs that were there, with their scripts and sequences.
      for (let i = 0; i < tx.inputs.length; i++)
        mtx.inputs[i] = tx.inputs[i].clone();
      const sequence = o.rbf ? 0xfffffffd : 0xfffffffe;
      for (let i = tx.inputs.length; i < mtx.inputs.length; i++)
        mtx.inputs[i].sequence = sequence;
      // Core puts the change at a random position unless told where.
      let changepos = mtx.changeIndex;
      if (changepos !== -1) {
        const [change] = mtx.outputs.splice(changepos, 1);
        changepos = o.changePosition !== -1 ? o.changePosition
          : crypto.randomInt(mtx.outputs.length + 1);
        mtx.outputs.splice(changepos, 0, change);
      }
      if (o.lock) {
        for (const input of mtx.inputs)
          wallet.lockCoin(input.prevout);
      }
      const funded = mtx.toTX();
      return {
        hex: encodeTx(funded).toString('hex'),
        fee: new Btc(mtx.getFee()),
        changepos
      };
    } finally {
      unlock();
    }
  });

const SIGHASH = {
  DEFAULT: hashType.ALL,
  ALL: hashType.ALL,
  NONE: hashType.NONE,
  SINGLE: hashType.SINGLE,
  'ALL|ANYONECANPAY': hashType.ALL | hashType.ANYONECANPAY,
  'NONE|ANYONECANPAY': hashType.NONE | hashType.ANYONECANPAY,
  'SINGLE|ANYONECANPAY': hashType.SINGLE | hashType.ANYONECANPAY
};

// Core's texts for the script errors an unsigned input ends with.
function signError(err) {
  switch (err.code) {
    case 'INVALID_STACK_OPERATION':
      return 'Unable to sign input, invalid stack size (possibly missing key)';
    case 'WITNESS_PROGRAM_WITNESS_EMPTY':
      return 'Witness program was passed an empty witness';
    case 'EVAL_FALSE':
      return 'Script evaluated without error but finished with a '
        + 'false/empty top stack element';
  }
  return err.message;
}

// The previous output an input spends, as Core's wallet finds it: in the
// node's mempool or UTXO set (not in the wallet), or in prevtxs.
async function findCoin(prevout, extra) {
  const key = prevout.toKey();
  if (extra.has(key))
    return extra.get(key);
  const mtx = node.mempool.getTX(prevout.hash);
  if (mtx) {
    return prevout.index < mtx.outputs.length
      ? Coin.fromTX(mtx, prevout.index, -1) : null;
  }
  return node.chain.db.getCoin(prevout.hash, prevout.index);
}

def('signrawtransactionwithwallet', 'wallet', ['hexstring', 'prevtxs',
  'sighashtype'], 1,
'signrawtransactionwithwallet "hexstring" ( [{"txid":"hex","vout":n,'
  + '"scriptPubKey":"hex","redeemScript":"hex","witnessScript":"hex",'
  + '"amount":amount},...] "sighashtype" )',
async (p, entry) => {
  const hex = req(p, 0, 'string');
  const prevtxs = opt(p, 1, 'array', []);
  const sighash = opt(p, 2, 'string', 'DEFAULT');
  const tx = decodeTx(hex);
  if (!tx) {
    throw new RpcError(-22, 'TX decode failed. Make sure the tx has at '
      + 'least one input.');
  }
  const extra = new Map();
  for (const prev of prevtxs) {
    if (typeName(prev) !== 'object' || typeof prev.txid !== 'string'
        || typeof prev.vout !== 'number'
        || typeof prev.scriptPubKey !== 'string') {
      throw new RpcError(-8, 'expected object with {"txid\'","vout",'
        + '"scriptPubKey"}');
    }
    const hash = parseTxid(prev.txid, 'txid');
    const coin = new Coin({hash, index: prev.vout, height: -1,
      value: prev.amount == null ? 0 : parseAmount(prev.amount),
      script: Script.fromRaw(Buffer.from(prev.scriptPubKey, 'hex'))});
    extra.set(Outpoint.toKey(hash, prev.vout), coin);
  }
  if (!(sighash in SIGHASH)) {
    throw new RpcError(-8,
      `'${sighash}' is not a valid sighash parameter.`);
  }
  const mtx = MTX.fromTX(tx);
  const coins = [];
  for (const input of mtx.inputs) {
    const coin = await findCoin(input.prevout, extra);
    coins.push(coin);
    if (coin)
      mtx.view.addCoin(coin);
  }
  if (!entry.watchOnly) {
    const wallet = entry.wallet;
    for (const coin of coins) {
      const addr = coin && coin.getAddress();
      const path = addr && await wallet.getPath(addr.getHash('hex'));
      if (!path)
        continue;
      const account = await wallet.getAccount(path.account);
      const ring = account && account.derivePath(path, wallet.master);
      if (ring)
        mtx.sign(ring, SIGHASH[sighash]);
    }
  }
  const errors = [];
  for (let i = 0; i < mtx.inputs.length; i++) {
    const input = mtx.inputs[i];
    let error = null;
    if (!coins[i]) {
      error = 'Input not found or already spent';
    } else {
      try {
        mtx.checkInput(i, coins[i]);
      } catch (e) {
        if (e.type !== 'ScriptError')
          throw e;
        error = signError(e);
      }
    }
    if (error) {
      errors.push({
        txid: input.prevout.txid(),
        vout: input.prevout.index,
        witness: input.witness.items.map(b => b.toString('hex')),
        scriptSig: input.script.raw.toString('hex'),
        sequence: input.sequence,
        error
      });
    }
  }
  const out = {hex: encodeTx(mtx.toTX()).toString('hex'),
    complete: errors.length === 0};
  if (errors.length > 0)
    out.errors = errors;
  return out;
});

// Core's BIP 125 state of a wallet tx that is not in a block.
function rbfState(tx) {
  if (signalsRbf(tx))
    return 'yes';
  const entry = node.mempool.getEntry(tx.hash('hex'));
  if (!entry)
    return 'unknown';
  return node.mempool.getAncestors(entry).some(e => signalsRbf(e.tx))
    ? 'yes' : 'no';
}

def('gettransaction', 'wallet', ['txid', 'include_watchonly', 'verbose'], 1,
  'gettransaction "txid" ( include_watchonly verbose )',
  async (p, entry) => {
    const hash = parseTxid(req(p, 0, 'string'), 'txid');
    opt(p, 1, 'bool', true);
    const verbose = opt(p, 2, 'bool', false);
    const wallet = entry.wallet;
    const wtx = await wallet.getTX(hash);
    if (!wtx)
      throw new RpcError(-5, 'Invalid or non-wallet transaction id');
    const tx = wtx.tx;
    const details = await wallet.txdb.toDetails(wtx);
    const depth = depthOf(wtx.height);
    const immature = isImmatureCoinbase(tx.isCoinbase(), depth);

    let debit = 0;
    for (const input of details.inputs) {
      if (input.path)
        debit += input.value;
    }
    let credit = 0;
    const mine = [];
    for (let i = 0; i < tx.outputs.length; i++) {
      mine.push(details.outputs[i].path != null);
      if (mine[i])
        credit += tx.outputs[i].value;
    }
    if (immature)
      credit = 0;
    const fromMe = debit > 0;
    const fee = fromMe ? debit - tx.getOutputValue() : 0;

    // Core's ListTransactions: a "send" per output (change left out) when
    // the wallet paid, a "receive" per output of its own.
    const rows = [];
    const watch = entry.watchOnly ? {involvesWatchonly: true} : {};
    const label = (script) => {
      const item = entry.book.get(scriptHex(script));
      return item ? {label: item.label} : {};
    };
    const addressOf = (script) => {
      const text = scriptAddrText(script);
      return text ? {address: text} : {};
    };
    if (fromMe) {
      tx.outputs.forEach((output, vout) => {
        if (mine[vout] && entry.change.has(scriptHex(output.script)))
          return;
        if (mine[vout] && details.outputs[vout].path.branch === 1)
          return;
        rows.push(Object.assign({}, watch, addressOf(output.script),
          {category: 'send', amount: new Btc(-output.value)},
          label(output.script), {vout, fee: new Btc(-fee),
            abandoned: false}));
      });
    }
    tx.outputs.forEach((output, vout) => {
      if (!mine[vout])
        return;
      if (fromMe && (entry.change.has(scriptHex(output.script))
          || details.outputs[vout].path.branch === 1)) {
        return;
      }
      let category = 'receive';
      if (tx.isCoinbase())
        category = depth < 1 ? 'orphan' : immature ? 'immature' : 'generate';
      rows.push(Object.assign({}, watch, addressOf(output.script),
        {category, amount: new Btc(output.value)}, label(output.script),
        {vout}));
    });

    const out = {amount: new Btc(credit - debit + fee)};
    if (fromMe)
      out.fee = new Btc(-fee);
    out.confirmations = depth;
    if (tx.isCoinbase())
      out.generated = true;
    if (depth >= 1) {
      const block = await node.chain.getEntryByHeight(wtx.height);
      out.blockhash = block.rhash();
      out.blockheight = wtx.height;
      const txs = (await node.chain.getBlock(block.hash)).txs;
      out.blockindex = txs.findIndex(t => t.hash('hex') === hash);
      out.blocktime = block.time;
    } else {
      out.trusted = await isTrusted(entry, hash);
    }
    out.txid = tx.txid();
    out.wtxid = tx.wtxid();
    out.walletconflicts = [];
    out.time = wtx.mtime;
    out.timereceived = wtx.mtime;
    out['bip125-replaceable'] = depth >= 1 ? 'no' : rbfState(tx);
    out.details = rows;
    out.hex = encodeTx(tx).toString('hex');
    if (verbose)
      out.decoded = decodedJSON(tx);
    out.lastprocessedblock = {hash: node.chain.tip.rhash(),
      height: node.chain.height};
    return out;
  });

// bcoin methods that are not offered: they act on bcoin's global state
// or have a Core counterpart above.
const HIDDEN = new Set(['selectwallet', 'stop', 'getinfo', 'setloglevel']);

let walletCalls = null;

function bcoinWalletHas(method) {
  if (!walletCalls) {
    const probe = new WalletRPC({wdb, network, logger: node.logger,
      client: wdb.client});
    walletCalls = new Set(Object.keys(probe.calls));
  }
  return walletCalls.has(method) && !HIDDEN.has(method);
}

async function execute(method, params, route) {
  if (!ready)
    throw new RpcError(-28, 'Loading block index...');

  const m = methods[method];
  if (m) {
    let p = params;
    if (!Array.isArray(p)) {
      p = [];
      for (const key of Object.keys(params)) {
        const i = m.names.indexOf(key);
        if (i < 0)
          throw new RpcError(-8, `Unknown named parameter ${key}`);
        p[i] = params[key];
      }
    } else if (p.length > m.names.length) {
      throw new RpcError(-1, m.usage);
    }
    for (let i = 0; i < m.required; i++) {
      if (p[i] === undefined)
        throw new RpcError(-1, m.usage);
    }
    if (m.kind === 'wallet') {
      const entry = getWallet(route);
      await settleWallets();
      return m.fn(p, entry);
    }
    return m.fn(p, null);
  }

  if (!Array.isArray(params)) {
    throw new RpcError(-8,
      `Named parameters are not supported for ${method} by this node`);
  }

  if (node.rpc.calls[method] && !HIDDEN.has(method))
    return node.rpc.execute({method, params});

  if (bcoinWalletHas(method)) {
    const entry = getWallet(route);
    await settleWallets();
    return entry.bcoinRPC().execute({method, params});
  }

  throw new RpcError(-32601, 'Method not found');
}

/*
 * JSON-RPC over HTTP, the way Core's httprpc.cpp does it.
 */

function reply(version, result, error, id) {
  if (version === 2) {
    const out = {jsonrpc: '2.0'};
    if (error)
      out.error = error;
    else
      out.result = result;
    if (id !== undefined)
      out.id = id;
    return out;
  }
  return {result: error ? null : result, error: error || null,
    id: id === undefined ? null : id};
}

// Parse one request object; throws RpcError (with .version/.id attached).
function parseRequest(obj) {
  const r = {version: 1, id: undefined, method: null, params: []};
  if (typeName(obj) !== 'object') {
    const e = new RpcError(-32600, 'Invalid Request object');
    e.req = r;
    throw e;
  }
  if (Object.prototype.hasOwnProperty.call(obj, 'id'))
    r.id = obj.id;
  const fail = (msg) => {
    const e = new RpcError(-32600, msg);
    e.req = r;
    throw e;
  };
  if (obj.jsonrpc !== undefined && obj.jsonrpc !== null) {
    if (typeof obj.jsonrpc !== 'string')
      fail('jsonrpc field must be a string');
    if (obj.jsonrpc === '2.0')
      r.version = 2;
    else if (obj.jsonrpc !== '1.0')
      fail('JSON-RPC version not supported');
  }
  if (obj.method === undefined || obj.method === null)
    fail('Missing method');
  if (typeof obj.method !== 'string')
    fail('Method must be a string');
  r.method = obj.method;
  const params = obj.params;
  if (Array.isArray(params) || typeName(params) === 'object')
    r.params = params;
  else if (params !== undefined && params !== null)
    fail('Params must be an array or object');
  return r;
}

async function runOne(r, route) {
  try {
    const result = await execute(r.method, r.params, route);
    return {result: result === undefined ? null : result, error: null};
  } catch (err) {
    const e = toError(err);
    return {result: null, error: {code: e.code, message: e.message}};
  }
}

function send(res, status, body, headers = {}) {
  const h = Object.assign({}, headers);
  if (body !== '')
    h['Content-Type'] = 'application/json';
  h['Content-Length'] = Buffer.byteLength(body);
  res.writeHead(status, h);
  res.end(body);
}

function authorized(header) {
  if (typeof header !== 'string' || !header.startsWith('Basic '))
    return false;
  const raw = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = raw.indexOf(':');
  if (colon < 0)
    return false;
  const given = crypto.createHash('sha256').update(raw).digest();
  const want = crypto.createHash('sha256')
    .update(`${RPC_USER}:${RPC_PASSWORD}`).digest();
  return crypto.timingSafeEqual(given, want);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handleHttp(req, res) {
  const path = req.url.split('?')[0];
  const route = {wallet: null};
  if (path.startsWith('/wallet/')) {
    try {
      route.wallet = decodeURIComponent(path.slice(8));
    } catch (e) {
      route.wallet = path.slice(8);
    }
  } else if (path !== '/') {
    send(res, 404, '');
    return;
  }

  if (req.method !== 'POST') {
    res.writeHead(405, {'Content-Type': 'text/html; charset=ISO-8859-1'});
    res.end('JSONRPC server handles only POST requests');
    return;
  }

  if (!authorized(req.headers.authorization)) {
    send(res, 401, '', {'WWW-Authenticate': 'Basic realm="jsonrpc"'});
    return;
  }

  let body;
  try {
    body = await readBody(req);
  } catch (e) {
    send(res, 413, '');
    return;
  }

  let val;
  try {
    val = JSON.parse(body);
  } catch (e) {
    val = undefined;
  }
  if (val === undefined || (typeName(val) !== 'object'
      && !Array.isArray(val))) {
    send(res, 500, encodeJSON(reply(1, null,
      {code: -32700, message: val === undefined ? 'Parse error'
        : 'Top-level object parse error'}, null)) + '\n');
    return;
  }

  if (Array.isArray(val)) {
    // Batches are always HTTP 200; 2.0 notifications get no entry.
    const out = [];
    for (const item of val) {
      let r;
      try {
        r = parseRequest(item);
      } catch (e) {
        out.push(reply(e.req.version, null,
          {code: e.code, message: e.message}, e.req.id));
        continue;
      }
      const {result, error} = await runOne(r, route);
      if (r.version === 2 && r.id === undefined)
        continue;
      out.push(reply(r.version, result, error, r.id));
    }
    if (val.length > 0 && out.length === 0) {
      send(res, 204, '');
      return;
    }
    send(res, 200, encodeJSON(out) + '\n');
    return;
  }

  let r;
  try {
    r = parseRequest(val);
  } catch (e) {
    send(res, 400, encodeJSON(reply(e.req.version, null,
      {code: e.code, message: e.message}, e.req.id)) + '\n');
    return;
  }

  const {result, error} = await runOne(r, route);

  if (r.version === 2) {
    // JSON-RPC 2.0 (Core 28+): errors come back with HTTP 200;
    // a request without id is a notification and gets 204.
    if (r.id === undefined) {
      send(res, 204, '');
      return;
    }
    send(res, 200, encodeJSON(reply(2, result, error, r.id)) + '\n');
    return;
  }

  let status = 200;
  if (error) {
    status = 500;
    if (error.code === -32600)
      status = 400;
    else if (error.code === -32601)
      status = 404;
  }
  send(res, status, encodeJSON(reply(1, result, error, r.id)) + '\n');
}

/*
 * Process lifecycle
 */

let server = null;
let stopping = false;

function shutdown(code) {
  if (stopping)
    return;
  stopping = true;
  const done = () => process.exit(code);
  setTimeout(done, 500).unref();
  if (server) {
    server.close();
    if (server.closeAllConnections)
      server.closeAllConnections();
  }
  (async () => {
    try {
      if (wdb)
        await wdb.close();
      if (node && node.opened)
        await node.close();
    } catch (e) {
      logErr('close: %s', e.message);
    }
    done();
  })();
}

function listen() {
  return new Promise((resolve, reject) => {
    server = http.createServer((req, res) => {
      handleHttp(req, res).catch((err) => {
        logErr('http: %s', err && err.stack ? err.stack : err);
        if (!res.headersSent)
          send(res, 500, '');
        else
          res.destroy();
      });
    });
    server.once('error', reject);
    server.listen(PORT, '127.0.0.1', () => {
      server.removeListener('error', reject);
      server.on('error', err => logErr('server: %s', err.message));
      resolve();
    });
  });
}

async function fundMiner(name) {
  const route = {wallet: name};
  await execute('createwallet', [name, false], route);
  const addr = await execute('getnewaddress', [], route);
  if (INIT_BLOCKS > 0)
    await execute('generatetoaddress', [INIT_BLOCKS, addr], route);
  await settleWallets();
}

async function main() {
  // A reader that went away must not take the node down.
  process.stdout.on('error', () => {});
  process.stderr.on('error', () => {});
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));
  process.on('unhandledRejection', (err) => {
    logErr('unhandled rejection: %s', err && err.stack ? err.stack : err);
  });

  try {
    await listen();
  } catch (err) {
    const why = err.code === 'EADDRINUSE' ? 'address already in use'
      : err.message;
    die(`cannot listen on 127.0.0.1:${PORT}: ${why}`, 1);
  }

  await openNode();
  ready = true;

  // A restart on a data directory finds the miner's wallet and coins.
  if (MINER !== null && !wallets.has(MINER))
    await fundMiner(MINER);

  const user = encodeURIComponent(RPC_USER);
  const pass = encodeURIComponent(RPC_PASSWORD);
  let url = `http://${user}:${pass}@127.0.0.1:${PORT}/`;
  if (MINER !== null)
    url += `wallet/${encodeURIComponent(MINER)}`;
  process.stdout.write(`READY ${url}\n`);
}

main().catch((err) => {
  die(`startup failed: ${err && err.stack ? err.stack : err}`, 1);
});

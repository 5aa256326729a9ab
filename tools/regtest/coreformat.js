'use strict';

/*
 * coreformat.js - Bitcoin Core's formats for the test node (regtest-node.js).
 *
 * Pure functions, no node state: amounts as Core prints them (Btc), raw
 * transaction hex decoded with Core's rules (DecodeHexTx: both the witness
 * and the legacy serialization are tried, a zero-input transaction such as
 * createrawtransaction makes included), decoderawtransaction's JSON (TxToUniv:
 * vin, vout, scriptPubKey with asm, desc, hex, address, type), script asm
 * (ScriptToAsmStr) and inferred descriptors with their BIP 380 checksums.
 *
 * Invariants: amounts inside are integer satoshis; a Btc is only made at the
 * JSON edge; decodeTx never throws (null means "TX decode failed") and only
 * returns a transaction that used every byte of the hex.
 */

const bio = require('bufio');
const hash256 = require('bcrypto/lib/hash256');
const TX = require('bcoin/lib/primitives/tx');
const Input = require('bcoin/lib/primitives/input');
const Output = require('bcoin/lib/primitives/output');
const common = require('bcoin/lib/script/common');

const {opcodes} = common;

/*
 * Amounts
 */

// A satoshi amount that encodeJSON prints the way Core does: 0.50000000.
class Btc {
  constructor(sats) {
    this.sats = sats;
  }
}

function btcText(sats) {
  const neg = sats < 0;
  const a = BigInt(Math.abs(sats));
  const frac = String(a % 100000000n).padStart(8, '0');
  return `${neg ? '-' : ''}${a / 100000000n}.${frac}`;
}

/*
 * Descriptor checksums (BIP 380)
 */

const DESC_INPUT = '0123456789()[],\'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;'
  + '<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#"\\ ';
const DESC_CHECKSUM = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const DESC_GEN = [0xf5dee51989n, 0xa9fdca3312n, 0x1bab10e32dn, 0x3706b1677an,
  0x644d626ffdn];

// The 8-character checksum of a descriptor body, or null for a character
// outside BIP 380's input set.
function descChecksum(s) {
  const symbols = [];
  let groups = [];
  for (const c of s) {
    const v = DESC_INPUT.indexOf(c);
    if (v < 0)
      return null;
    symbols.push(v & 31);
    groups.push(v >> 5);
    if (groups.length === 3) {
      symbols.push(groups[0] * 9 + groups[1] * 3 + groups[2]);
      groups = [];
    }
  }
  if (groups.length === 1)
    symbols.push(groups[0]);
  else if (groups.length === 2)
    symbols.push(groups[0] * 3 + groups[1]);
  for (let i = 0; i < 8; i++)
    symbols.push(0);
  let chk = 1n;
  for (const value of symbols) {
    const top = chk >> 35n;
    chk = ((chk & 0x7ffffffffn) << 5n) ^ BigInt(value);
    for (let i = 0; i < 5; i++) {
      if ((top >> BigInt(i)) & 1n)
        chk ^= DESC_GEN[i];
    }
  }
  chk ^= 1n;
  let out = '';
  for (let i = 0; i < 8; i++)
    out += DESC_CHECKSUM[Number((chk >> BigInt(5 * (7 - i))) & 31n)];
  return out;
}

/*
 * Decoding raw transactions (Core's DecodeHexTx)
 */

// One serialization: extended (witness marker allowed) or legacy. Throws on
// anything malformed or on bytes left over.
function readTx(data, extended) {
  const br = bio.read(data);
  const tx = new TX();
  tx.version = br.readU32();
  let flags = 0;
  let count = br.readVarint();
  let inputs = [];
  for (let i = 0; i < count; i++)
    inputs.push(Input.fromReader(br));
  let outputs = [];
  if (inputs.length === 0 && extended) {
    // An empty input list may be the witness marker; the flags follow.
    flags = br.readU8();
    if (flags !== 0) {
      count = br.readVarint();
      inputs = [];
      for (let i = 0; i < count; i++)
        inputs.push(Input.fromReader(br));
      count = br.readVarint();
      for (let i = 0; i < count; i++)
        outputs.push(Output.fromReader(br));
    }
  } else {
    count = br.readVarint();
    for (let i = 0; i < count; i++)
      outputs.push(Output.fromReader(br));
  }
  if ((flags & 1) && extended) {
    flags ^= 1;
    let any = false;
    for (const input of inputs) {
      input.witness.fromReader(br);
      if (input.witness.items.length > 0)
        any = true;
    }
    if (!any)
      throw new Error('Superfluous witness record');
  }
  if (flags !== 0)
    throw new Error('Unknown transaction optional data');
  tx.locktime = br.readU32();
  if (br.left() !== 0)
    throw new Error('trailing bytes');
  tx.inputs = inputs;
  tx.outputs = outputs;
  return tx;
}

function tryRead(data, extended) {
  try {
    return readTx(data, extended);
  } catch (e) {
    return null;
  }
}

// Core's CheckTxScriptsSanity: scripts parse and are not oversized.
function scriptsSane(tx) {
  const ok = (script) => {
    if (script.raw.length > 10000)
      return false;
    return script.code.every(op => op.value !== -1);
  };
  if (!tx.isCoinbase()) {
    for (const input of tx.inputs) {
      if (!ok(input.script))
        return false;
    }
  }
  return tx.outputs.every(output => ok(output.script));
}

// hex -> bcoin TX, or null. Both serializations are tried unless one is
// switched off (decoderawtransaction's and fundrawtransaction's iswitness);
// when both parse, the one whose scripts are sane wins, else the extended.
function decodeTx(hex, tryNoWitness = true, tryWitness = true) {
  if (typeof hex !== 'string' || hex.length === 0
      || !/^([0-9a-fA-F]{2})+$/.test(hex)) {
    return null;
  }
  const data = Buffer.from(hex, 'hex');
  const ext = tryWitness ? tryRead(data, true) : null;
  const legacy = tryNoWitness ? tryRead(data, false) : null;
  if (ext && !legacy)
    return ext;
  if (legacy && !ext)
    return legacy;
  if (!ext)
    return null;
  const extSane = scriptsSane(ext);
  const legacySane = scriptsSane(legacy);
  if (legacySane && !extSane)
    return legacy;
  return ext;
}

/*
 * Encoding (Core's EncodeHexTx). bcoin refuses to serialize a transaction
 * without inputs, which createrawtransaction makes, so this writes its own.
 */

function hasWitness(tx) {
  return tx.inputs.some(input => input.witness.items.length > 0);
}

// The serialization with witnesses when there are any (witness = true).
function encodeTx(tx, witness = true) {
  const ext = witness && hasWitness(tx);
  const bw = bio.write();
  bw.writeU32(tx.version);
  if (ext) {
    bw.writeU8(0);
    bw.writeU8(1);
  }
  bw.writeVarint(tx.inputs.length);
  for (const input of tx.inputs)
    input.toWriter(bw);
  bw.writeVarint(tx.outputs.length);
  for (const output of tx.outputs)
    output.toWriter(bw);
  if (ext) {
    for (const input of tx.inputs)
      input.witness.toWriter(bw);
  }
  bw.writeU32(tx.locktime);
  return bw.render();
}

function reversedHash(data) {
  return Buffer.from(hash256.digest(data)).reverse().toString('hex');
}

// Sizes and ids as Core reports them.
function txMeasure(tx) {
  const base = encodeTx(tx, false);
  const full = encodeTx(tx, true);
  const weight = base.length * 3 + full.length;
  return {
    txid: reversedHash(base),
    wtxid: reversedHash(full),
    size: full.length,
    vsize: Math.ceil(weight / 4),
    weight
  };
}

/*
 * Scripts: asm, type, descriptor (ScriptToAsmStr, GetTxnOutputType,
 * InferDescriptor without a signing provider)
 */

const SIGHASH_NAMES = {
  0x01: 'ALL',
  0x81: 'ALL|ANYONECANPAY',
  0x02: 'NONE',
  0x82: 'NONE|ANYONECANPAY',
  0x03: 'SINGLE',
  0x83: 'SINGLE|ANYONECANPAY'
};

// CScriptNum of at most 4 bytes, little-endian with a sign bit.
function scriptNum(data) {
  if (data.length === 0)
    return 0;
  let n = 0;
  for (let i = 0; i < data.length; i++)
    n += data[i] * 2 ** (8 * i);
  const last = data[data.length - 1];
  if (last & 0x80)
    return -(n - 0x80 * 2 ** (8 * (data.length - 1)));
  return n;
}

function opName(value) {
  if (value === opcodes.OP_0)
    return '0';
  if (value === opcodes.OP_1NEGATE)
    return '-1';
  if (value >= opcodes.OP_1 && value <= opcodes.OP_16)
    return String(value - opcodes.OP_1 + 1);
  if (value === 0xba)
    return 'OP_CHECKSIGADD';
  if (value === 0xff)
    return 'OP_INVALIDOPCODE';
  const name = common.opcodesByVal[value];
  if (!name || value > opcodes.OP_NOP10)
    return 'OP_UNKNOWN';
  return name;
}

// Core's asm: small pushes as numbers, other pushes as hex, and in a
// scriptSig a strict-DER signature as hex plus "[ALL]" etc.
function scriptAsm(script, decodeSighash) {
  const unspendable = script.isUnspendable();
  const out = [];
  for (const op of script.code) {
    if (op.value === -1) {
      out.push('[error]');
      break;
    }
    if (op.value > opcodes.OP_PUSHDATA4) {
      out.push(opName(op.value));
      continue;
    }
    const data = op.data || Buffer.alloc(0);
    if (data.length <= 4) {
      out.push(String(scriptNum(data)));
      continue;
    }
    if (decodeSighash && !unspendable && common.isSignatureEncoding(data)
        && SIGHASH_NAMES[data[data.length - 1]]) {
      out.push(data.slice(0, -1).toString('hex')
        + `[${SIGHASH_NAMES[data[data.length - 1]]}]`);
      continue;
    }
    out.push(data.toString('hex'));
  }
  return out.join(' ');
}

function scriptType(script) {
  if (script.isPubkey())
    return 'pubkey';
  if (script.isPubkeyhash())
    return 'pubkeyhash';
  if (script.isScripthash())
    return 'scripthash';
  if (script.isNulldata())
    return 'nulldata';
  if (script.isMultisig())
    return 'multisig';
  const program = script.getProgram();
  if (program) {
    if (program.version === 0 && program.data.length === 20)
      return 'witness_v0_keyhash';
    if (program.version === 0 && program.data.length === 32)
      return 'witness_v0_scripthash';
    if (program.version === 1 && program.data.length === 32)
      return 'witness_v1_taproot';
    if (program.version !== 0)
      return 'witness_unknown';
  }
  return 'nonstandard';
}

function withChecksum(body) {
  return `${body}#${descChecksum(body)}`;
}

// InferDescriptor with nothing known but the script: keys written in the
// script (pk, multi, rawtr), else the address, else raw().
function inferDescriptor(script, addrText) {
  const type = scriptType(script);
  if (type === 'pubkey')
    return withChecksum(`pk(${script.getPubkey().toString('hex')})`);
  if (type === 'multisig') {
    const m = script.getSmall(0);
    const keys = [];
    for (let i = 1; i < script.code.length - 2; i++)
      keys.push(script.getData(i).toString('hex'));
    return withChecksum(`multi(${m},${keys.join(',')})`);
  }
  if (type === 'witness_v1_taproot')
    return withChecksum(`rawtr(${script.getProgram().data.toString('hex')})`);
  const addr = type === 'nulldata' || type === 'nonstandard'
    ? null : addrText(script);
  if (addr)
    return withChecksum(`addr(${addr})`);
  return withChecksum(`raw(${script.raw.toString('hex')})`);
}

// scriptPubKey as decoderawtransaction shows it.
function scriptPubKeyJSON(script, addrText) {
  const out = {
    asm: scriptAsm(script, false),
    desc: inferDescriptor(script, addrText),
    hex: script.raw.toString('hex')
  };
  const type = scriptType(script);
  const addr = type === 'pubkey' || type === 'multisig' ? null
    : addrText(script);
  if (addr)
    out.address = addr;
  out.type = type;
  return out;
}

// Core's TxToUniv for decoderawtransaction (no block, no fee).
// addrText(script) -> Core's address text or null.
function txJSON(tx, addrText) {
  const vin = [];
  for (const input of tx.inputs) {
    const row = {};
    if (tx.isCoinbase()) {
      row.coinbase = input.script.raw.toString('hex');
    } else {
      row.txid = input.prevout.txid();
      row.vout = input.prevout.index;
      row.scriptSig = {
        asm: scriptAsm(input.script, true),
        hex: input.script.raw.toString('hex')
      };
    }
    if (input.witness.items.length > 0)
      row.txinwitness = input.witness.items.map(b => b.toString('hex'));
    row.sequence = input.sequence;
    vin.push(row);
  }
  const vout = tx.outputs.map((output, n) => ({
    value: new Btc(output.value),
    n,
    scriptPubKey: scriptPubKeyJSON(output.script, addrText)
  }));
  const m = txMeasure(tx);
  return {
    txid: m.txid,
    hash: m.wtxid,
    version: tx.version,
    size: m.size,
    vsize: m.vsize,
    weight: m.weight,
    locktime: tx.locktime,
    vin,
    vout
  };
}

module.exports = {
  Btc,
  btcText,
  descChecksum,
  decodeTx,
  encodeTx,
  scriptAsm,
  scriptType,
  inferDescriptor,
  txJSON
};

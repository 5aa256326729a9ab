// tabs.mjs — what two tabs of one person, a guesser at passwords and bad
// uploads must not get past on the pages of issue 10, in a real browser:
// - two tabs (two pages of one browser context: one session) confirm the
//   same slot at the same moment: one buys it, the other is told "use one
//   tab at a time"; the balance goes down once and one slot is sold, in
//   every one of RACE_ROUNDS rounds on fresh slots;
// - two tabs on Add Funds press "Done With This Key" at once: credited once;
//   Done from a tab showing a key already done, and Get Key from a tab
//   showing no key when the other tab got one, are "use one tab at a time"
//   and change nothing;
// - after THROTTLE_LIMIT wrong passwords for an account within a minute,
//   even the right one is refused (429, "too many attempts, try again in N
//   s") and no session is opened (the clock is fixed: the window does not
//   pass during the test);
// - an upload that is not an image, too large, of a size no ad may have, or
//   over the server's whole body limit is refused with its sentence (on the
//   upload form, what was typed kept; or h2o's 413 at once) and no ad is made;
// - the pages these reach (the error page, the confirm page, Add Funds with
//   its refusals, the throttled login, the refused upload) are photographed.
// Every sentence is the code's own (core/words.c, web/form.c, page_*.c),
// asserted whole.
import { deflateSync } from 'node:zlib';

// CRC-32 (ISO-HDLC, as PNG chunks use it): node:zlib has one only from
// Node 20.15, and Debian 12's Node is 18.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTest, check, equal, textOf, writeTemp, CheckFailed } from './harness.mjs';
import { open, register, sell, uploadAd, submit, rows } from './pages.mjs';

const MIN = 1000;
const RACE_ROUNDS = 5;
const DONE_ROUNDS = 3;
const DEPOSIT_BTC = '0.1';
const DEPOSIT_SAT = 10000000;
const THROTTLE_LIMIT = 10; // core/throttle.h: 10 a minute per account and per address
const IMAGE_MAX = 4 * 1024 * 1024; // BS_IMAGE_MAX_BYTES, media/image.h
const BODY_MAX = 5 * 1024 * 1024; // BS_WEB_BODY_MAX, web/server.h
const SIDE_MIN = 16; // BS_AD_SIDE_MIN, core/campaigns.h
const SIDE_MAX = 2048; // BS_AD_SIDE_MAX
const ONE_TAB = (what) => `use one tab at a time: ${what} was changed in another tab or window; look again`;
// The same for a slot bought from the other tab (or the form sent twice).
const BOUGHT_ELSEWHERE = (slot) =>
  `use one tab at a time: slot ${slot} of "seller/0" was bought in another tab or window (or this form was sent twice); nothing more was charged`;
const BAD_LOGIN = 'that name and password do not match an account';

// Press the (first) button of form `form` and wait for the page it leads
// to: the last response of the navigation (after any redirect).
async function press(page, form, ms = 15000) {
  const nav = page.waitForNavigation({ waitUntil: 'load', timeout: ms });
  await page.locator(`form${form} button`).first().click({ noWaitAfter: true });
  const res = await nav.catch((e) => {
    throw new CheckFailed(`form${form} on ${page.url()} led nowhere within ${ms} ms: ${e.message.split('\n')[0]}`);
  });
  return res;
}

// The text of #error or #notice on the page, or null.
async function said(page, id) {
  const loc = page.locator(`#${id}`);
  return (await loc.count()) ? (await loc.first().textContent()).trim() : null;
}

// A PNG of width × height, all one colour (8-bit greyscale), for sizes no
// example image has.
function png(width, height) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height, 0x80);
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0; // filter: none
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function writeBytes(h, name, bytes) {
  const file = path.join(h.tmp, name);
  writeFileSync(file, bytes);
  return file;
}

await runTest('browser_tabs', async (h) => {
  const sp = await (await h.newContext()).newPage(); // the seller
  const buyerCtx = await h.newContext(); // the buyer: one session, two tabs
  const [ba, bb] = [await buyerCtx.newPage(), await buyerCtx.newPage()];

  h.step('a seller with a campaign, a buyer with funds and an ad');
  await register(h, sp, 'seller', 'seller-password');
  equal(await sell(h, sp, { title: 'Two tabs', minPrice: MIN, slotSeconds: 3600, width: 300, height: 250 }),
    'seller/0', 'the campaign');
  const buyerKey = await register(h, ba, 'buyer', 'buyer-password');
  await h.cliOk(['account', 'adjust', 'buyer', '1000000', '--reason', 'browser test']);
  equal(await uploadAd(h, ba, { url: 'https://buyer.example/' }), 'buyer/0', 'the ad');
  const balance = async () => (await h.apiOk('GET', '/api/v1/account', 200, { key: buyerKey })).balance;
  const campaign = async () => h.apiOk('GET', '/api/v1/campaigns/seller/0', 200);
  const pageBalance = async (page) => {
    await open(page, '/account');
    return textOf(page, '#balance');
  };

  h.step('the error page');
  await open(ba, '/campaigns/nobody/7', 404);
  equal(await said(ba, 'error'), 'no campaign "nobody/7"', 'the error page of a campaign that is not there');
  await h.screenshot(ba, 'error');

  // Both tabs confirm slot S at the same moment.
  const odd = [];
  let expectBalance = await balance();
  equal(expectBalance, 1000000, "the buyer's balance before the races");
  for (let round = 0; round < RACE_ROUNDS; round++) {
    const slot = round;
    const price = MIN * 2 ** round;
    h.step(`race ${round + 1}/${RACE_ROUNDS}: both tabs confirm slot ${slot} at ${price} sat at once`);
    const before = await campaign();
    equal(`${before.next_slot.index}@${before.price_now}`, `${slot}@${price}`, 'the slot and price for sale before the race');
    for (const p of [ba, bb]) {
      await open(p, '/campaigns/seller/0');
      await p.locator('form#buy select[name=ad]').selectOption({ value: 'buyer/0' });
      await submit(p, '#buy', /\/campaigns\/seller\/0\/buy$/);
      equal((await textOf(p, 'form#confirm button')).replace(/\s+/g, ' '), `Yes, buy slot ${slot} at ${price} sat`,
        'the confirm button in each tab');
    }
    if (round === 0) await h.screenshot(ba, 'confirm');
    const [ra, rb] = await Promise.all([press(ba, '#confirm'), press(bb, '#confirm')]);
    const outcome = [];
    for (const [p, r, tab] of [[ba, ra, 'A'], [bb, rb, 'B']])
      outcome.push({ tab, page: p, status: r.status(), url: p.url(), notice: await said(p, 'notice'), error: await said(p, 'error') });
    const won = outcome.filter((o) => o.notice === `you bought slot ${slot} for ${price} sat`);
    const lost = outcome.filter((o) => o.error === BOUGHT_ELSEWHERE(slot));
    const story = outcome.map((o) => `tab ${o.tab}: ${o.status} ${o.url} notice=${JSON.stringify(o.notice)} error=${JSON.stringify(o.error)}`).join('; ');
    console.log(`   ${story}`);
    if (won.length !== 1 || lost.length !== 1) odd.push(`round ${round + 1} (slot ${slot}): ${story}`);
    for (const o of won) {
      equal(o.status, 200, 'the winning tab: the campaign page after the redirect');
      check(o.url === `${h.url}/campaigns/seller/0`, `the winning tab is on the campaign page: ${o.url}`);
      equal(o.error, null, 'an #error on the winning tab');
    }
    for (const o of lost) {
      equal(o.status, 409, 'the losing tab');
      equal(o.notice, null, 'a #notice on the losing tab');
      if (round === 0) await h.screenshot(o.page, 'race-lost');
    }
    // The money and the slot, whatever the pages said.
    expectBalance -= price;
    equal(await balance(), expectBalance, `the buyer's balance (API) after race ${round + 1}: down ${price} once`);
    equal(await pageBalance(ba), String(expectBalance), `#balance on /account after race ${round + 1}`);
    const after = await campaign();
    equal(after.next_slot.index, slot + 1, `the slot for sale after race ${round + 1}: exactly one more sold`);
    const sold = await h.apiOk('GET', `/api/v1/campaigns/seller/0/slots/${slot}`, 200);
    equal(`${sold.buyer}@${sold.price}`, `buyer@${price}`, `slot ${slot}'s buyer and price`);
    await h.apiOk('GET', `/api/v1/campaigns/seller/0/slots/${slot + 1}`, 404);
  }
  equal(JSON.stringify((await rows(ba, '#bought', 'tr.slot', ['campaign', 'slot', 'price'])).map((r) => r.join(' '))),
    JSON.stringify([...Array(RACE_ROUNDS).keys()].reverse().map((i) => `seller/0 ${i} ${MIN * 2 ** i}`)),
    'the slots bought on /account (newest first): one per race');
  if (odd.length)
    throw new CheckFailed(`in ${odd.length} of ${RACE_ROUNDS} races not exactly one tab bought and one was told "${BOUGHT_ELSEWHERE('S')}":\n${odd.join('\n')}`);

  h.step('Add Funds: a funder with two tabs');
  const funderCtx = await h.newContext();
  const [fa, fb] = [await funderCtx.newPage(), await funderCtx.newPage()];
  const funderKey = await register(h, fa, 'funder', 'funder-password');
  const fundsBalance = async () => (await h.apiOk('GET', '/api/v1/account', 200, { key: funderKey })).balance;
  const deposits = async () =>
    (await h.apiOk('GET', '/api/v1/account/history', 200, { key: funderKey })).entries.filter((e) => e.amount > 0).length;

  let credited = 0;
  for (let round = 0; round < DONE_ROUNDS; round++) {
    h.step(`Done race ${round + 1}/${DONE_ROUNDS}: both tabs press Done With This Key at once`);
    await open(fa, '/account/funds');
    await submit(fa, '#get-key', /\/account\/funds$/);
    const address = await textOf(fa, '#key');
    await open(fb, '/account/funds');
    equal(await textOf(fb, '#key'), address, 'the key in the other tab');
    await h.pay(address, DEPOSIT_BTC);
    await h.mine();
    await submit(fb, '#check-confirmed', /\/account\/funds\?check=confirmed$/);
    equal(await textOf(fb, '#confirmed'), String(DEPOSIT_SAT), '#confirmed before Done');
    if (round === 0) await h.screenshot(fb, 'funds-checked-other-tab');
    const [ra, rb] = await Promise.all([press(fa, '#done'), press(fb, '#done')]);
    const outcome = [];
    for (const [p, r, tab] of [[fa, ra, 'A'], [fb, rb, 'B']])
      outcome.push({ tab, page: p, status: r.status(), notice: await said(p, 'notice'), error: await said(p, 'error') });
    const story = outcome.map((o) => `tab ${o.tab}: ${o.status} notice=${JSON.stringify(o.notice)} error=${JSON.stringify(o.error)}`).join('; ');
    console.log(`   ${story}`);
    credited += DEPOSIT_SAT;
    const won = outcome.filter((o) => o.notice === `credited ${DEPOSIT_SAT} sat; your balance is ${credited} sat`);
    const lost = outcome.filter((o) => o.error === ONE_TAB('this key'));
    if (won.length !== 1 || lost.length !== 1)
      throw new CheckFailed(`Done race ${round + 1}: not exactly one tab credited and one told "${ONE_TAB('this key')}": ${story}`);
    equal(won[0].status, 200, 'the crediting tab (after the redirect)');
    equal(lost[0].status, 409, 'the refused tab');
    equal(await lost[0].page.locator('form#get-key').count(), 1, 'the refused tab shows the key state now (none: Get Key)');
    if (round === 0) await h.screenshot(lost[0].page, 'funds-done-race-lost');
    equal(await fundsBalance(), credited, `the balance after Done race ${round + 1}: credited once`);
    equal(await deposits(), round + 1, `deposits in the history after Done race ${round + 1}`);
  }
  equal(await pageBalance(fa), String(credited), '#balance on /account after the Done races');

  h.step('Done in tab A, then Done in tab B still showing the old key');
  await open(fa, '/account/funds');
  await submit(fa, '#get-key', /\/account\/funds$/);
  const address = await textOf(fa, '#key');
  await h.pay(address, DEPOSIT_BTC);
  await h.mine();
  await open(fb, '/account/funds');
  equal(await fb.locator('form#done input[name=key]').inputValue(), address, "tab B's Done carries the key");
  let r = await press(fa, '#done');
  credited += DEPOSIT_SAT;
  equal(r.status(), 200, 'Done in tab A');
  equal(await said(fa, 'notice'), `credited ${DEPOSIT_SAT} sat; your balance is ${credited} sat`, 'the notice in tab A');
  r = await press(fb, '#done');
  equal(r.status(), 409, 'Done again in tab B');
  equal(await said(fb, 'error'), ONE_TAB('this key'), 'the sentence in tab B');
  equal(await fb.locator('#key').count(), 0, 'tab B shows no key now');
  equal(await fundsBalance(), credited, 'the balance after the stale Done: unchanged');
  equal(await deposits(), DONE_ROUNDS + 1, 'deposits after the stale Done: unchanged');
  await h.screenshot(fb, 'funds-stale-done');

  h.step('Get Key in tab B, showing no key, after tab A got one');
  await open(fa, '/account/funds');
  await open(fb, '/account/funds');
  equal(await fb.locator('form#get-key input[name=key]').inputValue(), '', "Get Key's hidden key (none)");
  await submit(fa, '#get-key', /\/account\/funds$/);
  const fresh = await textOf(fa, '#key');
  check(fresh !== address, `a new key after Done: ${fresh}`);
  r = await press(fb, '#get-key');
  equal(r.status(), 409, 'Get Key in tab B');
  equal(await said(fb, 'error'), ONE_TAB('this key'), 'the sentence in tab B');
  equal(await textOf(fb, '#key'), fresh, 'tab B now shows the key tab A got');
  const key = await h.apiOk('GET', '/api/v1/account/key', 200, { key: funderKey });
  equal(key.key, fresh, "the account's key after the stale Get Key: tab A's");
  equal(await fundsBalance(), credited, 'the balance after the stale Get Key');
  await h.screenshot(fb, 'funds-stale-get-key');

  h.step('uploads refused on /ads/new, each on the form with what was typed');
  const adsBefore = JSON.stringify(await h.apiOk('GET', '/api/v1/ads', 200, { key: buyerKey }));
  const cardsBefore = async () => {
    await open(ba, '/ads');
    return ba.locator('.ad').count();
  };
  const cards = await cardsBefore();
  equal(cards, 1, 'ads on /ads before the refused uploads');
  const typed = { url: 'https://typed.example/x?a=1&b=2', hover: 'Typed <hover> & "more"', nickname: 'typed', categories: 'shoes' };
  const refusals = [
    ['a text file named ad.png', writeTemp(h, 'ad.png', 'this is not a picture\n'), 415,
      'image "ad.png": not a JPEG, PNG, GIF, WebP or BMP image'],
    [`an image of ${IMAGE_MAX + 1} bytes`, writeBytes(h, 'big.png', Buffer.concat([png(300, 250), Buffer.alloc(IMAGE_MAX + 1 - png(300, 250).length)])), 413,
      'image "big.png": the file is larger than 4 MiB'],
    [`a ${SIDE_MIN - 1}x250 PNG`, writeBytes(h, 'narrow.png', png(SIDE_MIN - 1, 250)), 422,
      `the image "narrow.png" is ${SIDE_MIN - 1}x250 pixels; ads are ${SIDE_MIN} to ${SIDE_MAX} pixels a side`],
    [`a ${SIDE_MAX + 1}x${SIDE_MIN} PNG`, writeBytes(h, 'wide.png', png(SIDE_MAX + 1, SIDE_MIN)), 422,
      `the image "wide.png" is ${SIDE_MAX + 1}x${SIDE_MIN} pixels; ads are ${SIDE_MIN} to ${SIDE_MAX} pixels a side`],
  ];
  let shot = false;
  for (const [what, file, status, sentence] of refusals) {
    h.step(`upload refused: ${what}`);
    await open(ba, '/ads/new');
    await ba.setInputFiles('form#upload [name=image]', file);
    for (const [name, value] of Object.entries(typed)) await ba.fill(`form#upload [name=${name}]`, value);
    const res = await press(ba, '#upload');
    equal(await said(ba, 'error'), sentence, `#error after uploading ${what}`);
    equal(res.status(), status, `the status of uploading ${what}`);
    equal(await ba.locator('form#upload').count(), 1, `the upload form again after ${what}`);
    for (const [name, value] of Object.entries(typed))
      equal(await ba.locator(`form#upload [name=${name}]`).inputValue(), value, `the ${name} typed, after ${what}`);
    equal(await ba.locator('form#upload [name=image]').inputValue(), '', `the file chosen, after ${what} (not kept)`);
    if (!shot) await h.screenshot(ba, 'upload-refused');
    shot = true;
    equal(JSON.stringify(await h.apiOk('GET', '/api/v1/ads', 200, { key: buyerKey })), adsBefore, `GET /api/v1/ads after ${what}`);
    equal(await cardsBefore(), cards, `ads on /ads after ${what}`);
  }

  h.step(`upload refused by h2o: a file of ${BODY_MAX + 1} bytes, over the whole body limit`);
  await open(ba, '/ads/new');
  await ba.setInputFiles('form#upload [name=image]', writeBytes(h, 'huge.png', Buffer.alloc(BODY_MAX + 1, 0x41)));
  await ba.fill('form#upload [name=url]', typed.url);
  const t0 = Date.now();
  const res = await press(ba, '#upload', 10000);
  const took = Date.now() - t0;
  equal(res.status(), 413, 'the status of a body over the limit');
  equal((await ba.locator('body').textContent()).trim(), 'request entity is too large', "the page of h2o's 413");
  console.log(`   h2o answered 413 in ${took} ms`);
  check(took < 5000, `h2o's 413 took ${took} ms (the body is refused, not waited for)`);
  await h.screenshot(ba, 'upload-over-body-limit');
  equal(JSON.stringify(await h.apiOk('GET', '/api/v1/ads', 200, { key: buyerKey })), adsBefore, 'GET /api/v1/ads after the 413');
  equal(await cardsBefore(), cards, 'ads on /ads after the 413');

  h.step(`${THROTTLE_LIMIT} wrong passwords for one account, then the right one`);
  const victimCtx = await h.newContext();
  const vp = await victimCtx.newPage();
  await register(h, vp, 'victim', 'victim-password');
  await victimCtx.clearCookies();
  await open(vp, '/login');
  const login = async (password) => {
    await vp.fill('form#login [name=name]', 'victim');
    await vp.fill('form#login [name=password]', password);
    return press(vp, '#login');
  };
  for (let i = 1; i <= THROTTLE_LIMIT; i++) {
    const wrong = await login(`wrong-password-${i}`);
    equal(wrong.status(), 401, `wrong password ${i}`);
    equal(await said(vp, 'error'), BAD_LOGIN, `the sentence after wrong password ${i}`);
    equal(await vp.locator('form#login [name=name]').inputValue(), 'victim', `the name typed, after wrong password ${i}`);
  }
  const cookiesBefore = JSON.stringify(await victimCtx.cookies(h.url));
  const right = await login('victim-password');
  equal(right.status(), 429, `the right password after ${THROTTLE_LIMIT} wrong ones`);
  const m = (await said(vp, 'error'))?.match(/^too many attempts, try again in (\d+) s$/);
  check(m && +m[1] >= 1 && +m[1] <= 60, `the sentence when throttled: ${JSON.stringify(await said(vp, 'error'))}`);
  check(/\/login$/.test(vp.url()), `still on /login when throttled: ${vp.url()}`);
  equal(await vp.locator('#me').count(), 0, 'a logged-in name when throttled');
  equal(JSON.stringify(await victimCtx.cookies(h.url)), cookiesBefore, 'the cookies when throttled (no session)');
  check(!(await victimCtx.cookies(h.url)).some((c) => /session/.test(c.name)), 'no session cookie when throttled');
  await h.screenshot(vp, 'login-throttled');
  await open(vp, '/account');
  check(/\/login\?next=\/account$/.test(vp.url()), `/account sends a throttled visitor to log in: ${vp.url()}`);

  h.step('the books hold');
  await h.cliOk(['check']);
});

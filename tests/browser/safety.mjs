// safety.mjs — what the pages of issue 10 must withstand, in a real browser,
// per notes/pages-contract.md:
// - markup typed by users (a campaign title, an ad's hover text, a nickname
//   made to break out of an attribute) shows as text on /, the campaign page
//   and /ads, and runs nothing: any dialog fails the test (harness);
// - a form POST without the csrf field, or with another session's token, is
//   refused (403 and the contract's sentence) and changes nothing (balance,
//   queue, campaign count), while the same POST with the right token works
//   (so the refusals are not a broken request);
// - the session cookie's value changes at login, is HttpOnly, and neither the
//   value from before login nor the one from before logout opens the account
//   afterwards (while it did open it before);
// - with JavaScript off the campaign page shows the price and buys a slot.
import { runTest, check, equal, textOf } from './harness.mjs';
import { open, register, login, logout, sell, uploadAd, buy } from './pages.mjs';

const XSS = '<script>alert(1)</script>';
const ATTR_XSS = '"><img src=x onerror=alert(2)>';
const REFUSED = 'the form has expired or came from another site; reload the page and try again';

// No script element of the page carries the payload, and a moment passed
// for any dialog to open (the harness fails the step when one did).
async function inert(h, page, where) {
  const planted = await page.locator('script').evaluateAll((s) => s.some((x) => x.textContent.includes('alert(')));
  check(!planted, `a <script> with alert( in the DOM of ${where}`);
  equal(await page.locator('img[src="x"]').count(), 0, `an injected <img src=x> on ${where}`);
  await page.waitForTimeout(300);
  h.assertQuiet();
}

await runTest('browser_safety', async (h) => {
  const sp = await (await h.newContext()).newPage();
  const bp = await (await h.newContext()).newPage();

  h.step('markup in a title and a hover text is stored as typed');
  await register(h, sp, 'seller', 'seller-password');
  equal(await sell(h, sp, { title: XSS, minPrice: 1000, slotSeconds: 3600, width: 300, height: 250 }), 'seller/0', 'the campaign');
  const buyerKey = await register(h, bp, 'buyer', 'buyer-password');
  await h.cliOk(['account', 'adjust', 'buyer', '100000', '--reason', 'browser test']);
  equal(await uploadAd(h, bp, { url: 'https://buyer.example/', hover: XSS, nickname: ATTR_XSS }), 'buyer/0', 'the ad');
  await open(bp, '/campaigns/seller/0');
  equal((await buy(h, bp, 'buyer/0')).notice, 'you bought slot 0 for 1000 sat', 'the purchase');

  h.step('... and shows as text on /');
  await open(bp, '/');
  const item = bp.locator('#campaigns .campaign').filter({ has: bp.locator('a.campaign-link[href="/campaigns/seller/0"]') });
  equal((await item.locator('.title').textContent()).trim(), XSS, 'the title on /');
  await inert(h, bp, '/');
  await h.screenshot(bp, 'xss-home');

  h.step('... on the campaign page');
  await open(bp, '/campaigns/seller/0');
  equal(await textOf(bp, '#title'), XSS, 'the title on the campaign page');
  const showing = bp.locator('#showing [title]').first();
  if ((await showing.count()) > 0) equal(await showing.getAttribute('title'), XSS, 'the hover text on the campaign page');
  await inert(h, bp, 'the campaign page');
  await h.screenshot(bp, 'xss-campaign');

  h.step('... on /ads');
  await open(bp, '/ads');
  equal(await textOf(bp, '#ad-buyer-0 .hover'), XSS, 'the hover text on /ads');
  await inert(h, bp, '/ads');
  await h.screenshot(bp, 'xss-ads');

  h.step('... and in the embed');
  await open(bp, '/embed/seller/0');
  equal(await bp.locator('a[title]').getAttribute('title'), XSS, 'the hover text in the embed');
  await inert(h, bp, 'the embed');

  const balance = async () => (await h.apiOk('GET', '/api/v1/account', 200, { key: buyerKey })).balance;
  const campaigns = async () => (await h.apiOk('GET', '/api/v1/campaigns?owner=seller', 200)).length;
  const nextSlot = async () => (await h.apiOk('GET', '/api/v1/campaigns/seller/0', 200)).next_slot;
  const post = (page, route, form) =>
    page.context().request.post(h.url + route, { form, maxRedirects: 0, failOnStatusCode: false });
  const refused = async (res, what) => {
    equal(res.status(), 403, what);
    check((await res.text()).includes(REFUSED), `${what}: the page says "${REFUSED}"`);
  };

  h.step('a purchase POST without csrf, or with the seller\'s token, is refused and buys nothing');
  await open(sp, '/sell');
  const sellerToken = await sp.locator('form#sell input[name=csrf]').inputValue();
  await open(bp, '/campaigns/seller/0');
  const buyerToken = await bp.locator('form#buy input[name=csrf]').inputValue();
  check(buyerToken !== '' && buyerToken !== sellerToken, 'two sessions have two different csrf tokens');
  const order = {
    ad: 'buyer/0',
    slot: await bp.locator('form#buy input[name=slot]').inputValue(),
    price: await bp.locator('form#buy input[name=price]').inputValue(),
    confirm: 'yes',
  };
  equal(`${order.slot}@${order.price}`, '1@2000', 'the slot and price in form#buy');
  const [before, slotBefore] = [await balance(), await nextSlot()];
  await refused(await post(bp, '/campaigns/seller/0/buy', order), 'a buy without csrf');
  await refused(await post(bp, '/campaigns/seller/0/buy', { ...order, csrf: sellerToken }), "a buy with the seller's csrf");
  equal(await balance(), before, 'the balance after refused buys');
  equal(JSON.stringify(await nextSlot()), JSON.stringify(slotBefore), 'the slot for sale after refused buys');

  h.step('a campaign POST without csrf, or with the buyer\'s token, is refused and makes nothing');
  const form = { title: 'Forged', min_price: '1000', slot_seconds: '3600', width: '300', height: '250', disallow: '' };
  await refused(await post(sp, '/sell', form), 'a campaign without csrf');
  await refused(await post(sp, '/sell', { ...form, csrf: buyerToken }), "a campaign with the buyer's csrf");
  equal(await campaigns(), 1, 'the campaigns after refused posts');
  const ok = await post(sp, '/sell', { ...form, csrf: sellerToken });
  equal(ok.status(), 303, 'the same campaign POST with the right csrf');
  equal(await campaigns(), 2, 'the campaigns after the right post');

  h.step('the session cookie changes at login; neither old value works after logout');
  const ctx = bp.context();
  await logout(bp);
  await open(bp, '/login');
  const beforeLogin = await ctx.cookies(h.url);
  await login(bp, 'buyer', 'buyer-password');
  const afterLogin = await ctx.cookies(h.url);
  const fresh = afterLogin.filter((c) => !beforeLogin.some((b) => b.name === c.name && b.value === c.value));
  check(fresh.length > 0, `no cookie changed its value at login: ${JSON.stringify(afterLogin.map((c) => c.name))}`);
  for (const c of fresh) {
    check(c.httpOnly, `the session cookie ${c.name} is not HttpOnly`);
    check(c.sameSite !== 'None', `the session cookie ${c.name} is SameSite=None`);
  }
  const who = async (cookies) => {
    const other = await h.newContext();
    await other.addCookies(cookies);
    const page = await other.newPage();
    await page.goto('/account');
    const me = (await page.locator('#me').count()) ? (await page.locator('#me').textContent()).trim() : null;
    await other.close();
    return me;
  };
  equal(await who(afterLogin), 'buyer', 'the session cookie copied to another browser (before logout)');
  if (beforeLogin.length) equal(await who(beforeLogin), null, 'the cookies from before login (session fixation)');
  await logout(bp);
  equal(await who(afterLogin), null, 'the session cookie from before logout');

  h.step('with JavaScript off the campaign page shows the price and buys');
  const np = await (await h.newContext({ javaScriptEnabled: false })).newPage();
  await login(np, 'buyer', 'buyer-password');
  await open(np, '/campaigns/seller/0');
  equal(await textOf(np, '#price'), '2000', 'the price with JavaScript off');
  await h.screenshot(np, 'no-js-campaign');
  const bought = await buy(h, np, 'buyer/0', 'no-js-confirm');
  equal(bought.confirmButton, 'Yes, buy slot 1 at 2000 sat', 'the confirm button with JavaScript off');
  equal(bought.notice, 'you bought slot 1 for 2000 sat', 'the notice with JavaScript off');
  equal(await balance(), before - 2000, 'the balance after buying with JavaScript off');
  await h.screenshot(np, 'no-js-bought');
});

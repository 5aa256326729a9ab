// journey.mjs — issue 10's journey through the pages in a real browser, the
// page twin of tests/web/test_journey.c: a seller and a buyer register (two
// browser contexts: two people), the seller makes a campaign on /sell and
// gets its snippet; the buyer funds the account with bitcoin on
// /account/funds (Get Key, pay from the regtest wallet, Check for Pending,
// a block, Check for Confirmed, Done), uploads an ad, and buys the slot on
// the campaign page (Buy, are you sure, Yes); a publisher's page with the
// snippet shows the ad; a second buyer watching the campaign page sees the
// price double without a reload and queues the next slot. Every page is
// photographed at 1280 and 360 px. Exact money: the clock is fixed, so the
// price falls nowhere between two reads.
//
// Written against notes/pages-contract.md; it fails at the first page that
// is not there yet.
import { runTest, check, equal, textOf, waitText, checkImage } from './harness.mjs';
import { open, register, login, logout, sell, uploadAd, buy, submit, rows } from './pages.mjs';

const MIN = 1000;
const DEPOSIT_SAT = 50000000; // 0.5 BTC

await runTest('browser_journey', async (h) => {
  const sp = await (await h.newContext()).newPage(); // the seller
  const bp = await (await h.newContext()).newPage(); // the buyer
  const qp = await (await h.newContext()).newPage(); // the second buyer

  h.step('home, logged out');
  await open(sp, '/');
  for (const [text, href] of [['Log in', '/login'], ['Register', '/register']])
    equal(await sp.locator(`nav#nav a[href="${href}"]`).count(), 1, `a nav link to ${href} (${text}) logged out`);
  await h.screenshot(sp, 'home-empty');

  h.step('the seller registers; the API key is shown once');
  await register(h, sp, 'seller', 'seller-password', true);
  equal(await textOf(sp, '#balance'), '0', "a new account's balance");
  await h.screenshot(sp, 'account-new');
  await open(sp, '/account');
  equal(await sp.locator('#api-key').count(), 0, 'the API key on /account again (shown once only)');
  for (const href of ['/', '/sell', '/ads', '/account', '/account/funds'])
    equal(await sp.locator(`nav#nav a[href="${href}"]`).count(), 1, `a nav link to ${href} logged in`);

  h.step('the seller logs out and in again');
  await logout(sp);
  equal(await sp.locator('nav#nav a[href="/login"]').count(), 1, 'the Log in link after logging out');
  await open(sp, '/login');
  await h.screenshot(sp, 'login');
  await login(sp, 'seller', 'seller-password');

  h.step('the seller makes a campaign on /sell and reads its snippet');
  const id = await sell(h, sp, { title: 'Front page', minPrice: MIN, slotSeconds: 3600, width: 300, height: 250 }, true);
  equal(id, 'seller/0', 'the new campaign');
  const snippet = await sp.locator('#snippet').inputValue();
  check(snippet.includes(`<iframe`) && snippet.includes(`src="${h.url}/embed/seller/0"`),
    `#snippet is an iframe of ${h.url}/embed/seller/0: ${snippet}`);
  check(!/<script/i.test(snippet), `#snippet has no script: ${snippet}`);
  equal(await sp.locator('iframe#preview').count(), 1, 'the preview iframe');
  check(/\/embed\/seller\/0$/.test(await sp.locator('iframe#preview').getAttribute('src')), 'the preview shows /embed/seller/0');
  await h.screenshot(sp, 'campaign-new');

  h.step('the buyer registers and gets a key');
  await register(h, bp, 'buyer', 'buyer-password');
  await open(bp, '/account/funds');
  await h.screenshot(bp, 'funds-none');
  await submit(bp, '#get-key', /\/account\/funds$/);
  const address = await textOf(bp, '#key');
  check(/^bcrt1[02-9ac-hj-np-z]{20,}$/.test(address), `#key is a regtest address: ${address}`);
  equal(await bp.locator('a#key-link').getAttribute('href'), `bitcoin:${address}`, 'the key link');
  equal(await bp.locator('#qr svg, svg#qr').count(), 1, 'the QR code (inline svg)');
  await h.screenshot(bp, 'funds-key');

  h.step('paid from the regtest wallet: Check for Pending');
  await h.pay(address, '0.5');
  await submit(bp, '#check-pending', /\/account\/funds\?check=pending$/);
  equal(await textOf(bp, '#pending'), String(DEPOSIT_SAT), '#pending after paying 0.5 BTC');
  equal(await textOf(bp, '#key'), address, 'the same key after a check');
  await h.screenshot(bp, 'funds-pending');

  h.step('a block: Check for Confirmed');
  await h.mine();
  await submit(bp, '#check-confirmed', /\/account\/funds\?check=confirmed$/);
  equal(await textOf(bp, '#confirmed'), String(DEPOSIT_SAT), '#confirmed after a block');
  await h.screenshot(bp, 'funds-confirmed');

  h.step('Done With This Key: credited, the balance on /account');
  equal(await bp.locator('form#done input[name=key]').inputValue(), address, "Done's hidden key");
  await submit(bp, '#done', /\/account\/funds(\?.*)?$/);
  equal(await textOf(bp, '#notice'), `credited ${DEPOSIT_SAT} sat; your balance is ${DEPOSIT_SAT} sat`, 'the notice after Done');
  equal(await bp.locator('form#get-key').count(), 1, 'Get Key again after Done (state none)');
  await h.screenshot(bp, 'funds-done');
  await open(bp, '/account');
  equal(await textOf(bp, '#balance'), String(DEPOSIT_SAT), 'the balance after Done');
  const history = await rows(bp, '#history', 'tr.entry', ['amount', 'balance']);
  check(history.some(([a, b]) => a === String(DEPOSIT_SAT) && b === String(DEPOSIT_SAT)),
    `a history entry of +${DEPOSIT_SAT}: ${JSON.stringify(history)}`);
  await h.screenshot(bp, 'account-funded');

  h.step('the buyer uploads an ad on /ads/new');
  const ad = await uploadAd(h, bp, { url: 'https://buyer.example/', hover: "Buyer's shop", nickname: 'spring' }, true);
  equal(ad, 'buyer/0', 'the new ad');
  await checkImage(bp.locator('img#preview, #preview img').first(), 300, 250, 'the #preview of the new ad');
  const card = bp.locator('.ad#ad-buyer-0');
  equal(await card.count(), 1, 'the ad on /ads');
  equal(await textOf(bp, '#ad-buyer-0 .url'), 'https://buyer.example/', "the ad's URL on /ads");
  equal(await textOf(bp, '#ad-buyer-0 .hover'), "Buyer's shop", "the ad's hover text on /ads");
  check(/^300\s*[x×]\s*250$/.test(await textOf(bp, '#ad-buyer-0 .size')), "the ad's size on /ads");
  await h.screenshot(bp, 'ads');

  h.step('the campaign on the home page');
  await open(bp, '/');
  const item = bp.locator('#campaigns .campaign').filter({ has: bp.locator('a.campaign-link[href="/campaigns/seller/0"]') });
  equal(await item.count(), 1, 'seller/0 on the home page');
  equal((await item.locator('.title').textContent()).trim(), 'Front page', 'its title on the home page');
  equal((await item.locator('.price').textContent()).trim(), String(MIN), 'its price on the home page');
  check(/your ad here/.test(await item.textContent()), 'a campaign with no sale shows "your ad here" on the home page');
  await h.screenshot(bp, 'home');

  h.step('a second buyer, funded and with an ad, watches the campaign page');
  await register(h, qp, 'second', 'second-password');
  await h.cliOk(['account', 'adjust', 'second', '100000', '--reason', 'browser test']);
  equal(await uploadAd(h, qp, { url: 'https://second.example/' }), 'second/0', "the second buyer's ad");
  await open(qp, '/campaigns/seller/0');
  equal(await textOf(qp, '#price'), String(MIN), 'the price the second buyer sees first');
  await qp.waitForTimeout(500); // the live events stream is connected

  h.step('the buyer buys slot 0 on the campaign page');
  await open(bp, '/campaigns/seller/0');
  equal(await textOf(bp, '#title'), 'Front page', 'the campaign title');
  equal(await textOf(bp, '#price'), String(MIN), 'the price');
  equal(await textOf(bp, '#for-sale'), '0', 'the slot for sale');
  check(/your ad here/.test(await textOf(bp, '#showing')), 'nothing showing before the sale');
  equal(await bp.locator('table#queue tr.slot').count(), 0, 'the queue before the sale');
  await h.screenshot(bp, 'campaign');
  const first = await buy(h, bp, 'buyer/0', 'confirm');
  equal(first.buyButton, `Buy at ${MIN} sat`, 'the Buy button');
  equal(first.confirmButton, `Yes, buy slot 0 at ${MIN} sat`, 'the confirm button');
  equal(first.notice, `you bought slot 0 for ${MIN} sat`, 'the notice after buying');
  equal(await textOf(bp, '#price'), String(2 * MIN), 'the price after the sale');
  equal(JSON.stringify(await rows(bp, '#queue', 'tr.slot', ['slot', 'buyer'])), '[["0","buyer"]]', 'the queue after the sale');
  await h.screenshot(bp, 'campaign-bought');

  h.step('the second buyer sees the price double without a reload');
  await waitText(qp, '#price', String(2 * MIN), 5000);
  check((await textOf(qp, '#live')).length > 0, 'a live notice (#live) on the second buyer\'s page');
  await h.screenshot(qp, 'campaign-live');

  h.step('a publisher page with the snippet shows the ad');
  const pub = await (await h.newContext()).newPage();
  await pub.setContent(`<!doctype html><title>A publisher</title><h1>A publisher</h1>${snippet}`);
  const frame = pub.frameLocator('iframe');
  await checkImage(frame.locator('img'), 300, 250, 'the ad in the snippet');
  await h.screenshot(pub, 'publisher');

  h.step('the buyer sees the ad showing and the purchase on /account');
  await open(bp, '/campaigns/seller/0');
  await checkImage(bp.locator('#showing img'), 300, 250, 'the ad showing on the campaign page');
  await open(bp, '/account');
  equal(await textOf(bp, '#balance'), String(DEPOSIT_SAT - MIN), 'the balance after buying');
  equal(JSON.stringify(await rows(bp, '#bought', 'tr.slot', ['campaign', 'slot', 'price'])),
    `[["seller/0","0","${MIN}"]]`, 'the slots bought');
  await h.screenshot(bp, 'account-bought');

  h.step('the second buyer queues the next slot (no reload before Buy)');
  const second = await buy(h, qp, 'second/0', 'confirm-second');
  equal(second.confirmButton, `Yes, buy slot 1 at ${2 * MIN} sat`, 'the confirm button after the live change');
  equal(second.notice, `you bought slot 1 for ${2 * MIN} sat`, "the second buyer's notice");
  equal(JSON.stringify(await rows(qp, '#queue', 'tr.slot', ['slot', 'buyer'])), '[["0","buyer"],["1","second"]]',
    'the queue: 2 slots');
  equal(await textOf(qp, '#price'), String(4 * MIN), 'the price after two sales');
  await h.screenshot(qp, 'campaign-queued');

  h.step("the seller's sales on /account (credited off the purchase's path)");
  // Sale price less the 1.5 % fee, rounded up: 1000 → 985, 2000 → 1970.
  const deadline = Date.now() + 5000;
  for (;;) {
    await open(sp, '/account');
    if ((await textOf(sp, '#balance')) === String(985 + 1970) || Date.now() > deadline) break;
    await sp.waitForTimeout(200);
  }
  equal(await textOf(sp, '#balance'), String(985 + 1970), "the seller's balance");
  equal(JSON.stringify(await rows(sp, '#sold', 'tr.slot', ['campaign', 'slot', 'price'])),
    `[["seller/0","0","${MIN}"],["seller/0","1","${2 * MIN}"]]`, 'the slots sold');
  await h.screenshot(sp, 'account-sold');

  h.step('the books hold');
  await h.cliOk(['check']);
});

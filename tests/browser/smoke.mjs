// smoke.mjs — the browser harness against what the server has without the
// pages of issue 10: the publisher embed of a campaign made with the CLI
// (free: "your ad here"; then, once bought, the ad's image, shown inside a
// publisher's page through the iframe snippet, its style and image allowed by
// the embed's own Content-Security-Policy), and /api/v1/openapi.json loaded in
// the browser. The buyer is funded through the API with real bitcoin (pay,
// pending, mine, confirmed, Done), which proves the harness's pay() and mine()
// for the journey. Exact money throughout (the clock is fixed).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { runTest, check, equal, textOf, checkImage } from './harness.mjs';

await runTest('browser_smoke', async (h) => {
  h.step('a seller and a campaign, with the CLI');
  await h.cliOk(['account', 'create', 'seller'], { stdin: 'seller-password\n' });
  const id = (
    await h.cliOk(['campaign', 'create', 'seller', '--min-price', '1000', '--slot-seconds', '3600',
      '--size', '300x250', '--title', 'Smoke spot'])
  ).trim();
  equal(id, 'seller/0', 'the campaign id');

  h.step('the free embed in the browser');
  const page = await h.newPage();
  let res = await page.goto('/embed/seller/0');
  equal(res.status(), 200, 'GET /embed/seller/0');
  equal(await page.title(), 'Smoke spot', 'the embed page title');
  equal(await textOf(page, 'a.free'), 'your ad here \u2014 1000 sat now', 'the free embed');
  equal(await page.locator('a.free').getAttribute('href'), '/campaigns/seller/0', 'the free embed link');
  await h.screenshot(page, 'embed-free');

  h.step('/api/v1/openapi.json in the browser');
  res = await page.goto('/api/v1/openapi.json');
  equal(res.status(), 200, 'GET /api/v1/openapi.json');
  check(/^application\/json/.test(res.headers()['content-type'] ?? ''),
    `openapi.json content-type: ${res.headers()['content-type']}`);
  const doc = JSON.parse(await res.text());
  check(/^3\.1\./.test(doc.openapi), `openapi version: ${doc.openapi}`);
  for (const route of ['/api/v1/accounts', '/api/v1/campaigns/{owner}/{index}/buy', '/api/v1/account/key/done'])
    check(doc.paths && route in doc.paths, `openapi.json has no path ${route}`);
  await h.screenshot(page, 'openapi');

  h.step('a buyer funded with bitcoin through the API');
  const buyer = await h.apiOk('POST', '/api/v1/accounts', 201, { json: { name: 'buyer', password: 'buyer-password' } });
  const key = buyer.api_key;
  const { key: address } = await h.apiOk('POST', '/api/v1/account/key', 200, { key });
  check(/^bcrt1/.test(address), `a regtest deposit address: ${address}`);
  await h.pay(address, '0.5');
  let state = await h.apiOk('GET', '/api/v1/account/key', 200, { key });
  equal(`${state.pending}/${state.confirmed}`, '50000000/0', 'pending/confirmed after pay');
  await h.mine();
  state = await h.apiOk('GET', '/api/v1/account/key', 200, { key });
  equal(`${state.pending}/${state.confirmed}`, '0/50000000', 'pending/confirmed after a block');
  const done = await h.apiOk('POST', '/api/v1/account/key/done', 200, { key });
  equal(JSON.stringify(done), '{"credited":50000000,"balance":50000000}', 'Done');

  h.step('an ad and a purchase, through the API');
  const png = await readFile(path.join(h.source, 'examples', 'ad-300x250.png'));
  const form = new FormData();
  form.append('image', new Blob([png], { type: 'image/png' }), 'ad-300x250.png');
  form.append('url', 'https://buyer.example/');
  form.append('hover', "Buyer's shop");
  equal(JSON.stringify(await h.apiOk('POST', '/api/v1/ads', 201, { key, form })), '{"id":"buyer/0"}', 'the ad');
  const slot = await h.apiOk('POST', '/api/v1/campaigns/seller/0/buy', 201, { key, json: { ad: 'buyer/0' } });
  equal(`${slot.index}@${slot.price}`, '0@1000', 'the slot bought (index@price)');
  const campaign = await h.apiOk('GET', '/api/v1/campaigns/seller/0', 200);
  equal(campaign.price_now, 2000, 'the price after the sale');

  h.step("a publisher's page with the snippet shows the ad");
  const snippet = `<iframe src="${h.url}/embed/seller/0" width="300" height="250" style="border:0" title="ad"></iframe>`;
  const publisher = await h.newPage();
  // The embed is answered from memory, refreshed within a second of a sale.
  let frame;
  for (let tries = 0; ; tries++) {
    await publisher.setContent(`<!doctype html><title>A publisher</title><h1>A publisher</h1>${snippet}`);
    frame = publisher.frameLocator('iframe[title=ad]');
    if ((await frame.locator('img').count()) > 0) break;
    check(tries < 30, 'the embed still shows no ad 3 s after the sale');
    await publisher.waitForTimeout(100);
  }
  await checkImage(frame.locator('img'), 300, 250, 'the ad in the iframe');
  const link = frame.locator('a').first();
  equal(await link.getAttribute('href'), '/go/seller/0/0', 'the ad link');
  equal(await link.getAttribute('title'), "Buyer's shop", 'the hover text');
  await h.screenshot(publisher, 'publisher-page');
});

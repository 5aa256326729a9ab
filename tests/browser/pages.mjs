// pages.mjs — the steps a person takes on bitslot's pages, written once
// against notes/pages-contract.md (addresses, form ids, element ids), for
// journey.mjs and safety.mjs. Each step waits for the page it leads to and,
// when it does not come, fails saying where the browser is and the page's
// #error sentence, if any.
import path from 'node:path';
import { CheckFailed, equal, textOf } from './harness.mjs';

// Click the (first) button of form `form` and wait for a URL matching `re`.
export async function submit(page, form, re, ms = 10000) {
  const button = page.locator(`form${form} button`).first();
  try {
    await button.waitFor({ state: 'visible', timeout: ms });
  } catch {
    throw new CheckFailed(`no button in form${form} on ${page.url()}`);
  }
  // A navigation must happen: the page a form leads to may have the same
  // address as the one it is on (Get Key, Done: back to /account/funds).
  const navigated = page
    .waitForEvent('framenavigated', { predicate: (f) => f === page.mainFrame(), timeout: ms })
    .catch(() => null);
  await button.click();
  if (!(await navigated)) throw new CheckFailed(`form${form} on ${page.url()} led nowhere within ${ms} ms`);
  await arrived(page, re, ms);
}

// The browser is at a URL matching re (waiting up to ms).
export async function arrived(page, re, ms = 10000) {
  try {
    await page.waitForURL(re, { timeout: ms, waitUntil: 'load' });
  } catch {
    const error = await page.locator('#error').first().textContent({ timeout: 100 }).catch(() => null);
    throw new CheckFailed(`want a page at ${re}, still at ${page.url()}` + (error ? `, which says: ${error.trim()}` : ''));
  }
}

export async function open(page, route, status = 200) {
  const res = await page.goto(route);
  equal(res.status(), status, `GET ${route}`);
  return res;
}

// Register on /register; the new API key shown once on /account.
export async function register(h, page, name, password, shot) {
  await open(page, '/register');
  if (shot) await h.screenshot(page, 'register');
  await page.fill('form#register [name=name]', name);
  await page.fill('form#register [name=password]', password);
  await submit(page, '#register', /\/account$/);
  equal(await textOf(page, '#me'), name, 'the name in #me after registering');
  const key = await textOf(page, '#api-key');
  if (!/^[0-9a-f]{16,}$/.test(key)) throw new CheckFailed(`#api-key after registering: ${JSON.stringify(key)}`);
  return key;
}

export async function login(page, name, password) {
  await open(page, '/login');
  await page.fill('form#login [name=name]', name);
  await page.fill('form#login [name=password]', password);
  await submit(page, '#login', /\/account$/);
  equal(await textOf(page, '#me'), name, 'the name in #me after logging in');
}

export async function logout(page) {
  await submit(page, '#logout', /\/$/);
}

// A campaign made on /sell: its id "OWNER/I", and the page /campaigns/O/I?new=1.
export async function sell(h, page, { title, minPrice, slotSeconds, width, height, disallow = '' }, shot) {
  await open(page, '/sell');
  if (shot) await h.screenshot(page, 'sell');
  await page.fill('form#sell [name=title]', title);
  await page.fill('form#sell [name=min_price]', String(minPrice));
  await page.fill('form#sell [name=slot_seconds]', String(slotSeconds));
  await page.fill('form#sell [name=width]', String(width));
  await page.fill('form#sell [name=height]', String(height));
  if (disallow) await page.fill('form#sell [name=disallow]', disallow);
  await submit(page, '#sell', /\/campaigns\/\w+\/\d+\?new=1$/);
  return page.url().match(/\/campaigns\/(\w+\/\d+)\?new=1$/)[1];
}

// An ad uploaded on /ads/new: its id "OWNER/I", the browser on /ads?added=ID.
export async function uploadAd(h, page, { image, url, hover = '', nickname = '', categories = '' }, shot) {
  await open(page, '/ads/new');
  if (shot) await h.screenshot(page, 'ads-new');
  await page.setInputFiles('form#upload [name=image]', image ?? path.join(h.source, 'examples', 'ad-300x250.png'));
  await page.fill('form#upload [name=url]', url);
  if (hover) await page.fill('form#upload [name=hover]', hover);
  if (nickname) await page.fill('form#upload [name=nickname]', nickname);
  if (categories) await page.fill('form#upload [name=categories]', categories);
  await submit(page, '#upload', /\/ads\?added=\w+(%2F|\/)\d+$/);
  return decodeURIComponent(page.url().match(/added=(.*)$/)[1]);
}

// Buy the slot for sale on the campaign page the browser is on, with ad
// `ad`: Buy, then the "are you sure?" page, then Yes. Returns the texts of
// both buttons and of the notice, for the caller to check.
export async function buy(h, page, ad, shot) {
  const campaign = page.url().replace(/[?#].*$/, '');
  await page.locator('form#buy select[name=ad]').selectOption({ value: ad });
  const buyButton = (await textOf(page, 'form#buy button')).replace(/\s+/g, ' ');
  await submit(page, '#buy', /\/buy(\?.*)?$/);
  const confirmButton = (await textOf(page, 'form#confirm button')).replace(/\s+/g, ' ');
  if (shot) await h.screenshot(page, shot);
  await submit(page, '#confirm', (u) => u.href.replace(/[?#].*$/, '') === campaign);
  const notice = await textOf(page, '#notice');
  return { buyButton, confirmButton, notice };
}

// The rows of table `table`: for each tr.slot / tr.entry (rowSel), the text
// of each of `cells` (class names).
export async function rows(page, table, rowSel, cells) {
  return page.locator(`table${table} ${rowSel}`).evaluateAll(
    (trs, cells) => trs.map((tr) => cells.map((c) => (tr.querySelector(`.${c}`)?.textContent ?? '').trim())),
    cells,
  );
}

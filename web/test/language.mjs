// Drives the map page in Debian's chromium for the Go test
// TestMapPageLanguagesInBrowser: a Chinese browser opens a link to a place
// (#zoom/lat/lon), clicks a grid there and searches a county; the map is
// panned (the URL follows); the English switch is pressed (the page comes
// back in English at the same place) and the page is opened again without
// the link (English is remembered). Screenshots in each language.
//
//   node language.mjs PLAN.json
//
// PLAN is {"url", "zoom", "lon", "lat", "county", "shotZh", "shotEn"}.
// Prints one JSON line: {"zh": {...}, "en": {...}, "view": {...},
// "panned": {...}, "switched": {...}, "remembered": {...}, "errors": [...]};
// each page reading has the page's lang, its hint, the clicked grid's
// panel (title, labels, fields), the searched county's panel, and the
// catalog keys it shows instead of texts.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { shownKeys } from './keys.mjs';

const plan = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--use-gl=swiftshader',
    '--enable-unsafe-swiftshader'],
});
const errors = [];
const out = {};
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, locale: 'zh-CN' });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const settle = async () => {
    await page.waitForFunction(() => window.gridmap && window.gridmap.loaded() && window.gridmap.areTilesLoaded() &&
      !window.gridmap.isMoving(), null, { timeout: 60000 });
    await page.waitForTimeout(500);
  };
  const view = () => page.evaluate(() => {
    const m = window.gridmap;
    return { zoom: m.getZoom(), lon: m.getCenter().lng, lat: m.getCenter().lat, hash: location.hash };
  });
  const panel = () => page.evaluate(() => ({
    title: document.querySelector('#info h2')?.textContent,
    labels: [...document.querySelectorAll('#info dt')].map((d) => d.textContent),
    fields: Object.fromEntries([...document.querySelectorAll('#info dd')].map((d) => [d.dataset.field, d.textContent])),
    text: document.querySelector('#info').textContent,
  }));
  // read clicks the grid at the plan's point, then searches the county,
  // and reads the page.
  const read = async (shot) => {
    const r = { lang: await page.getAttribute('html', 'lang'), title: await page.title(),
      hint: await page.textContent('#info'), placeholder: await page.getAttribute('#code', 'placeholder'),
      pressed: await page.textContent('#lang [aria-pressed="true"]') };
    const p = await page.evaluate(([lon, lat]) => {
      const pt = window.gridmap.project([lon, lat]);
      const c = window.gridmap.getCanvas().getBoundingClientRect();
      return { x: c.left + pt.x, y: c.top + pt.y };
    }, [plan.lon, plan.lat]);
    await page.mouse.click(p.x, p.y);
    await page.waitForFunction(() => document.querySelector('#info dd[data-field="Grid"]') !== null, null, { timeout: 20000 });
    r.grid = await panel();
    r.keys = await shownKeys(page);
    await page.screenshot({ path: shot });
    const at = await view();
    await page.fill('#code', plan.county);
    await page.click('#search button');
    await page.waitForFunction(() => document.querySelector('#info dd[data-field="level"]') !== null, null, { timeout: 20000 });
    r.county = await panel();
    // Back to where the page was (the search moved the map).
    await page.evaluate((v) => window.gridmap.jumpTo({ center: [v.lon, v.lat], zoom: v.zoom }), at);
    await settle();
    return r;
  };

  await page.goto(`${plan.url}#${plan.zoom}/${plan.lat}/${plan.lon}`, { waitUntil: 'load' });
  await settle();
  out.view = await view();
  out.zh = await read(plan.shotZh);

  // Panning changes the link.
  await page.mouse.move(400, 400);
  await page.mouse.down();
  await page.mouse.move(250, 300, { steps: 8 });
  await page.mouse.up();
  await settle();
  await page.waitForTimeout(600); // the hash follows the map at most every 300 ms
  out.panned = await view();

  // The switch: the page comes back in English, at the same place.
  await Promise.all([page.waitForEvent('load'), page.click('#lang [data-lang="en"]')]);
  await settle();
  out.switched = { ...(await view()), cookie: await page.evaluate(() => document.cookie) };
  await page.evaluate((v) => window.gridmap.jumpTo({ center: [v.lon, v.lat], zoom: v.zoom }), out.view);
  await settle();
  out.en = await read(plan.shotEn);

  // Opened again, without a link: still English, the whole city in view.
  await page.goto(plan.url, { waitUntil: 'load' });
  await settle();
  out.remembered = { lang: await page.getAttribute('html', 'lang'), hint: await page.textContent('#info'), ...(await view()) };
  console.log(JSON.stringify({ ...out, errors }));
} catch (e) {
  console.log(JSON.stringify({ failure: String(e), ...out, errors }));
  process.exitCode = 1;
} finally {
  await browser.close();
}

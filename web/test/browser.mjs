// Drives the map page in Debian's chromium (playwright-core) for the Go
// test TestMapPageInBrowser: loads the page, waits for the map to settle,
// clicks a point at z12 (grids lean: id and kind only) and reads the
// panel before and after the lookup answers, takes a screenshot at z14,
// clicks the point and reads the panel.
//
//   node browser.mjs URL LON LAT SCREENSHOT.png [LOCALE]
//
// LOCALE (en-US when not given) is the browser's language, which it asks
// the pages for (Accept-Language).
//
// Prints one JSON line: {"panel": "...", "fields": {...}, "lean": {...}, "errors": [...]}.
import { chromium } from 'playwright-core';

const [url, lon, lat, shot, locale = 'en-US'] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--use-gl=swiftshader',
    '--enable-unsafe-swiftshader'],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, locale });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.gridmap && window.gridmap.loaded(), null, { timeout: 60000 });
  // Zoom to the point so its grid is drawn, then wait for the tiles.
  const zoomTo = async (z) => {
    await page.evaluate(([lo, la, zz]) => window.gridmap.jumpTo({ center: [lo, la], zoom: zz }), [Number(lon), Number(lat), z]);
    await page.waitForFunction(() => window.gridmap.areTilesLoaded() && !window.gridmap.isMoving(), null, { timeout: 60000 });
    await page.waitForTimeout(500);
    return page.evaluate(([lo, la]) => {
      const p = window.gridmap.project([lo, la]);
      const r = window.gridmap.getCanvas().getBoundingClientRect();
      const f = window.gridmap.queryRenderedFeatures(p, { layers: ['grid-fill'] })[0];
      return { x: r.left + p.x, y: r.top + p.y, props: f ? Object.keys(f.properties).sort() : null };
    }, [Number(lon), Number(lat)]);
  };
  const readPanel = () => page.evaluate(() => ({
    title: document.querySelector('#info h2')?.textContent,
    text: document.querySelector('#info').textContent,
    fields: Object.fromEntries([...document.querySelectorAll('#info dd')].map((d) => [d.dataset.field, d.textContent])),
  }));

  // z12: the grid under the point is lean. The lookup is held back until
  // the panel has shown what the tile alone gives, then let through.
  const at12 = await zoomTo(12);
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route('**/lookup?*', async (route) => { await held; await route.continue(); });
  await page.mouse.click(at12.x, at12.y);
  await page.waitForFunction(() => document.querySelector('#info h2') !== null, null, { timeout: 20000 });
  const leanPanel = await readPanel();
  release();
  await page.waitForFunction(() => document.querySelector('#info dd[data-field="Grid"]') !== null, null, { timeout: 20000 });
  const leanRefined = await readPanel();
  await page.unroute('**/lookup?*');
  const lean = { props: at12.props, panel: leanPanel, refined: leanRefined.fields };

  const pt = await zoomTo(14);
  await page.screenshot({ path: shot });
  await page.mouse.click(pt.x, pt.y);
  await page.waitForFunction(() => document.querySelector('#info dd[data-field="Grid"]') !== null, null, { timeout: 20000 });
  const fields = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('#info dd')].map((d) => [d.dataset.field, d.textContent])));
  const panel = await page.textContent('#info');

  // Right-click: the point lookup's popup names the grid.
  await page.mouse.click(pt.x, pt.y, { button: 'right' });
  await page.waitForSelector('.maplibregl-popup-content', { timeout: 20000 });
  const popup = (await page.textContent('.maplibregl-popup-content')).replace('×', '').trim();

  // Search by code: the county's code moves the map there and shows it.
  await page.fill('#code', process.env.SEARCH_CODE || '320902');
  await page.click('#search button');
  await page.waitForFunction(() => document.querySelector('#info dd[data-field="code"]') !== null, null, { timeout: 20000 });
  const search = await page.evaluate(() => Object.fromEntries(
    [...document.querySelectorAll('#info dd')].map((d) => [d.dataset.field, d.textContent])));
  const zoomAfterSearch = await page.evaluate(() => window.gridmap.getZoom());

  // A malformed code says what a code looks like.
  await page.fill('#code', '12ab');
  await page.click('#search button');
  const badSearch = await page.textContent('#info');
  console.log(JSON.stringify({ panel, fields, lean, fullProps: pt.props, popup, search, zoomAfterSearch, badSearch, errors }));
} catch (e) {
  console.log(JSON.stringify({ failure: String(e), errors }));
  process.exitCode = 1;
} finally {
  await browser.close();
}

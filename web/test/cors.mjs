// Drives a map page served from a second origin (web/test/cors.html) in
// Debian's chromium for the Go test TestMapOnAnotherOrigin: the page draws
// gridmap's tiles fetched across origins; then, from that page, a batch
// lookup (a POST with a JSON body: a preflighted request), the ETag of a
// tile, and a call to a route that takes a token, which must be refused.
//
//   node cors.mjs PAGE_URL API_URL LON LAT SCREENSHOT.png
//
// Prints one JSON line: {"rendered": n, "lookup": {...}, "etag": "...", "token": "...", "errors": [...]}.
import { chromium } from 'playwright-core';

const [pageURL, api, lon, lat, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--use-gl=swiftshader',
    '--enable-unsafe-swiftshader'],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 800, height: 600 } });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const u = new URL(pageURL);
  u.search = new URLSearchParams({ api, lon, lat }).toString();
  await page.goto(u.toString(), { waitUntil: 'load' });
  await page.waitForFunction(() => window.portal.errors.length > 0 ||
    (window.portal.map && window.portal.map.loaded() && window.portal.map.areTilesLoaded()), null, { timeout: 60000 });
  await page.waitForTimeout(500);
  const out = await page.evaluate(async ([api, lon, lat]) => {
    const res = { errors: window.portal.errors, origin: location.origin };
    const map = window.portal.map;
    if (!map) return res;
    res.rendered = map.queryRenderedFeatures({ layers: ['grid-fill'] }).length;
    const l = await fetch(api + '/lookup', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify([{ id: 'p', lon: Number(lon), lat: Number(lat) }]) });
    res.lookup = (await l.json())[0];
    const tiles = map.getStyle().sources.g.tiles[0];
    // The tile under the point at z14.
    const n = 2 ** 14, rad = Number(lat) * Math.PI / 180;
    const x = Math.floor((Number(lon) + 180) / 360 * n);
    const y = Math.floor((1 - Math.log(Math.tan(rad) + 1 / Math.cos(rad)) / Math.PI) / 2 * n);
    const t = await fetch(tiles.replace('{z}', '14').replace('{x}', x).replace('{y}', y));
    res.tileStatus = t.status;
    res.etag = t.headers.get('ETag');
    try {
      const p = await fetch(api + '/proposals', { method: 'POST', headers: { Authorization: 'Bearer gm_x', 'Content-Type': 'application/json' }, body: '{}' });
      res.token = 'answered ' + p.status;
    } catch (e) {
      res.token = 'refused: ' + e.message;
    }
    return res;
  }, [api, lon, lat]);
  await page.screenshot({ path: shot });
  out.errors = out.errors.concat(errors);
  console.log(JSON.stringify(out));
} catch (e) {
  console.log(JSON.stringify({ failure: String(e), errors }));
} finally {
  await browser.close();
}

// Drives the map page in Debian's chromium (playwright-core) for the Go
// test TestEventHexLayerInBrowser: loads the page, turns the event
// density layer on, zooms to a point and reads the hexagons MapLibre drew
// there (their cell and count), and takes a screenshot.
//
//   node eventhex.mjs URL LON LAT ZOOM SCREENSHOT.png
//
// Prints one JSON line: {"hexes": {"<h3>": count, ...}, "tiles": "...", "errors": [...]}.
import { chromium } from 'playwright-core';

const [url, lon, lat, zoom, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--use-gl=swiftshader',
    '--enable-unsafe-swiftshader'],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, locale: 'en-US' });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.gridmap && window.gridmap.loaded(), null, { timeout: 60000 });
  await page.evaluate(([lo, la, z]) => window.gridmap.jumpTo({ center: [lo, la], zoom: z }), [Number(lon), Number(lat), Number(zoom)]);
  await page.check('#events-toggle');
  await page.waitForFunction(() => document.body.dataset.eventsTiles && window.gridmap.getLayer('events-hex'), null, { timeout: 20000 });
  await page.waitForFunction(() => window.gridmap.areTilesLoaded() && !window.gridmap.isMoving(), null, { timeout: 60000 });
  await page.waitForTimeout(1000);
  const hexes = await page.evaluate(() => Object.fromEntries(window.gridmap.queryRenderedFeatures({ layers: ['events-hex'] })
    .map((f) => [f.properties.h3, f.properties.count])));
  await page.screenshot({ path: shot });
  // Off again: the layer is hidden.
  await page.uncheck('#events-toggle');
  const hidden = await page.evaluate(() => window.gridmap.getLayoutProperty('events-hex', 'visibility'));
  const label = await page.textContent('#events-layer');
  console.log(JSON.stringify({ hexes, tiles: await page.evaluate(() => document.body.dataset.eventsTiles), hidden, label, errors }));
} catch (e) {
  console.log(JSON.stringify({ failure: String(e), errors }));
} finally {
  await browser.close();
}

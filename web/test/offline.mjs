// Opens a PMTiles archive (written by "gridd export tiles") in the map page
// through its file input, in Debian's chromium, for the Go test
// TestMapOpensPMTilesArchive: the map must draw the archive's grids with no
// tile request to the server.
//
//   node offline.mjs URL ARCHIVE.pmtiles
//
// Prints one JSON line: {"grids": features of grid-fill drawn, "serverTiles":
// tile requests to the server after opening, "status": the status line,
// "errors": [...]}.
import { chromium } from 'playwright-core';

const [url, archive] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--use-gl=swiftshader',
    '--enable-unsafe-swiftshader'],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 }, locale: 'en-US' });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => window.gridmap && window.gridmap.loaded(), null, { timeout: 60000 });
  let serverTiles = 0;
  page.on('request', (r) => { if (r.url().includes('/tiles/')) serverTiles++; });
  await page.setInputFiles('#archive', archive);
  await page.waitForFunction(() => document.body.dataset.archive, null, { timeout: 60000 });
  await page.evaluate(() => window.gridmap.jumpTo({ center: window.gridmap.getCenter(), zoom: 13 }));
  await page.waitForFunction(() => window.gridmap.isStyleLoaded() && window.gridmap.areTilesLoaded() && !window.gridmap.isMoving(),
    null, { timeout: 60000 });
  await page.waitForTimeout(500);
  const grids = await page.evaluate(() => window.gridmap.queryRenderedFeatures({ layers: ['grid-fill'] }).length);
  const status = await page.evaluate(() => document.getElementById('status').textContent);
  console.log(JSON.stringify({ grids, serverTiles, status, errors }));
} catch (e) {
  console.log(JSON.stringify({ failure: String(e), errors }));
} finally {
  await browser.close();
}

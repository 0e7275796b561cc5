// Drives the planner page in Debian's chromium for the Go test
// TestPlannerInBrowser: paste a token, click a grid, draw a cutting line,
// preview the split and submit it.
//
//   node planner.mjs URL TOKEN LON LAT X0 Y0 X1 Y1 SCREENSHOT.png
//
// Prints one JSON line: {"grid": "...", "previewGrids": [[code, state, area, note], ...],
// "moves": n, "findings": [...], "status": "...", "errors": [...]}.
import { chromium } from 'playwright-core';

const [url, token, lon, lat, x0, y0, x1, y1, shot] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--use-gl=swiftshader',
    '--enable-unsafe-swiftshader'],
});
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url, { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
  await page.fill('#token', token);
  // Frame the cutting line, so both its ends are on screen.
  await page.evaluate(([a, b, c, d]) => window.gridmap.fitBounds([[a, b], [c, d]], { padding: 120, duration: 0, maxZoom: 16 }),
    [Number(x0), Number(y0), Number(x1), Number(y1)]);
  await page.waitForFunction(() => window.gridmap.areTilesLoaded() && !window.gridmap.isMoving(), null, { timeout: 60000 });
  await page.waitForTimeout(300);
  const screen = async (lo, la) => page.evaluate(([a, b]) => {
    const p = window.gridmap.project([a, b]);
    const r = window.gridmap.getCanvas().getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }, [Number(lo), Number(la)]);
  let p = await screen(lon, lat);
  await page.mouse.click(p.x, p.y);
  const grid = await page.textContent('#grid');
  // The cutting line's ends: MapLibre turns the clicks back into lon/lat.
  p = await screen(x0, y0);
  await page.mouse.click(p.x, p.y);
  p = await screen(x1, y1);
  await page.mouse.click(p.x, p.y);
  await page.click('#preview');
  await page.waitForSelector('#preview-grids tr, #info .error', { timeout: 30000 });
  const previewGrids = await page.$$eval('#preview-grids tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  const moves = await page.$$eval('#preview-moves tr', (rows) => rows.length);
  const findings = await page.$$eval('#preview-findings li', (items) => items.map((i) => i.textContent));
  const info = await page.textContent('#info');
  await page.screenshot({ path: shot });
  let status = '';
  if (previewGrids.length) {
    await page.click('#submit');
    await page.waitForSelector('#status[data-status], #info .error', { timeout: 30000 });
    status = (await page.getAttribute('#status', 'data-status')) || `refused: ${await page.textContent('#info')}`;
  }
  console.log(JSON.stringify({ grid, previewGrids, moves, findings, info, status, errors }));
} catch (e) {
  console.log(JSON.stringify({ failure: String(e), errors }));
  process.exitCode = 1;
} finally {
  await browser.close();
}

// Drives the planner page in Debian's chromium for the Go test
// TestPlannerInBrowser: paste a token, then follow a plan of steps (pick an
// operation, click grids and line points at lon/lat, fill fields, add or
// remove operations, preview, submit) the way a planner would.
//
//   node planner.mjs PLAN.json
//
// PLAN is {"url", "token", "shot", "locale", "hash", "steps": [...]} (locale,
// the browser's language, is en-US when not given; hash, a view the page
// is opened at, #zoom/lat/lon); each step is one of
//   {"frame": [x0, y0, x1, y1]}       fit the map to a box (max zoom 16)
//   {"zoomTo": [lon, lat, z]}        centre the map there
//   {"op": "merge"}                  pick the operation
//   {"check": "#subgrids"}           tick a checkbox
//   {"fill": ["#name", "text"]}, {"select": ["#kind", "rural"]}
//   {"click": [lon, lat]}            click the map there (recentred when off screen)
//   {"read": "name", "sel": "#grid"} record the text of an element
//   {"add": n}                       Add operation; wait for n drafted (or a refusal)
//   {"remove": i, "left": n}         remove drafted operation i (from 0); wait for n
//   {"preview": true}, {"submit": true}
//   {"suggest": true}                Suggest a division of the picked grid's village;
//                                    wait for the suggestion (or a refusal)
//   {"press": "#reset"}              click any other button
//   {"waitFor": "selector"}          wait for an element (Playwright selector)
// Prints one JSON line: {"reads": {...}, "ops": [...], "previewGrids": [[code,
// state, area, note, households], ...], "moves": [...], "totals": {...},
// "findings": [...], "located": [geometry, ...], "info": "...", "status": "...",
// "suggestion": {grids, within, moved, method} (after a suggest step),
// "keys": [catalog keys shown instead of texts], "opened": {zoom, lon, lat,
// hash}, "left": {...} (the view when the page settled and at the end),
// "errors": [...]}.
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
const out = { reads: {}, status: '' };
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 800 }, locale: plan.locale || 'en-US' });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(plan.url + (plan.hash || ''), { waitUntil: 'load' });
  await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 60000 });
  const view = () => page.evaluate(() => {
    const m = window.gridmap;
    return { zoom: m.getZoom(), lon: m.getCenter().lng, lat: m.getCenter().lat, hash: location.hash };
  });
  out.opened = await view();
  await page.fill('#token', plan.token);
  const settle = async () => {
    await page.waitForFunction(() => window.gridmap.areTilesLoaded() && !window.gridmap.isMoving(), null, { timeout: 60000 });
    await page.waitForTimeout(300);
  };
  const drafted = (n) => page.waitForFunction((k) => document.querySelectorAll('#ops li button.remove').length === k ||
    document.querySelector('#info .error'), n, { timeout: 30000 });
  for (const s of plan.steps) {
    if (s.frame) {
      await page.evaluate(([a, b, c, d]) => window.gridmap.fitBounds([[a, b], [c, d]], { padding: 120, duration: 0, maxZoom: 16 }), s.frame);
      await settle();
    } else if (s.zoomTo) {
      await page.evaluate(([lon, lat, z]) => window.gridmap.jumpTo({ center: [lon, lat], zoom: z }), s.zoomTo);
      await settle();
    } else if (s.op) {
      await page.selectOption('#op', s.op);
    } else if (s.check) {
      await page.check(s.check);
    } else if (s.fill) {
      await page.fill(s.fill[0], s.fill[1]);
    } else if (s.select) {
      await page.selectOption(s.select[0], s.select[1]);
    } else if (s.click) {
      // MapLibre turns the click back into lon/lat (and picks what is
      // drawn there).
      const at = () => page.evaluate(([lon, lat]) => {
        const m = window.gridmap;
        const p = m.project([lon, lat]);
        const c = m.getCanvas().getBoundingClientRect();
        return { x: c.left + p.x, y: c.top + p.y, inside: p.x > 5 && p.y > 5 && p.x < c.width - 5 && p.y < c.height - 5 };
      }, s.click);
      let p = await at();
      if (!p.inside) {
        await page.evaluate(([lon, lat]) => window.gridmap.jumpTo({ center: [lon, lat] }), s.click);
        await settle();
        p = await at();
      }
      await page.mouse.click(p.x, p.y);
      await page.waitForTimeout(100);
    } else if (s.read) {
      out.reads[s.read] = (await page.textContent(s.sel)).trim();
    } else if (s.add !== undefined) {
      await page.click('#add');
      await drafted(s.add);
    } else if (s.remove !== undefined) {
      await page.click(`#ops li:nth-child(${s.remove + 1}) button.remove`);
      await drafted(s.left);
    } else if (s.press) {
      await page.click(s.press);
      await page.waitForTimeout(200);
    } else if (s.waitFor) {
      await page.waitForSelector(s.waitFor, { timeout: 30000 });
    } else if (s.preview) {
      await page.click('#preview');
      await page.waitForSelector('#preview-grids tr, #info .error', { timeout: 30000 });
    } else if (s.suggest) {
      await page.click('#suggest');
      await page.waitForSelector('#suggestion, #info .error', { timeout: 120000 });
    } else if (s.submit) {
      if (await page.isDisabled('#submit')) {
        out.status = `submit disabled: ${await page.textContent('#info')}`;
        break;
      }
      await page.click('#submit');
      await page.waitForSelector('#status[data-status], #info .error', { timeout: 30000 });
      out.status = (await page.getAttribute('#status', 'data-status')) || `refused: ${await page.textContent('#info')}`;
    } else {
      throw new Error(`unknown step ${JSON.stringify(s)}`);
    }
  }
  out.ops = await page.$$eval('#ops li', (items) => items.map((i) => i.firstChild.textContent.trim()));
  out.previewGrids = await page.$$eval('#preview-grids tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  out.moves = await page.$$eval('#preview-moves tr', (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  out.totals = await page.$eval('#preview-totals', (e) => ({ ...e.dataset })).catch(() => ({}));
  out.findings = await page.$$eval('#preview-findings li', (items) => items.map((i) => i.textContent));
  // The findings drawn on the map (each located one is).
  out.located = await page.evaluate(async () => (await window.gridmap.getSource('findings').getData()).features.map((f) => f.geometry));
  out.suggestion = await page.$eval('#suggestion', (e) => ({ ...e.dataset, text: e.textContent })).catch(() => null);
  out.info = await page.textContent('#info');
  out.keys = await shownKeys(page);
  await page.waitForTimeout(400); // the hash follows the map at most every 300 ms
  out.left = await view();
  await page.screenshot({ path: plan.shot });
  console.log(JSON.stringify({ ...out, errors }));
} catch (e) {
  console.log(JSON.stringify({ failure: String(e), ...out, errors }));
  process.exitCode = 1;
} finally {
  await browser.close();
}

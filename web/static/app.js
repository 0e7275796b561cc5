// gridmap map page: the service's own vector tiles drawn with MapLibre GL JS.
// Words come from the page's catalog (window.i18n, static/i18n.js).
'use strict';

const { t, has, word, num, date } = window.i18n;

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  const { dataset, ...props } = attrs || {};
  Object.assign(e, props);
  Object.assign(e.dataset, dataset || {});
  for (const c of children) e.append(c);
  return e;
}

function showError(msg) {
  const info = document.getElementById('info');
  info.replaceChildren(el('p', { className: 'error' }, msg));
}

// showFacts shows a title and facts [field, label, value]: the label in
// the page's language, the field (a stable name) in data-field.
function showFacts(title, facts) {
  const dl = el('dl');
  for (const [field, label, v] of facts) {
    if (v === undefined || v === null || v === '') continue;
    dl.append(el('dt', {}, label), el('dd', { dataset: { field } }, String(v)));
  }
  document.getElementById('info').replaceChildren(el('h2', {}, title), dl);
}

// getJSON fetches a JSON answer; a refusal (problem+json) becomes an
// Error saying what its code means in the page's language, with the
// service's (English) detail after it.

async function getJSON(url) {
  const r = await fetch(url, { headers: { Accept: 'application/json, application/geo+json' } });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) {
    const problem = window.i18n.problem(body);
    throw new Error(body.detail ? t('map.refused', { problem, detail: body.detail }) : problem);
  }
  return body;
}

function bboxOf(geom) {
  let minx = Infinity, miny = Infinity, maxx = -Infinity, maxy = -Infinity;
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      minx = Math.min(minx, c[0]); maxx = Math.max(maxx, c[0]);
      miny = Math.min(miny, c[1]); maxy = Math.max(maxy, c[1]);
    } else c.forEach(walk);
  };
  walk(geom.coordinates);
  return [[minx, miny], [maxx, maxy]];
}

// gridCode returns a grid feature's 15-digit code. Below z13 grids are
// drawn lean (their id and kind only; TileJSON marks the fields that come
// from z13), so the code is read from the id, geo.Code.ID = code × 100 +
// 15. The id is above 2^53 and JavaScript holds it rounded to a multiple
// of 8 at most, an error the two length digits absorb: the quotient is the
// code exactly.
function gridCode(f) {
  if (f.properties.code) return f.properties.code;
  if (typeof f.id !== 'number' || !Number.isInteger(f.id)) return undefined;
  const code = String(BigInt(f.id) / 100n);
  return code.length === 15 ? code : undefined;
}

function lookupFacts(a) {
  const facts = [['Lon, lat', t('field.lonlat'), `${a.lon.toFixed(6)}, ${a.lat.toFixed(6)}`]];
  if (a.grid) {
    facts.push(['Grid', t('field.grid'), a.grid.code], ['Name', t('field.name'), a.grid.name],
      ['Kind', t('field.kind'), word('kind.', a.grid.kind)]);
    if (a.subgrid) facts.push(['Sub-grid', t('field.subgrid'), `${a.subgrid.code} ${a.subgrid.name}`]);
  } else {
    facts.push(['Grid', t('field.grid'), t('map.no_grid_at_point')]);
  }
  for (const lvl of ['village', 'town', 'county']) {
    if (a[lvl]) facts.push([lvl[0].toUpperCase() + lvl.slice(1), t(`field.${lvl}`), `${a[lvl].code} ${a[lvl].name}`]);
  }
  facts.push(['Dataset version', t('field.dataset_version'), a.dataset_version]);
  return facts;
}

// propFacts shows the properties of a searched area or grid, their names
// and values in the page's language.
function propFacts(p) {
  const value = (k, v) => {
    if (k === 'kind') return word('kind.', v);
    if (k === 'level') return word('level.', v);
    if (k === 'validFrom' || k === 'validTo') return date(v);
    if (k === 'households') return t('count.households', { n: num(v) });
    if (k === 'units') return t('count.units', { n: num(v) });
    return v;
  };
  return Object.entries(p).filter(([, v]) => typeof v !== 'object')
    .map(([k, v]) => [k, has(`prop.${k}`) ? t(`prop.${k}`) : k, value(k, v)]);
}

// openArchive shows a PMTiles archive written by "gridd export tiles"
// (chosen in the file input) instead of the server's tiles, for offline
// use: MapLibre reads its tiles through the pmtiles:// protocol, straight
// from the file.
let archives;
async function openArchive(map, file) {
  if (typeof pmtiles === 'undefined') throw new Error(t('map.no_pmtiles'));
  if (!archives) {
    archives = new pmtiles.Protocol();
    maplibregl.addProtocol('pmtiles', archives.tile);
  }
  const archive = new pmtiles.PMTiles(new pmtiles.FileSource(file));
  archives.add(archive);
  const h = await archive.getHeader();
  const meta = await archive.getMetadata();
  const tj = {
    tiles: [`pmtiles://${file.name}/{z}/{x}/{y}`],
    vector_layers: meta.vector_layers,
    minzoom: h.minZoom,
    maxzoom: h.maxZoom,
    bounds: [h.minLon, h.minLat, h.maxLon, h.maxLat],
  };
  map.setStyle(window.gridmapStyle(tj));
  map.fitBounds([[h.minLon, h.minLat], [h.maxLon, h.maxLat]], { duration: 0 });
  document.getElementById('status').textContent = t('map.archive_opened',
    { name: file.name, version: meta.gridmap_dataset_version ?? '' });
  document.body.dataset.archive = file.name;
}

// showEventHexes shows or hides the events_hex layer: H3 hexagons
// coloured by how many events they hold (counts only, public). Its
// tileset is versioned by the events, not the grids: while it is shown
// the page reads /tiles/events.json every half minute and swaps in the
// new version's tile URL, so the counts are never more than about a
// minute old while the grid tiles stay cached.
let eventsTimer;
async function showEventHexes(map, on) {
  clearInterval(eventsTimer);
  if (!on) {
    if (map.getLayer('events-hex')) {
      map.setLayoutProperty('events-hex', 'visibility', 'none');
      map.setLayoutProperty('events-hex-line', 'visibility', 'none');
    }
    return;
  }
  const absolute = (urls) => urls.map((u) => (/^[a-z]+:/.test(u) ? u : location.origin + u));
  const tj = await getJSON('/tiles/events.json');
  if (!map.getSource('ev')) {
    map.addSource('ev', { type: 'vector', tiles: absolute(tj.tiles), minzoom: tj.minzoom, maxzoom: tj.maxzoom });
    const before = map.getLayer('labels') ? 'labels' : undefined;
    // Colour by the count's order of magnitude: hexagons grow with the
    // zoom-out, and so do their counts.
    map.addLayer({ id: 'events-hex', type: 'fill', source: 'ev', 'source-layer': 'events_hex',
      paint: { 'fill-opacity': 0.55,
        'fill-color': ['interpolate', ['linear'], ['log10', ['max', 1, ['get', 'count']]],
          0, '#ffffb2', 1, '#fecc5c', 2, '#fd8d3c', 3, '#f03b20', 4, '#bd0026'] } }, before);
    map.addLayer({ id: 'events-hex-line', type: 'line', source: 'ev', 'source-layer': 'events_hex',
      paint: { 'line-color': '#bd0026', 'line-width': 0.4, 'line-opacity': 0.5 } }, before);
  } else {
    map.getSource('ev').setTiles(absolute(tj.tiles));
    map.setLayoutProperty('events-hex', 'visibility', 'visible');
    map.setLayoutProperty('events-hex-line', 'visibility', 'visible');
  }
  document.body.dataset.eventsTiles = tj.tiles[0];
  let current = tj.tiles[0];
  eventsTimer = setInterval(async () => {
    try {
      const next = await getJSON('/tiles/events.json');
      if (next.tiles[0] !== current && map.getSource('ev')) {
        current = next.tiles[0];
        map.getSource('ev').setTiles(absolute(next.tiles));
        document.body.dataset.eventsTiles = current;
      }
    } catch (err) { /* keep the shown version; try again next time */ }
  }, 30000);
}

async function main() {
  if (typeof maplibregl === 'undefined') {
    showError(t('map.no_maplibre'));
    return;
  }
  const tj = await getJSON('/tiles.json');
  const [minx, miny, maxx, maxy] = tj.bounds || [119.4, 32.5, 121.0, 34.5];
  const map = new maplibregl.Map({
    container: 'map',
    localIdeographFontFamily: "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif",
    style: window.gridmapStyle(tj),
    bounds: [[minx, miny], [maxx, maxy]],
    // The view is kept in the URL (#zoom/lat/lon): a link shows the place.
    hash: true,
    attributionControl: false,
  });
  window.gridmap = map; // for the browser tests
  map.addControl(new maplibregl.NavigationControl(), 'top-left');

  map.on('click', 'grid-fill', async (e) => {
    const f = e.features[0];
    const p = f.properties;
    const code = gridCode(f);
    // At z11-12 name, village and counts are not in the tile: the code
    // stands in for the name until the lookup below answers.
    showFacts(p.name || code || t('level.grid'), [['Code', t('field.code'), code], ['Kind', t('field.kind'), p.kind && word('kind.', p.kind)],
      ['Village', t('field.village'), p.parent || (code && code.slice(0, 12))],
      ['Households', t('field.households'), p.households === undefined ? undefined : t('count.households', { n: num(p.households) })]]);
    try {
      const a = await getJSON(`/lookup?lon=${e.lngLat.lng}&lat=${e.lngLat.lat}`);
      showFacts(a.grid ? a.grid.name : t('map.no_grid_title'), lookupFacts(a));
    } catch (err) { /* the tile facts stay */ }
  });
  map.on('contextmenu', async (e) => {
    try {
      const a = await getJSON(`/lookup?lon=${e.lngLat.lng}&lat=${e.lngLat.lat}`);
      showFacts(t('map.point_lookup'), lookupFacts(a));
      new maplibregl.Popup().setLngLat(e.lngLat).setText(a.grid ? a.grid.code : t('map.no_grid_popup')).addTo(map);
    } catch (err) { showError(err.message); }
  });
  map.on('mouseenter', 'grid-fill', () => { map.getCanvas().style.cursor = 'pointer'; });
  map.on('mouseleave', 'grid-fill', () => { map.getCanvas().style.cursor = ''; });
  map.on('idle', () => { document.body.dataset.idle = 'true'; });
  const showStatus = () => {
    const c = map.getCenter();
    document.getElementById('status').textContent = t('map.status',
      { zoom: map.getZoom().toFixed(1), lon: c.lng.toFixed(4), lat: c.lat.toFixed(4), version: tj.version ?? '' });
  };
  map.on('load', showStatus);
  map.on('moveend', () => { if (!document.body.dataset.archive) showStatus(); });
  const toggle = document.getElementById('events-toggle');
  toggle.addEventListener('change', () => {
    showEventHexes(map, toggle.checked).catch((err) => showError(err.message));
  });
  document.getElementById('archive').addEventListener('change', (ev) => {
    const file = ev.target.files[0];
    if (file) openArchive(map, file).catch((err) => showError(err.message));
  });

  document.getElementById('search').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const code = document.getElementById('code').value.trim();
    if (!/^\d{4}$|^\d{6}$|^\d{9}$|^\d{12}$|^\d{15}$|^\d{17}$/.test(code)) {
      showError(t('map.bad_code'));
      return;
    }
    try {
      const f = await getJSON(code.length >= 15 ? `/grids/${code}` : `/areas/${code}`);
      const p = f.properties || {};
      showFacts(`${p.name || code}`, propFacts(p));
      if (f.geometry) map.fitBounds(bboxOf(f.geometry), { padding: 40, duration: 0 });
    } catch (err) { showError(err.message); }
  });
}

main().catch((err) => showError(t('map.not_started', { message: err.message })));

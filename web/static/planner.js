// gridmap planner: draft boundary adjustments — split, merge, retire,
// rename, reshape, create — on grids and sub-grids, several in one
// proposal, preview them (after-state, located findings, household moves)
// and submit them, all through the /proposals API. The server keeps the
// proposal's list of operations; the page only drafts the next one.
// Words come from the page's catalog (window.i18n, static/i18n.js).
'use strict';

const { t, word, num, list } = window.i18n;

// What each operation needs and what the planner is told to click. grids:
// how many grids to pick (min, max; max 0 = any); pts: the drawn vertices
// (min; 0 = none); the pick goes before the drawing.
// label: the catalog's name of the drawn points; the hint is the
// catalog's planner.hint.<op>.
const OPS = {
  split: { grids: [1, 1], pts: 2, label: 'planner.pts.line' },
  merge: { grids: [2, 0], pts: 0 },
  retire: { grids: [2, 0], pts: 0 },
  rename: { grids: [1, 1], pts: 0 },
  reshape: { grids: [2, 2], pts: 2, label: 'planner.pts.line' },
  create: { grids: [0, 0], pts: 3, label: 'planner.pts.polygon' },
};

const empty = () => ({ type: 'FeatureCollection', features: [] });
const state = { op: 'split', picks: [], pts: [], village: null, proposal: null, ops: [], status: null };
const $ = (id) => document.getElementById(id);

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

// api calls the service with the token; a refusal (problem+json) becomes
// an Error carrying the problem's code (the page says it in its language),
// detail (English, for integrators), findings, stale grids and field
// errors.
async function api(method, path, body) {
  const r = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${$('token').value.trim()}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) {
    const err = new Error(data.detail || data.title || `${r.status} ${r.statusText}`);
    Object.assign(err, { status: r.status, problem: window.i18n.problem(data), detail: data.detail,
      findings: data.findings, stale: data.stale, fields: data.errors });
    throw err;
  }
  return data;
}

const county = (code) => code.slice(0, 6) + '000000';
const spec = () => OPS[state.op];

// pending returns the operation being drafted as the API takes it, or null
// while it still lacks clicks or fields.
function pending() {
  const s = spec();
  const codes = state.picks.map((p) => p.code);
  const name = $('name').value.trim();
  const kind = $('kind').value;
  if (codes.length < s.grids[0] || state.pts.length < s.pts) return null;
  const line = { type: 'LineString', coordinates: state.pts };
  switch (state.op) {
    case 'split': return { type: 'split', grids: codes, geometry: line, ...(name && { name }) };
    case 'merge': return { type: 'merge', grids: codes, ...(name && { name }), ...(kind && { kind }) };
    case 'retire': return { type: 'retire', grids: codes.slice(0, 1), to: codes.slice(1) };
    case 'rename': return name || kind ? { type: 'rename', grids: codes, ...(name && { name }), ...(kind && { kind }) } : null;
    case 'reshape': return { type: 'reshape', grids: codes, geometry: line };
    case 'create':
      if (!state.village || !name || !kind) return null;
      return { type: 'create', village: state.village, name, kind,
        geometry: { type: 'Polygon', coordinates: [[...state.pts, state.pts[0]]] } };
  }
  return null;
}

// describe says in words what a stored operation does.
function describe(op) {
  const grids = list(op.grids || []);
  const parts = list([op.name && t('planner.describe.name', { name: op.name }),
    op.kind && t('planner.describe.kind', { kind: word('kind.', op.kind) })].filter(Boolean));
  const named = parts ? t('planner.describe.named', { parts }) : '';
  const line = op.geometry && op.geometry.type === 'LineString'
    ? t('planner.describe.line', { n: op.geometry.coordinates.length }) : '';
  switch (op.type) {
    case 'merge': return t('planner.describe.merge', { grids, named });
    case 'retire': return t('planner.describe.retire', { grids, to: list(op.to || []) });
    case 'rename': return t('planner.describe.rename', { grids, named: parts });
    case 'split': return t('planner.describe.split', { grids, line });
    case 'reshape': return t('planner.describe.reshape', { grids, line });
    case 'create': return t('planner.describe.create', { name: op.name, kind: word('kind.', op.kind), village: op.village });
    default: return t('planner.describe.other', { type: word('op.', op.type), grids });
  }
}

function say(msg, cls) {
  $('info').replaceChildren(el('p', msg, cls));
}

const geomFeature = (geometry, properties) => ({ type: 'Feature', properties: properties || {}, geometry });

// refresh redraws the panel and the map's selection from the state.
function refresh(map) {
  const s = spec();
  const op = pending();
  $('grid').textContent = state.picks.map((p) => p.code).join(' ') ||
    (state.village ? t('planner.picked.village', { code: state.village }) : '—');
  $('npts').textContent = String(state.pts.length);
  $('pts-label').textContent = t(s.label || 'planner.pts.points');
  $('op-hint').textContent = t(`planner.hint.${state.op}`);
  // A new grid needs a kind; elsewhere an empty kind keeps the old one.
  $('kind').options[0].textContent = t(state.op === 'create' ? 'planner.kind.pick' : 'planner.kind.unchanged');
  $('name').placeholder = t(state.op === 'create' || state.op === 'rename' ? 'planner.name.required' : 'planner.name.optional');
  for (const l of document.querySelectorAll('#op-fields [data-for]')) l.hidden = !l.dataset.for.split(' ').includes(state.op);
  const token = !!$('token').value.trim();
  const open = state.status === null;
  $('add').disabled = !(op && token && open);
  $('preview').disabled = !(token && open && (op || state.ops.length));
  $('submit').disabled = !(token && open && state.proposal && state.ops.length && !op);
  // A suggestion starts a proposal of its own.
  $('suggest').disabled = !(token && open && !state.proposal);
  $('proposal-id').textContent = !state.proposal ? '' : state.status
    ? t('planner.proposal.status', { id: state.proposal, status: word('status.', state.status) })
    : t('planner.proposal', { id: state.proposal });
  const opsList = $('ops');
  opsList.replaceChildren(...(state.ops.length ? state.ops.map((o, i) => {
    const li = el('li', describe(o));
    if (open) {
      const rm = el('button', '×', 'remove');
      rm.title = t('planner.remove');
      rm.dataset.index = String(i);
      li.append(' ', rm);
    }
    return li;
  }) : [el('li', t('planner.none_yet'), 'hint')]));
  if (!map.getLayer('sel-grid')) return; // the map is still loading
  // The selection: the first pick is the grid acted on, the others (the
  // takers of a retire, the rest of a merge) are outlined apart.
  const codes = state.picks.map((p) => p.code);
  const first = state.op === 'retire' ? codes.slice(0, 1) : codes;
  const rest = state.op === 'retire' ? codes.slice(1) : [];
  for (const layer of ['grid', 'subgrid']) {
    map.setFilter(`sel-${layer}`, ['in', ['get', 'code'], ['literal', first]]);
    map.setFilter(`to-${layer}`, ['in', ['get', 'code'], ['literal', rest]]);
  }
  const draft = [];
  if (state.pts.length >= 2) {
    const ring = state.op === 'create' && state.pts.length >= 3 ? [...state.pts, state.pts[0]] : state.pts;
    draft.push(geomFeature({ type: 'LineString', coordinates: ring }));
  }
  for (const c of state.pts) draft.push(geomFeature({ type: 'Point', coordinates: c }));
  // Drafted operations' lines and polygons stay on the map, greyed.
  for (const o of state.ops) if (o.geometry) draft.push(geomFeature(o.geometry, { drafted: true }));
  map.getSource('draft').setData({ type: 'FeatureCollection', features: draft });
}

// clearDraft forgets the clicks of the operation being drafted.
function clearDraft(map) {
  Object.assign(state, { picks: [], pts: [], village: null });
  $('name').value = '';
  $('kind').value = '';
  refresh(map);
}

// clearPreview takes the after-state and findings off the map: they no
// longer hold once the list of operations changed.
function clearPreview(map) {
  map.getSource('after').setData(empty());
  map.getSource('findings').setData(empty());
}

// bbox returns [[w, s], [e, n]] of a GeoJSON geometry.
function bbox(g) {
  const b = [[Infinity, Infinity], [-Infinity, -Infinity]];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      b[0][0] = Math.min(b[0][0], c[0]); b[0][1] = Math.min(b[0][1], c[1]);
      b[1][0] = Math.max(b[1][0], c[0]); b[1][1] = Math.max(b[1][1], c[1]);
    } else c.forEach(walk);
  };
  walk(g.type === 'GeometryCollection' ? g.geometries.map((x) => x.coordinates) : g.coordinates);
  return b;
}

// findingList renders findings, each with its place on the map when it
// has one (the overlap, gap, part outside, or the record's point).
function findingList(map, findings) {
  const ul = el('ul');
  ul.id = 'preview-findings';
  const located = [];
  (findings || []).forEach((f, i) => {
    const li = el('li', t('planner.finding', { severity: word('severity.', f.severity), check: word('check.', f.check),
      message: f.message, codes: list(f.codes || []) }), `finding ${f.severity}`);
    li.title = f.message; // the service's own (English) words
    if (f.location) {
      located.push(geomFeature(f.location, { severity: f.severity, n: i }));
      const show = el('button', t('planner.show'), 'show');
      show.addEventListener('click', () => map.fitBounds(bbox(f.location), { padding: 80, maxZoom: 18 }));
      li.append(' ', show);
    }
    ul.append(li);
  });
  if (!ul.children.length) ul.append(el('li', t('planner.none')));
  map.getSource('findings').setData({ type: 'FeatureCollection', features: located });
  return ul;
}

// refusal shows a refused request readably: what its code means, the
// service's detail, the fields to fix, the grids that changed since the
// proposal was drawn, and the failing findings located on the map.
function refusal(map, err) {
  const box = el('div');
  if (err.status) {
    box.append(el('p', t('planner.refused', { status: err.status, problem: err.problem }), 'error'));
    if (err.detail) box.append(el('p', t('planner.refused.detail', { message: err.detail }), 'detail'));
  } else {
    box.append(el('p', err.message, 'error'));
  }
  if (err.fields && err.fields.length) {
    const ul = el('ul');
    for (const f of err.fields) ul.append(el('li', `${f.name}: ${f.detail}`));
    box.append(ul);
  }
  if (err.stale && err.stale.changed) {
    box.append(el('p', t('planner.changed_since', { version: err.stale.base_version, list: changedList(err.stale) })));
  }
  if (err.findings) box.append(el('h3', t('planner.findings')), findingList(map, err.findings));
  $('info').replaceChildren(box);
  box.scrollIntoView();
}

// changedList names the grids that changed since a proposal was drawn.
const changedList = (stale) => list((stale.changed || []).map((c) =>
  t('planner.changed_item', { code: c.code, change: word('change.', String(c.change).replace(/ /g, '-')) })));

function showPreview(map, prev) {
  prev.grids = prev.grids || [];
  const feats = [];
  for (const g of prev.grids) {
    // A grid only edge matched keeps its shape: it is not drawn.
    if (g.after && !g.edge_matched) feats.push(geomFeature(g.after, { code: g.code, state: g.state }));
    else if (g.before) feats.push(geomFeature(g.before, { code: g.code, state: g.state }));
  }
  map.getSource('after').setData({ type: 'FeatureCollection', features: feats });
  if (feats.length) {
    const b = bbox({ type: 'GeometryCollection', geometries: feats.map((f) => f.geometry) });
    map.fitBounds(b, { padding: 60, maxZoom: 17 });
  }
  const totals = Object.fromEntries((prev.totals || []).map((x) => [x.code, x]));
  const box = el('div');
  // An operation that cannot be carried out leaves no after-state, only
  // the error findings saying why.
  if (!prev.grids.length && (prev.findings || []).some((f) => f.severity === 'error')) {
    box.append(el('p', t('planner.cannot'), 'error'));
  }
  box.append(el('h3', t('planner.after')));
  const grids = el('table');
  grids.id = 'preview-grids';
  grids.append(el('caption', t('planner.after.caption')));
  for (const g of prev.grids) {
    const tr = el('tr');
    tr.title = t('planner.after.title', { name: g.name, kind: word('kind.', g.kind) });
    const gt = totals[g.code];
    // A neighbour (maybe of another village) that only takes the vertex
    // where a line meets its edge keeps its shape: say so.
    tr.append(el('td', g.code), el('td', word('state.', g.state)), el('td', t('planner.area', { area: num(g.area_after_m2 || 0) })),
      el('td', g.edge_matched ? t('planner.edge_matched') : ''),
      el('td', gt ? `${num(gt.households_before)} → ${num(gt.households_after)}` : ''));
    grids.append(tr);
  }
  const sum = (k) => (prev.totals || []).reduce((a, x) => a + x[k], 0);
  const tot = el('p', t('planner.totals', { households_before: num(sum('households_before')),
    households_after: num(sum('households_after')), units_before: num(sum('units_before')), units_after: num(sum('units_after')) }));
  tot.id = 'preview-totals';
  Object.assign(tot.dataset, { hhBefore: sum('households_before'), hhAfter: sum('households_after'),
    unitsBefore: sum('units_before'), unitsAfter: sum('units_after') });
  box.append(grids, tot, el('h3', t('planner.moves')));
  const moves = el('table');
  moves.id = 'preview-moves';
  for (const m of prev.moves || []) {
    const tr = el('tr');
    tr.append(el('td', `${m.from} → ${m.to || t('planner.no_grid_to')}`),
      el('td', t('planner.move', { households: num(m.households), units: num(m.units),
        addresses: num(m.addresses || 0), residents: num(m.residents || 0) })));
    moves.append(tr);
  }
  box.append(moves);
  if (prev.stale) {
    box.append(el('p', t('planner.stale', { version: prev.stale.base_version, list: changedList(prev.stale) }), 'error'));
  }
  box.append(el('h3', t('planner.findings')), findingList(map, prev.findings));
  $('info').replaceChildren(box);
  box.scrollIntoView();
}

// suggest asks the service to suggest a division of the village of the
// picked grid (POST /villages/{code}/suggest-division): the answer is a
// draft proposal, whose preview is shown on the map with the
// suggestion's figures.
async function suggest(map) {
  const village = (state.picks[0] && state.picks[0].village) || state.village;
  if (!village) return say(t('planner.suggest.pick'), 'error');
  say(t('planner.suggesting', { village }));
  const ans = await api('POST', `/villages/${village}/suggest-division`, {});
  const s = ans.suggestion;
  state.proposal = ans.proposal.id;
  state.ops = ans.proposal.ops || [];
  clearDraft(map);
  showPreview(map, await api('GET', `/proposals/${state.proposal}/preview`));
  const p = el('p', t('planner.suggested', { village: `${s.village_name} ${s.village}`, grids: num(s.grids.length),
    within: num(s.within_tolerance), tolerance: num(Math.round(s.tolerance * 100)),
    deviation: num(Math.round(s.max_deviation * 1000) / 10), moved: num(s.moved_households) }));
  p.id = 'suggestion';
  Object.assign(p.dataset, { grids: s.grids.length, within: s.within_tolerance, moved: s.moved_households, method: s.method });
  const notes = el('ul');
  for (const f of s.findings || []) notes.append(el('li', f, 'finding warning'));
  $('info').prepend(p, notes);
}

// addPending stores the operation being drafted in the proposal (created
// on the first one, in the county of its first grid or village).
async function addPending(map) {
  const op = pending();
  if (!op) return;
  if (!state.proposal) {
    const p = await api('POST', '/proposals', { county: county((op.grids && op.grids[0]) || op.village),
      reason: Number($('reason').value), reason_text: $('reason-text').value.trim() });
    state.proposal = p.id;
  }
  const p = await api('POST', `/proposals/${state.proposal}/ops`, op);
  state.ops = p.ops || [];
  clearPreview(map);
  clearDraft(map);
}

// pick returns the grid (or sub-grid) under a click, if any.
function pick(map, point) {
  const layer = $('subgrids').checked ? 'subgrid-pick' : 'grid-fill';
  const f = map.queryRenderedFeatures(point, { layers: [layer] })[0];
  if (!f) return null;
  // Below z13 grids are lean (id and kind): the code is the id (code × 100
  // + 15) over 100, exact although JavaScript rounds an id above 2^53.
  const code = f.properties.code || (Number.isInteger(f.id) ? String(BigInt(f.id) / 100n) : '');
  return code.length === 15 || code.length === 17 ? { code, village: f.properties.village || code.slice(0, 12) } : null;
}

async function onClick(map, e) {
  const s = spec();
  const at = [e.lngLat.lng, e.lngLat.lat];
  if (state.op === 'create') {
    state.pts.push(at);
    refresh(map);
    if (state.pts.length === 1) {
      // The village of the first vertex: the lookup answers the deepest
      // area of a point in no grid. (The vertex is kept first, so the
      // clicks while this is asked keep their order.)
      const r = await (await fetch(`/lookup?lon=${at[0]}&lat=${at[1]}`)).json();
      if (state.pts[0] !== at) return; // undone meanwhile
      if (r.village) state.village = r.village.code;
      else {
        state.pts = [];
        say(t('planner.start_in_village'), 'error');
      }
      refresh(map);
    }
    return;
  }
  const max = s.grids[1];
  if (max === 1 && !s.pts) state.picks = []; // rename: a click picks another grid
  if (max === 0 || state.picks.length < max) {
    const g = pick(map, e.point);
    if (!g) return say(t($('subgrids').checked ? 'planner.no_subgrid' : 'planner.no_grid'), 'error');
    const i = state.picks.findIndex((p) => p.code === g.code);
    if (i >= 0) state.picks.splice(i, 1);
    else state.picks.push(g);
    // Merge needs grids of one village; say so before the server does.
    const villages = new Set(state.picks.map((p) => p.village));
    if (state.op === 'merge' && villages.size > 1) say(t('planner.villages_differ'), 'error');
    else $('info').replaceChildren();
  } else if (s.pts) {
    state.pts.push(at);
  }
  refresh(map);
}

async function main() {
  $('token').value = localStorage.getItem('gridmap.token') || '';
  const tj = await (await fetch('/tiles.json')).json();
  const map = new maplibregl.Map({
    container: 'map', style: window.gridmapStyle(tj), attributionControl: false,
    bounds: [[tj.bounds[0], tj.bounds[1]], [tj.bounds[2], tj.bounds[3]]],
    hash: true, // the view in the URL (#zoom/lat/lon), as on the map page
    localIdeographFontFamily: "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif",
  });
  window.gridmap = map; // for the browser tests
  map.on('load', () => {
    for (const id of ['draft', 'after', 'findings']) map.addSource(id, { type: 'geojson', data: empty() });
    // Sub-grids are only outlined in the shared style: a transparent fill
    // makes them clickable inside.
    map.addLayer({ id: 'subgrid-pick', type: 'fill', source: 'g', 'source-layer': 'subgrid', minzoom: 13,
      paint: { 'fill-color': '#000', 'fill-opacity': 0 } }, 'grid-line');
    const stateColor = ['match', ['get', 'state'], 'new', '#f28e2b', '#edc948'];
    // Retired grids are only outlined (grey, dashed): their area is in
    // the grids that take it.
    const retired = ['==', ['get', 'state'], 'retired'];
    map.addLayer({ id: 'after-fill', type: 'fill', source: 'after', filter: ['!', retired],
      paint: { 'fill-color': stateColor, 'fill-opacity': 0.35 } });
    map.addLayer({ id: 'after-line', type: 'line', source: 'after', filter: ['!', retired],
      paint: { 'line-color': '#d45500', 'line-width': 2 } });
    map.addLayer({ id: 'retired-line', type: 'line', source: 'after', filter: retired,
      paint: { 'line-color': '#555', 'line-width': 2, 'line-dasharray': [1, 1] } });
    for (const layer of ['grid', 'subgrid']) {
      map.addLayer({ id: `sel-${layer}`, type: 'line', source: 'g', 'source-layer': layer,
        filter: ['in', ['get', 'code'], ['literal', []]], paint: { 'line-color': '#000', 'line-width': 3 } });
      map.addLayer({ id: `to-${layer}`, type: 'line', source: 'g', 'source-layer': layer,
        filter: ['in', ['get', 'code'], ['literal', []]], paint: { 'line-color': '#1f77b4', 'line-width': 3, 'line-dasharray': [2, 1] } });
    }
    const sev = ['match', ['get', 'severity'], 'error', '#b00020', '#e08a00'];
    map.addLayer({ id: 'findings-fill', type: 'fill', source: 'findings', filter: ['in', ['geometry-type'], ['literal', ['Polygon', 'MultiPolygon']]],
      paint: { 'fill-color': sev, 'fill-opacity': 0.5 } });
    map.addLayer({ id: 'findings-line', type: 'line', source: 'findings', paint: { 'line-color': sev, 'line-width': 3 } });
    map.addLayer({ id: 'findings-pts', type: 'circle', source: 'findings', filter: ['in', ['geometry-type'], ['literal', ['Point', 'MultiPoint']]],
      paint: { 'circle-radius': 6, 'circle-color': sev, 'circle-stroke-color': '#fff', 'circle-stroke-width': 1 } });
    map.addLayer({ id: 'draft-line', type: 'line', source: 'draft',
      paint: { 'line-color': ['case', ['has', 'drafted'], '#777', '#000'], 'line-width': 2, 'line-dasharray': [3, 2] } });
    map.addLayer({ id: 'draft-pts', type: 'circle', source: 'draft', filter: ['==', ['geometry-type'], 'Point'],
      paint: { 'circle-radius': 4, 'circle-color': '#000' } });
    map.on('click', (e) => onClick(map, e).catch((err) => say(err.message, 'error')));
    refresh(map);
    document.body.dataset.ready = 'true';
  });
  // run carries out a button's request, showing a refusal readably.
  const run = (fn) => async (e) => {
    try {
      await fn(e);
    } catch (err) {
      refusal(map, err);
    }
    refresh(map);
  };
  $('token').addEventListener('input', () => { localStorage.setItem('gridmap.token', $('token').value.trim()); refresh(map); });
  $('op').addEventListener('change', () => { state.op = $('op').value; clearDraft(map); });
  $('subgrids').addEventListener('change', () => { state.picks = []; refresh(map); });
  for (const id of ['name', 'kind']) $(id).addEventListener('input', () => refresh(map));
  $('undo').addEventListener('click', () => {
    if (state.pts.length) state.pts.pop();
    else state.picks.pop();
    if (!state.pts.length && state.op === 'create') state.village = null;
    refresh(map);
  });
  $('clear').addEventListener('click', () => clearDraft(map));
  $('add').addEventListener('click', run(async () => {
    await addPending(map);
    say(t('planner.added', { n: state.ops.length }));
  }));
  $('ops').addEventListener('click', run(async (e) => {
    const i = e && e.target && e.target.dataset ? e.target.dataset.index : undefined;
    if (i === undefined) return;
    const p = await api('DELETE', `/proposals/${state.proposal}/ops/${i}`);
    state.ops = p.ops || [];
    clearPreview(map);
    say(t('planner.removed', { n: Number(i) + 1 }));
  }));
  $('reset').addEventListener('click', () => {
    Object.assign(state, { proposal: null, ops: [], status: null });
    clearPreview(map);
    $('info').replaceChildren();
    $('status').replaceChildren();
    delete $('status').dataset.status;
    clearDraft(map);
  });
  $('preview').addEventListener('click', run(async () => {
    say(t('planner.previewing'));
    // A complete operation still being drafted goes into the list first.
    await addPending(map);
    showPreview(map, await api('GET', `/proposals/${state.proposal}/preview`));
  }));
  $('suggest').addEventListener('click', run(() => suggest(map)));
  $('submit').addEventListener('click', run(async () => {
    const p = await api('POST', `/proposals/${state.proposal}/submit`);
    state.status = p.status;
    $('status').textContent = t('planner.submitted', { id: p.id, status: word('status.', p.status) });
    $('status').dataset.status = p.status;
  }));
}

main().catch((err) => say(t('planner.not_started', { message: err.message }), 'error'));

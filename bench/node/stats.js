'use strict';
// GET /stats: full GC (node --expose-gc), then memory figures as JSON, for the bench harness.
function stats(req, res) {
  if (global.gc) global.gc();
  const m = process.memoryUsage();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, rss: m.rss }));
}
module.exports = { stats };

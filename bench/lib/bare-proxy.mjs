// The ceiling for any Node.js gateway on this machine: a bare TLS 1.3 reverse proxy — node:https
// plus an undici keep-alive pool, no checks at all — to the same upstream, in its own process.
// Usage: node bench/lib/bare-proxy.mjs CERT KEY UPSTREAM_PORT; prints its port on stdout.
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import { Pool } from "undici";

const [cert, key, upPort] = process.argv.slice(2);
const pool = new Pool(`http://127.0.0.1:${upPort}`, { connections: 64, keepAliveTimeout: 30_000 });
const server = createServer(
  { cert: readFileSync(cert), key: readFileSync(key), minVersion: "TLSv1.3", maxVersion: "TLSv1.3" },
  async (req, res) => {
    try {
      const up = await pool.request({ method: req.method, path: req.url, headers: { accept: "*/*" } });
      const body = Buffer.from(await up.body.arrayBuffer());
      res.writeHead(up.statusCode, {
        "content-type": up.headers["content-type"],
        "content-length": body.length,
      });
      res.end(body);
    } catch {
      res.writeHead(502).end();
    }
  },
);
server.keepAliveTimeout = 120_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));

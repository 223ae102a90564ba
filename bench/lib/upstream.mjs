// The benchmark's upstream: a minimal JSON answer, as small as the dashboard's smallest, in its own
// process (as the trading dashboard is), so neither proxy under test shares its CPU with it.
// Prints its port on stdout.
import { createServer } from "node:http";

const body = JSON.stringify({ ok: true, instrument: "SOFR", position: 3 });
const server = createServer((_req, res) => {
  res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 120_000;
server.listen(0, "127.0.0.1", () => process.stdout.write(`${server.address().port}\n`));
process.on("SIGTERM", () => server.close(() => process.exit(0)));

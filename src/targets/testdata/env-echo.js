// Test instance: answers its environment and arguments as JSON; IGNORE_TERM=1 makes it ignore SIGTERM.
import http from 'node:http';
if (process.env.IGNORE_TERM === '1') process.on('SIGTERM', () => {});
http
  .createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ port: process.env.PORT, version: process.env.SHIPGATE_VERSION, greeting: process.env.GREETING ?? null, pid: process.pid, argv: process.argv.slice(2), env: process.env }));
  })
  .listen(Number(process.env.PORT), '127.0.0.1');

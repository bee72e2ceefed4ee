// The floor for any Node proxy on this machine: one upstream connection per client connection,
// bytes piped both ways through node:net streams, no HTTP parsing, routing or stats.
//   node bench/router/node-pipe.mjs UPSTREAM_PORT PORT
import net from 'node:net';

const [upstreamPort, port] = [Number(process.argv[2]), Number(process.argv[3])];
net
  .createServer({ noDelay: true }, (client) => {
    const up = net.connect({ port: upstreamPort, host: '127.0.0.1', noDelay: true });
    client.on('data', (d) => up.write(d));
    up.on('data', (d) => client.write(d));
    client.on('close', () => up.destroy());
    up.on('close', () => client.destroy());
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
  })
  .listen(port, '127.0.0.1', () => process.stdout.write(JSON.stringify({ port }) + '\n'));

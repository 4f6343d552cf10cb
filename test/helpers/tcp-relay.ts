import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP relay on a loopback port to `target`; `close()` stops listening and cuts every connection. */
export interface TcpRelay {
  readonly port: number;
  close(): Promise<void>;
}

/** Relays every connection to 127.0.0.1:<port> to `targetHost:targetPort`, byte for byte. */
export async function startTcpRelay(targetHost: string, targetPort: number, port = 0): Promise<TcpRelay> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: targetHost, port: targetPort });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        for (const s of sockets) s.destroy();
      }),
  };
}

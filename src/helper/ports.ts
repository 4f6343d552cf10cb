/**
 * The one port finder (dev cluster, tests, bench): whether a loopback port is free (TCP, and UDP
 * where the service also speaks UDP), free ports chosen by the kernel, a preferred port moved when
 * it is busy, and a base port with a few fixed offsets free.
 */
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** The address every local cluster service binds to. */
export const LOOPBACK = '127.0.0.1';

/** Whether a TCP listener could bind 127.0.0.1:`port` right now. */
export function tcpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => {
      resolve(false);
    });
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      server.close(() => {
        resolve(true);
      });
    });
  });
}

/** Whether a UDP socket could bind 127.0.0.1:`port` right now. */
export function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, LOOPBACK, () => {
      socket.close(() => {
        resolve(true);
      });
    });
  });
}

/** Whether `port` is free for TCP, and for UDP too when `udp` is set. */
export async function portFree(port: number, udp = false): Promise<boolean> {
  if (!(await tcpFree(port))) return false;
  return !udp || udpFree(port);
}

/**
 * `count` distinct loopback ports, free a moment ago (for TCP, and for UDP when `udp`), none of
 * them in `avoid`. The kernel picks them; they are released before this returns.
 */
export async function freePorts(
  count: number,
  udp = false,
  avoid: ReadonlySet<number> = new Set(),
): Promise<number[]> {
  const ports: number[] = [];
  const held: { close(cb: () => void): void }[] = [];
  try {
    for (let attempts = 0; ports.length < count; attempts++) {
      if (attempts > count * 20) throw new Error(`could not find ${count} free loopback ports`);
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, LOOPBACK, resolve);
      });
      held.push(server);
      const address = server.address();
      if (address === null || typeof address === 'string') continue;
      if (avoid.has(address.port) || ports.includes(address.port)) continue;
      if (udp && !(await udpFree(address.port))) continue;
      ports.push(address.port);
    }
    return ports;
  } finally {
    await Promise.all(
      held.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(resolve);
          }),
      ),
    );
  }
}

/** `preferred` when it is free, else a free port; `moved` says whether it had to move. */
export async function preferredPort(
  preferred: number,
  udp: boolean,
  avoid: ReadonlySet<number>,
): Promise<{ port: number; moved: boolean }> {
  if (preferred > 0 && !avoid.has(preferred) && (await portFree(preferred, udp)))
    return { port: preferred, moved: false };
  const [port] = await freePorts(1, udp, avoid);
  if (port === undefined) throw new Error('could not find a free loopback port');
  return { port, moved: preferred > 0 };
}

/** One loopback TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const [port] = await freePorts(1);
  if (port === undefined) throw new Error('could not find a free loopback port');
  return port;
}

/**
 * A base port from [20000, 50000) with base + each of `offsets` free for TCP right now (for a
 * layout of fixed distances, as `tresor dev-cluster -base-port` uses).
 */
export async function freeBasePort(offsets: readonly number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    if ((await Promise.all(offsets.map((d) => tcpFree(base + d)))).every(Boolean)) return base;
  }
  throw new Error('no free base port');
}

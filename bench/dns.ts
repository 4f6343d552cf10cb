/**
 * DNS load generator: queries per second and latency of `active.vault.consul` from tresor's
 * resolver against `active.vault.service.consul` from Consul's own DNS interface, side by side in
 * one run, against the same real Consul agent with the same registered services and lock.
 *   npx tsx bench/dns.ts [seconds per round] [queries in flight] [max queries per round]
 * Environment, for profiling the resolver child: BENCH_DNS_NODE_ARGS (extra node flags for the
 * child, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"), BENCH_DNS_STATS=1 (the child prints its GC
 * count and time, event-loop utilisation and memory to stderr when it stops).
 * UDP on loopback only; every round is bounded by time and by count. The resolver runs in its own
 * process (as `tresor dns` would), like the Consul agent. Prints a Markdown table with the
 * machine, the command and the date; bench/RESULTS.md records runs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import os from 'node:os';
import { performance, PerformanceObserver, type EventLoopUtilization } from 'node:perf_hooks';
import dns2 from 'dns2';
import { runResolver } from '../dns/main.js';
import { freePort } from '../src/helper/ports.js';
import { startConsul } from '../test/helpers/consul.js';

if (process.argv[2] === '--serve') {
  // Child mode: the resolver alone in this process.
  const stats = process.env.BENCH_DNS_STATS === '1' ? startStats() : undefined;
  process.exitCode = await runResolver(process.argv.slice(3));
  stats?.();
} else {
  await main();
}

interface Round {
  readonly target: string;
  readonly round: number;
  readonly qps: number;
  readonly p50: number;
  readonly p99: number;
  readonly answered: number;
  readonly errors: number;
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? '5');
  const inFlight = Number(process.argv[3] ?? '32');
  const maxQueries = Number(process.argv[4] ?? '500000');
  const stats = process.env.BENCH_DNS_STATS === '1';
  const agent = await startConsul();
  let child: ChildProcess | undefined;
  try {
    await setUp(agent.httpAddr);
    const port = await freePort();
    child = spawn(
      process.execPath,
      [
        ...(process.env.BENCH_DNS_NODE_ARGS ?? '').split(' ').filter((a) => a !== ''),
        '--import',
        'tsx',
        'bench/dns.ts',
        '--serve',
        `-listen=127.0.0.1:${port}`,
        '-http=127.0.0.1:0',
        `-consul=${agent.httpAddr}`,
        '-log-level=warn',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    await waitAnswer(port, 'active.vault.consul');
    await waitAnswer(agent.dnsPort, 'active.vault.service.consul');
    const targets: [string, number, string][] = [
      ['tresor resolver: active.vault.consul', port, 'active.vault.consul'],
      ['Consul DNS: active.vault.service.consul', agent.dnsPort, 'active.vault.service.consul'],
    ];
    const rounds: Round[] = [];
    for (let round = 1; round <= 2; round++) {
      for (const [target, targetPort, name] of targets) {
        await load(targetPort, name, 0.5, inFlight, maxQueries); // warm-up
        const mark = stats && targetPort === port;
        if (mark) child.kill('SIGUSR2');
        rounds.push({ target, round, ...(await load(targetPort, name, seconds, inFlight, maxQueries)) });
        if (mark) child.kill('SIGUSR2');
      }
    }
    const cpu = os.cpus()[0]?.model ?? '?';
    console.log(
      `machine: ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ${os.platform()} ${os.release()}, node ${process.version}, consul 1.22.7 (-dev)`,
    );
    console.log(
      `command: npx tsx bench/dns.ts ${seconds} ${inFlight} ${maxQueries}   date: ${new Date().toISOString()}`,
    );
    console.log('');
    console.log('| target | round | queries/s | p50 ms | p99 ms | answered | errors |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const r of rounds)
      console.log(
        `| ${r.target} | ${r.round} | ${Math.round(r.qps)} | ${r.p50.toFixed(3)} | ${r.p99.toFixed(3)} | ${r.answered} | ${r.errors} |`,
      );
  } finally {
    const running = child?.exitCode === null ? child : undefined;
    if (running !== undefined) {
      // Let the child stop cleanly (and write its CPU profile, if asked) before the agent goes.
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    await agent.stop();
  }
}

/**
 * GC and event-loop figures of this process between two SIGUSR2 (the parent sends one before and
 * one after each measured round of the resolver): the second of each pair prints them to stderr.
 */
function startStats(): () => void {
  let gcCount = 0;
  let gcMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gcCount++;
      gcMs += entry.duration;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  let mark: { elu: EventLoopUtilization; cpu: NodeJS.CpuUsage; at: number } | undefined;
  const onSignal = (): void => {
    if (mark === undefined) {
      gcCount = 0;
      gcMs = 0;
      mark = { elu: performance.eventLoopUtilization(), cpu: process.cpuUsage(), at: performance.now() };
      return;
    }
    const used = performance.eventLoopUtilization(mark.elu);
    const { user, system } = process.cpuUsage(mark.cpu);
    const mem = process.memoryUsage();
    const mib = (n: number): string => (n / 2 ** 20).toFixed(1);
    process.stderr.write(
      `resolver stats: ${((performance.now() - mark.at) / 1000).toFixed(1)} s, gc ${gcCount} pauses ${gcMs.toFixed(0)} ms, ` +
        `event loop utilisation ${used.utilization.toFixed(3)}, cpu user ${(user / 1e6).toFixed(2)} s system ${(system / 1e6).toFixed(2)} s, ` +
        `rss ${mib(mem.rss)} MiB heap used ${mib(mem.heapUsed)} MiB\n`,
    );
    mark = undefined;
  };
  process.on('SIGUSR2', onSignal);
  return () => {
    process.off('SIGUSR2', onSignal);
    observer.disconnect();
  };
}

/** Two vault instances (A active and holding the lock, B standby) registered through Consul's API. */
async function setUp(httpAddr: string): Promise<void> {
  const put = async (path: string, body: unknown): Promise<string> => {
    const res = await fetch(`http://${httpAddr}/v1/${path}`, { method: 'PUT', body: JSON.stringify(body) });
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.text();
  };
  for (const [ip, tag] of [
    ['127.0.0.2', 'active'],
    ['127.0.0.3', 'standby'],
  ] as const) {
    await put('agent/service/register', {
      ID: `vault:${ip}:8200`,
      Name: 'vault',
      Tags: [tag, 'initialized'],
      Address: ip,
      Port: 8200,
      Check: { CheckID: `sealed-${ip}`, TTL: '10m', Status: 'passing' },
    });
  }
  const session = (
    JSON.parse(await put('session/create', { Name: 'bench', LockDelay: '0s' })) as { ID: string }
  ).ID;
  const taken = await put(`kv/vault/core/lock?acquire=${session}`, {
    nodeId: 'a',
    apiAddr: 'https://127.0.0.2:8200',
    clusterAddr: 'https://127.0.0.2:8201',
  });
  if (taken.trim() !== 'true') throw new Error('could not take the lock');
}

/** Closed-loop UDP load: `inFlight` sockets, one query outstanding each, for `seconds` or `maxQueries`. */
async function load(
  port: number,
  name: string,
  seconds: number,
  inFlight: number,
  maxQueries: number,
): Promise<Omit<Round, 'target' | 'round'>> {
  const query = new dns2.Packet();
  query.header.rd = 1;
  query.questions.push({ name, type: 1, class: 1 } as dns2.Packet.Question);
  const template = query.toBuffer();
  // Preallocated, so recording a latency allocates nothing (the client's GC pauses count in p99).
  const recorded = new Float64Array(maxQueries);
  let answered = 0;
  let sent = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  // Each worker: one socket, one query outstanding, its next query sent from the answer's handler.
  // The query buffer, the handler and the 1 s timer are made once per worker, not per query, so the
  // client's own cost (which shares the machine with the target) stays small.
  const worker = async (): Promise<void> => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => {
      socket.bind(0, '127.0.0.1', resolve);
    });
    const wire = Buffer.from(template);
    let id = Math.floor(Math.random() * 0xffff);
    let t0 = 0;
    await new Promise<void>((finished) => {
      const next = (): void => {
        if (performance.now() >= deadline || sent >= maxQueries) {
          clearTimeout(timer);
          socket.close();
          finished();
          return;
        }
        sent++;
        id = (id + 1) & 0xffff;
        wire.writeUInt16BE(id, 0);
        t0 = performance.now();
        timer.refresh();
        socket.send(wire, port, '127.0.0.1');
      };
      const timer = setTimeout(() => {
        errors++;
        next();
      }, 1000);
      socket.on('message', (answer: Buffer) => {
        if (answer.length < 12 || answer.readUInt16BE(0) !== id) return;
        if ((answer[3] ?? 0) % 16 === 0 && answer.readUInt16BE(6) >= 1)
          recorded[answered++] = performance.now() - t0;
        else errors++;
        next();
      });
      next();
    });
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const elapsed = (performance.now() - started) / 1000;
  const latencies = recorded.subarray(0, answered).sort();
  const at = (q: number): number =>
    latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { qps: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), answered: latencies.length, errors };
}

/** One query and its answer (matched by id), or undefined after 1 s. */
function exchange(socket: Socket, wire: Buffer, port: number, id: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const done = (answer: Buffer | undefined): void => {
      clearTimeout(timer);
      socket.off('message', onMessage);
      resolve(answer);
    };
    const onMessage = (msg: Buffer): void => {
      if (msg.length >= 12 && msg.readUInt16BE(0) === id) done(msg);
    };
    const timer = setTimeout(() => {
      done(undefined);
    }, 1000);
    socket.on('message', onMessage);
    socket.send(wire, port, '127.0.0.1');
  });
}

async function waitAnswer(port: number, name: string): Promise<void> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => {
    socket.bind(0, '127.0.0.1', resolve);
  });
  try {
    const query = new dns2.Packet();
    query.header.id = 1;
    query.questions.push({ name, type: 1, class: 1 } as dns2.Packet.Question);
    for (let i = 0; i < 300; i++) {
      const answer = await exchange(socket, query.toBuffer(), port, 1);
      if (answer !== undefined && answer.readUInt16BE(6) >= 1) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`no answer for ${name} on port ${port}`);
  } finally {
    socket.close();
  }
}

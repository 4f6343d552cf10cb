/**
 * The resolver's counters and gauges, rendered in the Prometheus text format (version 0.0.4) by
 * hand: a few labelled counters do not need a metrics library.
 */

type Labels = Readonly<Record<string, string>>;

/** One labelled value of a counter; the hot path keeps it and adds to it directly. */
export interface CounterCell {
  readonly labels: Labels;
  value: number;
}

/** A counter with labels. */
class Counter {
  private readonly values = new Map<string, CounterCell>();

  constructor(
    readonly name: string,
    readonly help: string,
  ) {}

  inc(labels: Labels = {}, by = 1): void {
    this.cell(labels).value += by;
  }

  /** The cell of exactly these labels, created at 0 if need be; `cell.value++` counts. */
  cell(labels: Labels = {}): CounterCell {
    const key = labelKey(labels);
    let entry = this.values.get(key);
    if (entry === undefined) {
      entry = { labels, value: 0 };
      this.values.set(key, entry);
    }
    return entry;
  }

  /** The value for exactly these labels (0 when never counted). */
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels))?.value ?? 0;
  }

  /** The sum over all label values. */
  total(): number {
    let sum = 0;
    for (const { value } of this.values.values()) sum += value;
    return sum;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const { labels, value } of this.values.values())
      lines.push(`${this.name}${formatLabels(labels)} ${value}`);
    return lines.join('\n');
  }
}

/** Gauges sampled when /metrics is read. */
export interface GaugeValues {
  /** Seconds since the view of Consul was last confirmed; NaN before it was loaded. */
  readonly viewAgeSeconds: number;
  readonly viewReady: boolean;
  readonly udpUp: boolean;
  readonly tcpUp: boolean;
  readonly servicesWatched: number;
}

/** Every counter of the resolver. */
export class DnsMetrics {
  readonly queries = new Counter('tresor_dns_queries_total', 'DNS queries received, by transport.');
  readonly responses = new Counter(
    'tresor_dns_responses_total',
    'DNS responses sent, by query type and response code.',
  );
  readonly forwarded = new Counter(
    'tresor_dns_forwarded_total',
    'Queries forwarded upstream, by result (ok, failed).',
  );
  readonly malformed = new Counter(
    'tresor_dns_malformed_total',
    'Messages that were not well-formed queries, by transport.',
  );
  readonly truncated = new Counter(
    'tresor_dns_truncated_total',
    'UDP responses sent truncated (TC bit) for being too large.',
  );
  readonly errors = new Counter('tresor_dns_errors_total', 'Internal errors and socket errors, by kind.');
  readonly viewUpdates = new Counter('tresor_dns_view_updates_total', 'Changes to the view of Consul.');
  readonly watchErrors = new Counter(
    'tresor_dns_consul_watch_errors_total',
    'Failed Consul blocking queries, by watch kind.',
  );

  /** The Prometheus text exposition, gauges included. */
  render(gauges: GaugeValues): string {
    const counters = [
      this.queries,
      this.responses,
      this.forwarded,
      this.malformed,
      this.truncated,
      this.errors,
      this.viewUpdates,
      this.watchErrors,
    ].map((c) => c.render());
    const gauge = (name: string, help: string, value: number): string =>
      `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${formatNumber(value)}`;
    return (
      [
        ...counters,
        gauge(
          'tresor_dns_view_age_seconds',
          'Seconds since Consul last confirmed the whole view.',
          gauges.viewAgeSeconds,
        ),
        gauge('tresor_dns_view_ready', '1 when the view is loaded and fresh.', gauges.viewReady ? 1 : 0),
        gauge('tresor_dns_udp_up', '1 while the UDP listener is bound.', gauges.udpUp ? 1 : 0),
        gauge('tresor_dns_tcp_up', '1 while the TCP listener accepts connections.', gauges.tcpUp ? 1 : 0),
        gauge(
          'tresor_dns_services_watched',
          'Services of the catalog being watched.',
          gauges.servicesWatched,
        ),
      ].join('\n') + '\n'
    );
  }
}

/** The same string for the same labels in any order. */
function labelKey(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) key += `${name}\u0000${labels[name] ?? ''}\u0000`;
  return key;
}

function formatLabels(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  return String(value);
}

import type { Logger } from '../helper/logger.js';
import type { Operation } from '../logical/types.js';
import type { HandledResponse, IncomingRequest } from './request-handler-types.js';

/** A request as observers see it: routed and authorised, about to reach its backend. */
export interface ObservedRequest {
  /** The id the backend sees as LogicalRequest.id. */
  readonly id: string;
  readonly request: IncomingRequest;
  /** The operation after the existence check (an update of a missing item is a create). */
  readonly operation: Operation;
  readonly mount: {
    readonly prefix: string;
    readonly type: string;
    readonly accessor: string;
    readonly table: 'mounts' | 'auth';
  };
  /** The caller's token, when the request carried a live one. */
  readonly token?: { readonly accessor: string; readonly policies: readonly string[] };
}

/** How a request ended: the response about to be rendered (after wrapping), or the error. */
export type ObservedOutcome = { readonly response: HandledResponse } | { readonly error: unknown };

/**
 * Watches the pipeline (metrics). `onRequest` runs once a request is routed and authorised,
 * before its backend; `onResponse` runs for every request `onRequest` saw, once it is answered or
 * failed. Requests refused earlier (sealed, no route, token check) are not observed.
 *
 * Observers only watch: they run in registration order, and one that throws is logged and
 * ignored, so it can neither change nor fail a request. Audit, which must be able to fail a
 * request, is a stage of the pipeline instead (src/core/audit/audit-broker.ts).
 */
export interface RequestObserver {
  readonly name: string;
  onRequest?(entry: ObservedRequest): void | Promise<void>;
  onResponse?(entry: ObservedRequest, outcome: ObservedOutcome): void | Promise<void>;
}

/** The observers registered on a request handler. */
export class RequestObservers {
  private list: readonly RequestObserver[] = [];

  constructor(private readonly logger: Logger) {}

  /** Registers an observer; the returned function removes it. */
  add(observer: RequestObserver): () => void {
    this.list = [...this.list, observer];
    return () => {
      this.list = this.list.filter((o) => o !== observer);
    };
  }

  async request(entry: ObservedRequest): Promise<void> {
    for (const o of this.list) if (o.onRequest !== undefined) await this.guard(o, () => o.onRequest?.(entry));
  }

  async response(entry: ObservedRequest, outcome: ObservedOutcome): Promise<void> {
    for (const o of this.list)
      if (o.onResponse !== undefined) await this.guard(o, () => o.onResponse?.(entry, outcome));
  }

  private async guard(o: RequestObserver, run: () => unknown): Promise<void> {
    try {
      await run();
    } catch (err) {
      this.logger.warn({ err, observer: o.name }, 'request observer failed');
    }
  }
}

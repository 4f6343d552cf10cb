import { uuid } from '../helper/random.js';
import type { Wrapper } from './wrapping/wrapper.js';
import type { HandledResponse, IncomingRequest } from './request-handler-types.js';

/**
 * Stage "wrap": with X-Vault-Wrap-TTL, the response the client would have had (its envelope) is
 * stored for a new wrapping token and the client gets only wrap_info. Nothing to say, a not-found
 * and a raw response are never wrapped.
 */
export async function wrapResponse(
  wrapper: Wrapper,
  req: IncomingRequest,
  h: HandledResponse,
): Promise<HandledResponse> {
  if (
    req.wrapTtl === undefined ||
    req.wrapTtl <= 0 ||
    h.response === undefined ||
    h.response.raw !== undefined
  )
    return h;
  const document = {
    request_id: uuid(),
    lease_id: h.leaseId,
    renewable: h.renewable,
    lease_duration: h.leaseDuration,
    data: h.response.data ?? null,
    wrap_info: null,
    warnings: h.warnings.length === 0 ? null : h.warnings,
    auth: h.auth,
  };
  const accessor = typeof h.auth?.accessor === 'string' ? h.auth.accessor : h.response.wrappedAccessor;
  const wrapInfo = await wrapper.wrap(document, req.wrapTtl, req.path, accessor);
  return {
    response: undefined,
    notFound: false,
    auth: null,
    leaseId: '',
    leaseDuration: 0,
    renewable: false,
    wrapInfo,
    warnings: [],
  };
}

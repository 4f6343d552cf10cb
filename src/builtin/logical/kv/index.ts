/**
 * The kv secrets engine: version 1 (plain key/value) or version 2 (versioned), chosen by the
 * mount option `version` ("2" → v2; "1" or absent → v1), as Vault does.
 */
import type { BackendFactory } from '../../../logical/types.js';
import { InvalidRequestError } from '../../../helper/errors.js';
import { kvV1Backend } from './kv-v1.js';
import { kvV2Backend } from './v2/backend.js';

/** Creates the kv backend for a mount. */
export const kvFactory: BackendFactory = (config) => {
  const version = config.options.version ?? '';
  switch (version) {
    case '':
    case '1':
      return kvV1Backend(config);
    case '2':
      return kvV2Backend();
    default:
      throw new InvalidRequestError(`unsupported kv version "${version}": use "1" or "2"`);
  }
};

/**
 * One error base class for the whole server. `status` is the HTTP status the client sees;
 * `expose` says whether the message may be shown (false: the client sees "internal error" and
 * the detail goes to the log). Messages say what was wrong and, where useful, how to fix it.
 */
export class VaultError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly expose: boolean = status < 500,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400: the request is malformed or asks for something invalid. */
export class InvalidRequestError extends VaultError {
  constructor(message: string, options?: ErrorOptions) {
    super(400, message, true, options);
  }
}

/**
 * 400 for a login with wrong credentials (unknown user, bad password, bad secret ID). Only these
 * count toward user lockout — not malformed requests or an unreachable directory.
 */
export class LoginFailedError extends InvalidRequestError {}

/** 403 with Vault's go-multierror wording, which clients match on. */
export class PermissionDeniedError extends VaultError {
  constructor(invalidToken = false) {
    super(
      403,
      invalidToken
        ? '2 errors occurred:\n\t* permission denied\n\t* invalid token\n\n'
        : '1 error occurred:\n\t* permission denied\n\n',
    );
  }
}

/** 404 for a path no backend serves. */
export class UnsupportedPathError extends VaultError {
  constructor(path: string) {
    super(404, `no handler for route "${path}". route entry not found.`);
  }
}

/** 405 for an operation a path does not support. */
export class UnsupportedOperationError extends VaultError {
  constructor(operation: string, path: string) {
    super(405, `${operation} operation not supported on path "${path}"`);
  }
}

/** 503 while the node is sealed or not initialised. */
export class SealedError extends VaultError {
  constructor() {
    super(503, 'Vault is sealed', true);
  }
}

/** Storage failure below the barrier: logged in full, shown to the client as an internal error. */
export class StorageError extends VaultError {
  constructor(message: string, options?: ErrorOptions) {
    super(500, message, false, options);
  }
}

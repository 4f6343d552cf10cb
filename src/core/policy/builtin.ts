import type { Policy } from './parse.js';

/** The policy that allows everything, sudo included. It is never stored and cannot be changed. */
export const ROOT_POLICY_NAME = 'root';
/** Attached to every non-root token unless the token was created with no_default_policy. */
export const DEFAULT_POLICY_NAME = 'default';
/** Attached to response-wrapping tokens only. */
export const RESPONSE_WRAPPING_POLICY_NAME = 'response-wrapping';
/** Attached to control-group request tokens only (kept for name compatibility). */
export const CONTROL_GROUP_POLICY_NAME = 'control-group';

/** Policies no API call may write. */
export const IMMUTABLE_POLICIES: readonly string[] = [
  ROOT_POLICY_NAME,
  RESPONSE_WRAPPING_POLICY_NAME,
  CONTROL_GROUP_POLICY_NAME,
];
/** Internal policies: never listed, never assignable to tokens by users. */
export const NON_ASSIGNABLE_POLICIES: readonly string[] = [
  RESPONSE_WRAPPING_POLICY_NAME,
  CONTROL_GROUP_POLICY_NAME,
];

/** The marker policy that makes an ACL a root ACL. */
export const rootPolicy: Policy = Object.freeze({
  name: ROOT_POLICY_NAME,
  raw: '',
  paths: Object.freeze([]),
  templated: false,
});

/**
 * The `default` policy written at first setup. Operators may edit it afterwards; an edited copy is
 * never overwritten.
 */
export const DEFAULT_POLICY = `# The default policy: what every token may do to and for itself.

# Token self-service: look itself up, renew itself, revoke itself.
path "auth/token/lookup-self" {
  capabilities = ["read"]
}
path "auth/token/renew-self" {
  capabilities = ["update"]
}
path "auth/token/revoke-self" {
  capabilities = ["update"]
}

# Ask which capabilities this token has on given paths.
path "sys/capabilities-self" {
  capabilities = ["update"]
}

# Read the identity entity this token belongs to.
path "identity/entity/id/{{identity.entity.id}}" {
  capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
  capabilities = ["read"]
}

# The combined ACL of this token, for user interfaces.
path "sys/internal/ui/resultant-acl" {
  capabilities = ["read"]
}

# Renew and look up leases by id (the id must already be known).
path "sys/renew" {
  capabilities = ["update"]
}
path "sys/leases/renew" {
  capabilities = ["update"]
}
path "sys/leases/lookup" {
  capabilities = ["update"]
}

# The token's own cubbyhole.
path "cubbyhole/*" {
  capabilities = ["create", "read", "update", "delete", "list"]
}

# Response wrapping: wrap data, look up and unwrap wrapping tokens.
path "sys/wrapping/wrap" {
  capabilities = ["update"]
}
path "sys/wrapping/lookup" {
  capabilities = ["update"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}

# Hashing tools.
path "sys/tools/hash" {
  capabilities = ["update"]
}
path "sys/tools/hash/*" {
  capabilities = ["update"]
}

# Check on a control group request when the accessor is known.
path "sys/control-group/request" {
  capabilities = ["update"]
}

# The authorization endpoint of OIDC providers.
path "identity/oidc/provider/+/authorize" {
  capabilities = ["read", "update"]
}
`;

/**
 * The policy of response-wrapping tokens: store the wrapped response in the token's cubbyhole at
 * wrapping time, read it back, and unwrap.
 */
export const RESPONSE_WRAPPING_POLICY = `path "cubbyhole/response" {
  capabilities = ["create", "read"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}
`;

/** The policy of control-group request tokens. */
export const CONTROL_GROUP_POLICY = `path "cubbyhole/control-group" {
  capabilities = ["update", "create", "read"]
}
path "sys/wrapping/unwrap" {
  capabilities = ["update"]
}
`;

/** Texts of the internal policies, served from code rather than storage. */
export const INTERNAL_POLICY_TEXT: Readonly<Record<string, string>> = {
  [RESPONSE_WRAPPING_POLICY_NAME]: RESPONSE_WRAPPING_POLICY,
  [CONTROL_GROUP_POLICY_NAME]: CONTROL_GROUP_POLICY,
};

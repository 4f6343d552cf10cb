# Consul ACL policy for tresor server nodes: exactly what storage "consul", the HA lock and the
# service registration use, nothing else. Create it and a token with it as consul/README.md shows;
# give the token to tresor as `token` in storage "consul" or as CONSUL_HTTP_TOKEN.
#
# The KV prefix must match `path` in storage "consul" ("tresor/" in deploy/*.hcl; Vault's
# default is "vault/" — change both together).

# Encrypted storage entries and the HA lock (<path>core/lock): read, write, delete, and the
# transactions whose first operation checks the lock session (fencing).
key_prefix "tresor/" {
  policy = "write"
}

# Lock sessions: create, renew and destroy. Sessions are created on the node of the agent tresor
# talks to; "" allows any node name, so the policy works whichever agent that is. It also lets a
# surviving node destroy the lock session a dead node left on another Consul node.
session_prefix "" {
  policy = "write"
}

# Service registration: the `vault` service (configurable with `service`; tags active/standby)
# and its sealed-status TTL check. service_prefix also covers names that start with "vault".
# The same rule lets a surviving node mark a dead peer's instance critical and drop its `active`
# tag through the catalog (consul/registration/peer-down.ts): with SkipNodeUpdate on a node that
# is already in the catalog, Consul asks for service:write only. Changing or creating a node
# record would need node:write, which this policy does not grant.
service_prefix "vault" {
  policy = "write"
}

# Each node registers a tiny `tresor-lock:<node id>` service whose TTL check its lock session is
# bound to (consul/lock/lock-session.ts), and passes that check several times a second.
service_prefix "tresor-lock" {
  policy = "write"
}

# Sessions also depend on the node's serfHealth check; reading nodes lets tresor see them.
node_prefix "" {
  policy = "read"
}

# Read access to the local agent (/v1/agent/self and friends) for diagnostics. Registering
# services and passing their checks is covered by the service rules above (service-level checks
# need service:write, not agent:write).
agent_prefix "" {
  policy = "read"
}

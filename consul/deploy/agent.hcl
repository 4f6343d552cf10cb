# Consul server agent for docker-compose.yml: a single server (bootstrap_expect = 1) with the UI
# and ACLs enforced (default deny). Mounted at /consul/config/agent.hcl; the official image's
# entrypoint adds -data-dir=/consul/data -config-dir=/consul/config to `consul agent`.
#
# After the first start, deploy/consul-acl-init.sh bootstraps the ACL system, creates the tresor
# and DNS policies and tokens (see consul/README.md) and sets this agent's own token.

datacenter = "dc1"
node_name  = "consul-server"
data_dir   = "/consul/data"
log_level  = "INFO"

server           = true
bootstrap_expect = 1

# The HTTP API and UI listen on every interface of the container; docker-compose.yml publishes
# port 8500 on the host's 127.0.0.1 only. Gossip and RPC stay on the compose network.
client_addr = "0.0.0.0"
bind_addr   = "{{ GetPrivateInterfaces | attr \"address\" }}"

ui_config {
  enabled = true
}

acl {
  enabled        = true
  default_policy = "deny"
  down_policy    = "extend-cache"
  # Tokens set with `consul acl set-agent-token` survive a restart of the agent.
  enable_token_persistence = true
}

# tresor's lock sessions are bound to their own short TTL checks; keep Consul's minimum session
# TTL low enough for the session_ttl tresor asks for.
session_ttl_min = "1s"

# No telemetry leaves the machine.
disable_update_check = true

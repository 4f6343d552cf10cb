# What every Consul agent of docker-compose.yml shares, servers and client agents alike. Mounted at
# /consul/config/agent.hcl; the official image's entrypoint adds -data-dir=/consul/data
# -config-dir=/consul/config to `consul agent`, and each service names its node on the command
# line (-node=consul1, -node=tresor1-consul, ...). The servers add consul/deploy/server.hcl.
#
# After the first start, deploy/consul-acl-init.sh bootstraps the ACL system, creates the tresor
# and DNS policies and tokens (see consul/README.md) and gives every agent its own token.

datacenter = "dc1"
data_dir   = "/consul/data"
log_level  = "INFO"

# Every agent finds the cluster through the three servers, and keeps trying until they answer:
# every 5 s rather than Consul's 30 s, since the whole stack starts at once.
retry_join     = ["consul1", "consul2", "consul3"]
retry_interval = "5s"

# The HTTP API listens on every interface of the container: on a client agent, for the tresor
# node or the resolver of the same host; docker-compose.yml publishes only consul1's port 8500,
# on the host's 127.0.0.1. Gossip and RPC stay on the compose network.
client_addr = "0.0.0.0"
bind_addr   = "{{ GetPrivateInterfaces | attr \"address\" }}"

acl {
  enabled        = true
  default_policy = "deny"
  down_policy    = "extend-cache"
  # Tokens set with `consul acl set-agent-token` survive a restart of the agent.
  enable_token_persistence = true
}

# No telemetry leaves the machine.
disable_update_check = true

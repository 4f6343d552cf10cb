# The three Consul servers of docker-compose.yml (consul1, consul2, consul3), on top of
# consul/deploy/agent.hcl. Mounted at /consul/config/server.hcl. Three servers keep a quorum
# when one of them is lost; the Raft leader moves and tresor's sessions survive (README,
# "Consul in production").

server           = true
bootstrap_expect = 3

ui_config {
  enabled = true
}

# tresor's lock sessions are bound to their own short TTL checks; keep Consul's minimum session
# TTL low enough for the session_ttl tresor asks for. Servers enforce it.
session_ttl_min = "1s"

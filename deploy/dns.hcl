# The tresor DNS resolver of docker-compose.yml (mounted at /etc/tresor/dns.hcl).
#
# It answers the consul. domain from a live view of Consul (active.vault.consul follows the HA
# lock) and forwards every other name to Docker's embedded DNS server. The Consul token comes
# from CONSUL_HTTP_TOKEN (read from CONSUL_HTTP_TOKEN_FILE; policy consul/deploy/dns-policy.hcl).

consul {
  # The resolver host's own Consul client agent (dns-consul in docker-compose.yml).
  address = "dns-consul:8500"
  path    = "tresor/"
  service = "vault"
}

# Port 53 inside the container (the compose file lets the unprivileged user bind it), published
# on the host's 127.0.0.1:8600.
listener {
  address = "0.0.0.0:53"
}

# GET /health (the compose healthcheck) and GET /metrics, not published.
http {
  address = "0.0.0.0:8601"
}

domain = "consul"

# Docker's embedded DNS server: container names, then the host's own resolvers.
upstreams = ["127.0.0.11"]

ttl {
  active  = 0
  service = 5
  node    = 30
}

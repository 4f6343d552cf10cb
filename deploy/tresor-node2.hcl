# tresor2 of docker-compose.yml (mounted at /etc/tresor/tresor.hcl).
#
# The Consul token comes from CONSUL_HTTP_TOKEN, which the image's entrypoint reads from
# CONSUL_HTTP_TOKEN_FILE (written by deploy/consul-acl-init.sh, policy consul/deploy/tresor-policy.hcl).

storage "consul" {
  # This host's own Consul client agent (tresor2-consul), which forwards to the three servers:
  # the lock session and the registration live on that agent's node, as in production.
  address = "tresor2-consul:8500"
  path    = "tresor/"

  # Registered as service "vault" with this node's fixed address on the compose network, so
  # that the resolver answers active.vault.consul with an A record.
  service         = "vault"
  service_address = "10.89.53.12"
}

listener "tcp" {
  address         = "0.0.0.0:8200"
  cluster_address = "0.0.0.0:8201"
  # Plain HTTP on a private Docker network, for the demo only: give every listener a
  # certificate (tls_cert_file, tls_key_file) anywhere else.
  tls_disable = true
}

api_addr     = "http://tresor2:8200"
cluster_addr = "https://tresor2:8201"
cluster_name = "tresor-compose"
ui           = true
log_level    = "info"

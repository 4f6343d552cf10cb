# Consul ACL policy for the tresor DNS resolver (tresor dns): it only reads. It watches the
# catalog (services, their health and nodes) and the HA lock key, whose holder is the only
# instance `active.<service>.consul` answers with. Create it and a token as consul/README.md
# shows; give the token to the resolver as `token` in its consul block or as CONSUL_HTTP_TOKEN.

# <service>.service.consul, <tag>.<service>.consul, SRV records: every service may be asked for.
service_prefix "" {
  policy = "read"
}

# <node>.node.consul, and the addresses of service instances registered without one.
node_prefix "" {
  policy = "read"
}

# The HA lock: <path>core/lock, where <path> is tresor's storage path ("tresor/" in deploy/).
# Only this one key: everything else under the prefix is tresor's encrypted storage.
key "tresor/core/lock" {
  policy = "read"
}

#!/bin/sh
# One-shot ACL setup of the compose stack's Consul (runs in the hashicorp/consul image as root).
# Idempotent: a second run keeps what exists and only fills in what is missing.
#
#   1. waits for the server to have a leader;
#   2. bootstraps the ACL system once, keeping the management token in $BOOTSTRAP_DIR (a volume
#      only this job mounts);
#   3. creates or updates the policies `tresor` (consul/deploy/tresor-policy.hcl) and `tresor-dns`
#      (consul/deploy/dns-policy.hcl), and one token each;
#   4. gives every agent named in $AGENTS (`node=host:port` entries, servers and client agents)
#      its own token, a node identity that may register only that node (kept across restarts:
#      acl.enable_token_persistence);
#   5. writes tresor.token and dns.token to $TOKEN_DIR, owned by $TOKEN_UID (the tresor image's
#      `node` user), mode 0400.
#
# Tokens are never printed. See consul/README.md for the same steps by hand.
set -eu

: "${CONSUL_HTTP_ADDR:=consul1:8500}"
export CONSUL_HTTP_ADDR
POLICY_DIR="${POLICY_DIR:-/policies}"
BOOTSTRAP_DIR="${BOOTSTRAP_DIR:-/acl}"
TOKEN_DIR="${TOKEN_DIR:-/tokens}"
TOKEN_UID="${TOKEN_UID:-1000}"
AGENTS="${AGENTS:-consul1=consul1:8500}"
DATACENTER="${DATACENTER:-dc1}"

log() { echo "consul-acl-init: $*" >&2; }

http_get() {
  if command -v curl >/dev/null 2>&1; then curl -fsS --max-time 2 "$1"; else wget -qO- -T 2 "$1"; fi
}

# Writes stdin to $1 atomically with mode $2 (owner root unless $3 is given).
write_secret() {
  umask 077
  cat >"$1.tmp"
  if [ -n "${3:-}" ]; then chown "$3" "$1.tmp"; fi
  chmod "$2" "$1.tmp"
  mv -f "$1.tmp" "$1"
}

secret_of() { awk '/^SecretID:/ { print $2; exit }'; }

i=0
until http_get "http://$CONSUL_HTTP_ADDR/v1/status/leader" 2>/dev/null | grep -q ':'; do
  i=$((i + 1))
  [ "$i" -lt 120 ] || { log "no Consul leader at $CONSUL_HTTP_ADDR after 120 s"; exit 1; }
  sleep 1
done

mkdir -p "$BOOTSTRAP_DIR" "$TOKEN_DIR"
management="$BOOTSTRAP_DIR/management.token"
if [ ! -s "$management" ]; then
  i=0
  until out="$(consul acl bootstrap 2>&1)"; do
    case "$out" in
      *"no longer allowed"* | *"already"*)
        log "the ACL system was bootstrapped before, but $management is missing."
        log "Reset it as consul/README.md explains (acl-bootstrap-reset), or remove the consul-data volume."
        exit 1
        ;;
    esac
    i=$((i + 1))
    [ "$i" -lt 30 ] || { log "ACL bootstrap failed: $out"; exit 1; }
    sleep 1
  done
  printf '%s\n' "$out" | secret_of | write_secret "$management" 600
  log "ACL system bootstrapped; management token in the consul-bootstrap volume"
fi
CONSUL_HTTP_TOKEN="$(cat "$management")"
export CONSUL_HTTP_TOKEN

# upsert_policy NAME RULES_FILE DESCRIPTION
upsert_policy() {
  id="$(consul acl policy read -name "$1" 2>/dev/null | awk '/^ID:/ { print $2; exit }')" || id=""
  if [ -n "$id" ]; then
    consul acl policy update -id "$id" -rules "@$2" -description "$3" >/dev/null
  else
    consul acl policy create -name "$1" -rules "@$2" -description "$3" >/dev/null
  fi
}

# ensure_token FILE DESCRIPTION OWNER CREATE_ARGS...: keeps a token that still works, else makes
# one with `consul acl token create CREATE_ARGS...` (OWNER empty: root, mode 0600).
ensure_token() {
  file="$1"
  description="$2"
  owner="$3"
  shift 3
  if [ -s "$file" ] && CONSUL_HTTP_TOKEN="$(cat "$file")" consul acl token read -self >/dev/null 2>&1; then
    return 0
  fi
  mode=600
  if [ -n "$owner" ]; then mode=400; fi
  consul acl token create "$@" -description "$description" | secret_of | write_secret "$file" "$mode" "$owner"
  [ -s "$file" ] || { log "could not create a token: $description"; exit 1; }
  log "token written to $file ($description)"
}

upsert_policy tresor "$POLICY_DIR/tresor-policy.hcl" "tresor server nodes: storage, HA lock, registration"
upsert_policy tresor-dns "$POLICY_DIR/dns-policy.hcl" "tresor DNS resolver: catalog and lock key, read only"

for entry in $AGENTS; do
  name="${entry%%=*}"
  addr="${entry#*=}"
  [ -n "$name" ] && [ "$addr" != "$entry" ] || { log "AGENTS entry \"$entry\" is not node=host:port"; exit 1; }
  file="$BOOTSTRAP_DIR/agent-$name.token"
  ensure_token "$file" "agent token of $name" "" -node-identity "$name:$DATACENTER"
  i=0
  until CONSUL_HTTP_ADDR="$addr" consul acl set-agent-token agent "$(cat "$file")" >/dev/null 2>&1; do
    i=$((i + 1))
    [ "$i" -lt 60 ] || { log "could not give agent $name ($addr) its token"; exit 1; }
    sleep 1
  done
done

ensure_token "$TOKEN_DIR/tresor.token" "tresor server nodes (docker-compose)" "$TOKEN_UID" -policy-name tresor
ensure_token "$TOKEN_DIR/dns.token" "tresor DNS resolver (docker-compose)" "$TOKEN_UID" -policy-name tresor-dns
log "ACLs ready"

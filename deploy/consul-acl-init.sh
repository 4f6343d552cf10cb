#!/bin/sh
# One-shot ACL setup of the compose stack's Consul (runs in the hashicorp/consul image as root).
# Idempotent: a second run keeps what exists and only fills in what is missing.
#
#   1. waits for the server to have a leader;
#   2. bootstraps the ACL system once, keeping the management token in $BOOTSTRAP_DIR (a volume
#      only this job mounts);
#   3. creates or updates the policies `tresor` (consul/deploy/tresor-policy.hcl), `tresor-dns`
#      (consul/deploy/dns-policy.hcl) and `consul-agent` (the agent's own node), and one token each;
#   4. sets the agent token (kept across restarts: acl.enable_token_persistence);
#   5. writes tresor.token and dns.token to $TOKEN_DIR, owned by $TOKEN_UID (the tresor image's
#      `node` user), mode 0400.
#
# Tokens are never printed. See consul/README.md for the same steps by hand.
set -eu

: "${CONSUL_HTTP_ADDR:=consul:8500}"
export CONSUL_HTTP_ADDR
POLICY_DIR="${POLICY_DIR:-/policies}"
BOOTSTRAP_DIR="${BOOTSTRAP_DIR:-/acl}"
TOKEN_DIR="${TOKEN_DIR:-/tokens}"
TOKEN_UID="${TOKEN_UID:-1000}"
AGENT_NODE_NAME="${AGENT_NODE_NAME:-consul-server}"

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

# ensure_token FILE POLICY DESCRIPTION [OWNER]: keeps a token that still works, else makes one.
ensure_token() {
  if [ -s "$1" ] && CONSUL_HTTP_TOKEN="$(cat "$1")" consul acl token read -self >/dev/null 2>&1; then
    return 0
  fi
  mode=600
  if [ -n "${4:-}" ]; then mode=400; fi
  consul acl token create -policy-name "$2" -description "$3" | secret_of | write_secret "$1" "$mode" "${4:-}"
  [ -s "$1" ] || { log "could not create a token for policy $2"; exit 1; }
  log "token for policy $2 written to $1"
}

agent_rules="$BOOTSTRAP_DIR/agent-policy.hcl"
printf 'node "%s" {\n  policy = "write"\n}\nservice_prefix "" {\n  policy = "read"\n}\n' "$AGENT_NODE_NAME" >"$agent_rules"

upsert_policy tresor "$POLICY_DIR/tresor-policy.hcl" "tresor server nodes: storage, HA lock, registration"
upsert_policy tresor-dns "$POLICY_DIR/dns-policy.hcl" "tresor DNS resolver: catalog and lock key, read only"
upsert_policy consul-agent "$agent_rules" "the Consul agent's own node registration"

ensure_token "$BOOTSTRAP_DIR/agent.token" consul-agent "agent token of $AGENT_NODE_NAME"
consul acl set-agent-token agent "$(cat "$BOOTSTRAP_DIR/agent.token")" >/dev/null

ensure_token "$TOKEN_DIR/tresor.token" tresor "tresor server nodes (docker-compose)" "$TOKEN_UID"
ensure_token "$TOKEN_DIR/dns.token" tresor-dns "tresor DNS resolver (docker-compose)" "$TOKEN_UID"
log "ACLs ready"

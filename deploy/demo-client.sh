#!/bin/sh
# The demo client of docker-compose.yml: an application that finds the active tresor node by
# name, as services do in the classic "Vault + Consul + DNSmasq" setup. Its container's DNS
# server is the tresor resolver (compose `dns:`), so the system resolver (getent, and the tresor
# CLI through it) asks the resolver for active.vault.consul; Docker's embedded DNS forwards the
# name there because it is not a container name.
#
# It waits until the name resolves, then reads the demo secret every $DEMO_INTERVAL seconds with a
# token that may read that one secret (from $VAULT_TOKEN_FILE, written by deploy/cluster-init.mjs).
# Stop the active node (docker compose stop tresor1) and watch the name move to the new one.
set -eu

NAME="${DEMO_NAME:-active.vault.consul}"
PORT="${DEMO_PORT:-8200}"
SECRET="${DEMO_SECRET:-secret/demo}"
INTERVAL="${DEMO_INTERVAL:-5}"
COUNT="${DEMO_COUNT:-0}" # 0: forever
TOKEN_FILE="${VAULT_TOKEN_FILE:-/var/lib/tresor-demo/token}"

log() { echo "demo: $*"; }
resolve() { getent ahostsv4 "$NAME" | awk 'NR == 1 { print $1 }'; }

i=0
until [ -n "$(resolve)" ]; do
  i=$((i + 1))
  if [ "$i" -ge 120 ]; then
    log "$NAME does not resolve after 120 s; is the dns service healthy?"
    exit 1
  fi
  sleep 1
done
log "$NAME resolves to $(resolve) through the tresor resolver"

VAULT_TOKEN="$(cat "$TOKEN_FILE")"
VAULT_ADDR="http://$NAME:$PORT"
export VAULT_TOKEN VAULT_ADDR

n=0
while :; do
  addr="$(resolve)"
  if value="$(tresor kv get -field=message "$SECRET" 2>&1)"; then
    log "$NAME -> ${addr:-?}: $SECRET message = $value"
  else
    log "$NAME -> ${addr:-?}: reading $SECRET failed: $value"
  fi
  n=$((n + 1))
  if [ "$COUNT" -gt 0 ] && [ "$n" -ge "$COUNT" ]; then break; fi
  sleep "$INTERVAL"
done

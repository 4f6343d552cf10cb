#!/bin/sh
# Entrypoint of the tresor image: runs `tresor <args>` (node dist/src/main.js). When
# CONSUL_HTTP_TOKEN_FILE is set and CONSUL_HTTP_TOKEN is not, the Consul token is read from that
# file first, so that tokens come from a volume or a Docker secret, never from the compose file or
# the image. `exec` keeps node as PID 1: it receives SIGTERM from `docker stop` and steps down.
set -eu
if [ -n "${CONSUL_HTTP_TOKEN_FILE:-}" ] && [ -z "${CONSUL_HTTP_TOKEN:-}" ]; then
  if [ ! -r "$CONSUL_HTTP_TOKEN_FILE" ]; then
    echo "tresor: cannot read CONSUL_HTTP_TOKEN_FILE=$CONSUL_HTTP_TOKEN_FILE" >&2
    exit 1
  fi
  CONSUL_HTTP_TOKEN="$(cat "$CONSUL_HTTP_TOKEN_FILE")"
  export CONSUL_HTTP_TOKEN
fi
exec node /app/dist/src/main.js "$@"

#!/usr/bin/env bash
# Prints the path of a usable consul binary, and nothing else on stdout:
#   1. $CONSUL_BIN when set (it must be executable);
#   2. else `consul` found on PATH;
#   3. else the cached build consul/.cache/consul-<version>, built from the Consul Go module pinned
#      in consul/go/go.mod (through the Go module proxy) when it is missing.
# Idempotent: a second run finds the cached binary at once. Concurrent runs wait for one build
# (scripts/go-build-cached.sh).
# Exits non-zero with a message on stderr when no binary can be found or built.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

fail() {
  echo "ensure-consul: $*" >&2
  exit 1
}

if [[ -n "${CONSUL_BIN:-}" ]]; then
  [[ -f "$CONSUL_BIN" && -x "$CONSUL_BIN" ]] || fail "CONSUL_BIN=$CONSUL_BIN is not an executable file"
  echo "$CONSUL_BIN"
  exit 0
fi

if found="$(command -v consul 2>/dev/null)" && [[ -n "$found" ]]; then
  echo "$found"
  exit 0
fi

version="$(awk '$1 == "github.com/hashicorp/consul" && $2 ~ /^v[0-9]/ { print $2; exit }' "$here/go/go.mod")"
[[ -n "$version" ]] || fail "cannot read the pinned Consul version from $here/go/go.mod"

bin="$here/.cache/consul-$version"
"$here/../scripts/go-build-cached.sh" "$here/go" "$bin" version ||
  fail "no consul binary: CONSUL_BIN is unset, none is on PATH, and Consul $version could not be built (see above); install Go >= $(awk '$1 == "go" { print $2; exit }' "$here/go/go.mod") or set CONSUL_BIN"

#!/usr/bin/env bash
# go-build-cached.sh MODULE_DIR OUTPUT [CHECK_ARGS...]: builds the Go main package of MODULE_DIR
# (through the Go module proxy) into the file OUTPUT unless OUTPUT is already an executable, and
# prints OUTPUT and nothing else on stdout. With CHECK_ARGS, a fresh build is kept only if it runs
# with them (e.g. `version`). Concurrent runs wait for one build (flock). The build log goes to
# OUTPUT.log; on failure its tail goes to stderr and the exit status is non-zero.
# Used by consul/ensure-consul.sh and test/tools/compose-config/ensure.sh.
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: go-build-cached.sh MODULE_DIR OUTPUT [CHECK_ARGS...]" >&2; exit 2; }
module="$(cd "$1" && pwd)"
bin="$2"
shift 2

fail() {
  echo "go-build-cached: $*" >&2
  exit 1
}

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi
command -v go >/dev/null 2>&1 ||
  fail "$bin is not built and there is no Go toolchain to build it (install Go >= $(awk '$1 == "go" { print $2; exit }' "$module/go.mod"))"

mkdir -p "$(dirname "$bin")"
if command -v flock >/dev/null 2>&1; then
  exec 9>"$bin.lock"
  flock 9
  if [[ -x "$bin" ]]; then
    echo "$bin"
    exit 0
  fi
fi

log="$bin.log"
tmp="$bin.partial.$$"
trap 'rm -f "$tmp"' EXIT
started=$SECONDS
if ! (cd "$module" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false" go build -trimpath -ldflags='-s -w' -o "$tmp" .) >"$log" 2>&1; then
  tail -n 20 "$log" >&2 || true
  fail "building $module with $(go version 2>/dev/null || echo go) failed; full log: $log"
fi
if [[ $# -gt 0 ]] && ! "$tmp" "$@" >>"$log" 2>&1; then
  fail "the binary built from $module does not run ($*); see $log"
fi
mv -f "$tmp" "$bin"
echo "built $module in $((SECONDS - started)) s" >>"$log"
echo "$bin"

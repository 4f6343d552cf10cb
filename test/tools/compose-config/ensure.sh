#!/usr/bin/env bash
# Prints the path of the compose-config tool (main.go beside this script), building it first when
# the sources changed: test/tools/.cache/compose-config-<hash of go.mod, go.sum, main.go>.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
hash="$(cat "$here/go.mod" "$here/go.sum" "$here/main.go" | sha256sum | cut -c1-12)"
cache="$(cd "$here/.." && pwd)/.cache"
exec "$here/../../../scripts/go-build-cached.sh" "$here" "$cache/compose-config-$hash"

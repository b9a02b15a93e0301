#!/usr/bin/env bash
# Does all set-up (scripts/setup.sh), then serves the avlens web page on the bundled default model
# at http://127.0.0.1:8080 (PORT=N to change). Drop a clip on it: nothing leaves the machine.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/setup.sh"
cd "$ROOT"
# A sample clip to try, made by the project's synthetic generator (a real and a fake one).
SAMPLES="$ROOT/build/samples"
if [ ! -f "$SAMPLES/real.mp4" ]; then
  mkdir -p "$SAMPLES"
  "$ROOT/build/bin/avlens" synth --out "$SAMPLES" --kind real --clip-seed 7 --domain A >/dev/null
  "$ROOT/build/bin/avlens" synth --out "$SAMPLES" --kind desync --clip-seed 7 --domain A >/dev/null
  mv "$SAMPLES/real_7.mp4" "$SAMPLES/real.mp4"
  mv "$SAMPLES/desync_7.mp4" "$SAMPLES/fake-desync.mp4"
fi
echo "sample clips to drop on the page: $SAMPLES/real.mp4, $SAMPLES/fake-desync.mp4"
exec node "$ROOT/web/server.mjs"

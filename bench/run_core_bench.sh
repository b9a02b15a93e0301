#!/usr/bin/env bash
# Issue 2's benchmark: a 60 s 1280x720 H.264 + AAC talking-head clip through decode + face
# tracking + windows on one core. Target: >= 120 frames/s (4x real time), peak RSS < 300 MB.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${AVLENS_BUILD_DIR:-$ROOT/build}"
CLIP="$BUILD/bench-data/face_720p_60s.mp4"
mkdir -p "$(dirname "$CLIP")"
if [ ! -f "$CLIP" ]; then
  # The test photo moving slowly over a 1280x720 background, with a tone; 30 fps.
  ffmpeg -nostdin -v error -y -loop 1 -i "$ROOT/tests/data/astronaut.png" \
    -f lavfi -i "sine=frequency=220:sample_rate=48000" -filter_complex \
    "[0:v]scale=620:620[f];color=c=0x556677:s=1280x720:r=30[bg];[bg][f]overlay=x='330+120*sin(t/3)':y='50+20*sin(t/2)',format=yuv420p[v]" \
    -map "[v]" -map 1:a -t 60 -c:v libx264 -preset veryfast -crf 23 -c:a aac -b:a 128k "$CLIP"
fi
cmake --build "$BUILD" --target bench_core_windows >/dev/null
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
taskset -c 0 "$BUILD/bin/bench_core_windows" "$CLIP" --preset paper
taskset -c 0 "$BUILD/bin/bench_core_windows" "$CLIP" --preset paper --memory

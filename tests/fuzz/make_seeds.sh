#!/usr/bin/env bash
# Writes the seed corpus of every fuzz target under DIR (one folder per target), made here with
# ffmpeg and python3 (onnx): no checked-in blobs. Each seed is small (the media ones under 64 KB,
# the fuzzers' -max_len) so the fuzzers start from valid inputs of every format the core reads.
#   tests/fuzz/make_seeds.sh DIR
set -euo pipefail
DIR="${1:?usage: make_seeds.sh DIR}"
mkdir -p "$DIR/media" "$DIR/onnx_metadata" "$DIR/push_api" "$DIR/dataset_csv" "$DIR/checkpoint"

# media: each container with the codecs it usually carries, 96x64 at 8 fps, 1 s, plus audio alone.
seed() { ffmpeg -nostdin -v error -y "$@"; }
M="$DIR/media"
av=(-f lavfi -i testsrc2=size=96x64:rate=8 -f lavfi -i sine=frequency=300:sample_rate=16000 -t 1 -pix_fmt yuv420p)
seed "${av[@]}" -c:v libx264 -preset ultrafast -c:a aac -b:a 24k "$M/h264_aac.mp4"
seed "${av[@]}" -c:v libx265 -preset ultrafast -x265-params log-level=none -c:a aac -b:a 24k -tag:v hvc1 "$M/hevc_aac.mp4"
seed "${av[@]}" -c:v mpeg4 -q:v 8 -c:a libmp3lame -b:a 32k "$M/mpeg4_mp3.mov"
seed "${av[@]}" -c:v libx264 -preset ultrafast -c:a flac "$M/h264_flac.mkv"
seed "${av[@]}" -c:v libvpx -b:v 100k -c:a libopus -b:a 24k "$M/vp8_opus.webm"
seed "${av[@]}" -c:v libvpx-vp9 -b:v 100k -deadline realtime -c:a libopus -b:a 24k "$M/vp9_opus.webm"
seed "${av[@]}" -c:v mpeg4 -q:v 8 -c:a pcm_s16le "$M/mpeg4_pcm.avi"
seed "${av[@]}" -c:v mjpeg -q:v 20 -c:a pcm_s16le "$M/mjpeg_pcm.avi"
seed "${av[@]}" -c:v libx264 -preset ultrafast -c:a aac -b:a 24k -f mpegts "$M/h264_aac.ts"
seed "${av[@]}" -c:v libx265 -preset ultrafast -x265-params log-level=none -c:a libmp3lame -b:a 32k -f mpegts "$M/hevc_mp3.ts"
# A TS whose audio goes from stereo to mono (issue 17 item 1's splice), as two segments back to back.
seed -f lavfi -i testsrc2=size=96x64:rate=8 -f lavfi -i sine=frequency=300:sample_rate=16000 -t 0.6 -pix_fmt yuv420p \
  -c:v libx264 -preset ultrafast -c:a aac -ac 2 -b:a 24k -f mpegts "$M/part_stereo.tmp"
seed -f lavfi -i testsrc2=size=96x64:rate=8 -f lavfi -i sine=frequency=500:sample_rate=16000 -t 0.6 -pix_fmt yuv420p \
  -c:v libx264 -preset ultrafast -c:a aac -ac 1 -b:a 24k -f mpegts "$M/part_mono.tmp"
cat "$M/part_stereo.tmp" "$M/part_mono.tmp" > "$M/h264_aac_stereo_to_mono.ts"
rm -f "$M"/*.tmp
au=(-f lavfi -i sine=frequency=300:sample_rate=16000 -t 1)
seed "${au[@]}" -c:a libmp3lame -b:a 32k "$M/audio.mp3"
seed "${au[@]}" -c:a aac -b:a 24k "$M/audio.m4a"
seed "${au[@]}" -c:a aac -b:a 24k -f adts "$M/audio.aac"
seed "${au[@]}" -c:a libopus -b:a 24k "$M/audio.opus"
seed "${au[@]}" -c:a flac "$M/audio.flac"
seed "${au[@]}" -c:a pcm_s16le "$M/audio.wav"

# onnx_metadata: tiny ONNX models whose metadata_props hold a geometry (valid, odd, refused).
/usr/bin/python3 - "$DIR/onnx_metadata" <<'PY'
import sys, onnx
from onnx import helper, TensorProto
out = sys.argv[1]
def model(meta):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
    m = helper.make_model(helper.make_graph([helper.make_node("Identity", ["x"], ["y"])], "g", [x], [y]))
    for k, v in meta.items():
        m.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
    return m.SerializeToString()
paper = dict(frames="30", height="224", width="224", fps="30", sample_rate="48000", video_mean="0.5",
             video_std="0.5", audio_norm="minmax_window", card='{"verdict_supported": true}')
cases = {"paper": paper, "tiny": dict(paper, frames="8", height="64", width="64", fps="8", sample_rate="16000"),
         "fractional": dict(paper, frames="8.9"), "huge": dict(paper, frames="512", height="1024", width="1024", fps="240"),
         "empty": {}}
for name, meta in cases.items():
    open(f"{out}/{name}.onnx", "wb").write(model(meta))
PY

# push_api: programs in push_api_fuzzer.cpp's format: whole-frame windows with audio, tracked frames,
# and frames with far, negative and non-finite times.
/usr/bin/python3 - "$DIR/push_api" <<'PY'
import sys, struct, math
out = sys.argv[1]
def frame(w, h, t): return bytes([0, w - 1, h - 1]) + struct.pack("<d", t) + bytes([0])
def step(w, h, dt32): return bytes([1, w - 1, h - 1, dt32])
def audio(n): return bytes([2]) + struct.pack("<H", n) + b"".join(struct.pack("<f", math.sin(i / 5)) for i in range(n))
def finish(t): return bytes([3]) + struct.pack("<d", t)
steady = bytes([12]) + frame(32, 24, 0.0) + b"".join(step(32, 24, 4) + (audio(250) if i % 4 == 0 else b"") for i in range(40)) + bytes([4]) + finish(-1)
seeds = {
    "whole_frame": steady,
    "tracked": bytes([0]) + steady[1:],
    "far_first_frame": bytes([4]) + frame(16, 16, 10000.0) + audio(100) + finish(-1),
    "backwards": bytes([4]) + frame(16, 16, 5.0) + frame(16, 16, 1.0) + frame(16, 16, -3.0) + finish(-1),
    "non_finite": bytes([4]) + frame(16, 16, float("nan")) + frame(16, 16, float("inf")) + finish(float("nan")),
    "audio_only": bytes([4]) + audio(4000) + audio(4000) + finish(10.0),
}
for name, data in seeds.items():
    open(f"{out}/{name}.bin", "wb").write(data)
PY

# dataset_csv: the first byte picks the reader (0 CSV list, 1 FakeAVCeleb meta_data.csv, 2 DFDC metadata.json).
D="$DIR/dataset_csv"
printf '\0path,label,group,kind\nreal/a.mp4,0,p1,\n"fake/b, quoted.mp4",fake,p1,faceswap\n/abs/c.mp4,real,p2,\n' > "$D/list.csv"
printf '\0path,label\nx.mp4,1\n' > "$D/minimal.csv"
printf '\1source,target1,target2,method,category,type,race,gender,path\nid00076,-,-,real,A,RealVideo-RealAudio,African,men,FakeAVCeleb/RealVideo-RealAudio/African/men/id00076/00109.mp4\nid00076,id00166,-,faceswap,C,FakeVideo-RealAudio,African,men,FakeAVCeleb/FakeVideo-RealAudio/African/men/id00076/00109_id00166_wavtoli\n' > "$D/fakeavceleb.csv"
printf '\2{"aaqaifqrwn.mp4": {"label": "FAKE", "split": "train", "original": "xugmhbetrw.mp4"}, "xugmhbetrw.mp4": {"label": "REAL", "split": "train"}}' > "$D/dfdc.json"

# checkpoint: safetensors files as avlens writes them (a training checkpoint, avlens-checkpoint-2, with
# its run state, weights and Adam state; exported weights), written byte by byte here.
/usr/bin/python3 - "$DIR/checkpoint" <<'PY'
import sys, json, struct
out = sys.argv[1]
def safetensors(tensors, metadata=None):
    header, data = {}, b""
    if metadata: header["__metadata__"] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data
f32 = lambda *v: struct.pack(f"<{len(v)}f", *v)
state = {"format": "avlens-checkpoint-2", "epochs_done": 1, "best_val_auc": 0.75, "best_train_loss": 0.6,
         "threshold": 0.5, "history": [{"epoch": 1, "train_loss": 0.6}], "train_config": {"lr": 0.001},
         "model_config": {"attention": True}}
checkpoint = [("model/head.weight", "F32", [1, 4], f32(0.5, -1, 2, 0.25)), ("model/head.bias", "F32", [1], f32(0.1)),
              ("model/bn.num_batches_tracked", "I64", [], struct.pack("<q", 3)),
              ("optimizer/head.weight/step", "I64", [], struct.pack("<q", 3)),
              ("optimizer/head.weight/exp_avg", "F32", [1, 4], f32(0.01, 0, -0.02, 0.5)),
              ("optimizer/head.weight/exp_avg_sq", "F32", [1, 4], f32(1e-4, 0, 4e-4, 0.25))]
seeds = {
    "checkpoint": safetensors(checkpoint, {"format": "avlens-checkpoint-2", "state": json.dumps(state), "optimizer": "adam"}),
    "weights_only": safetensors(checkpoint[:3], {"format": "avlens-checkpoint-2", "state": json.dumps(state)}),
    "exported": safetensors([("head.weight", "F32", [1, 4], f32(1, 2, 3, 4))], {"frames": "8", "height": "64"}),
    "dtypes": safetensors([("a", "F16", [2], b"\x00\x3c\x00\xc0"), ("b", "BF16", [1], b"\x80\x3f"), ("c", "BOOL", [3], b"\x01\x00\x01"),
                           ("d", "U8", [0, 5], b""), ("e", "F64", [1], struct.pack("<d", 1.5)), ("f", "I32", [1, 1], struct.pack("<i", -7))]),
    "empty": safetensors([]),
}
for name, data in seeds.items():
    open(f"{out}/{name}.safetensors", "wb").write(data)
PY

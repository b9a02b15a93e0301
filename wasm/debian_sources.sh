# Sourced (not run) by wasm/build.sh, wasm/build_ffmpeg.sh and bench/gpu/prepare.sh: the Debian
# source packages of FFmpeg and dlib that the wasm core and the carried GPU-machine prefix are built
# from (the versions the native build links), with the pinned SHA-256 of each .dsc, and the one
# FFmpeg selection (what people upload) that both builds enable.

# FFmpeg: the version of libavcodec-dev.
FFMPEG_DEB_VERSION="7:5.1.9-0+deb12u1"
FFMPEG_DSC_SHA256="055f82fca9a92f1d47216be2c2488d09373c7ca154806fbc36b0127c191d5104"
# dlib: the version of libdlib-dev.
DLIB_DEB_VERSION="19.24+dfsg-1"
DLIB_DSC_SHA256="846b06672e647c0f1bb6ea17ba0ffcff7aba77544c57a98aa58d0744975b01b4"

# AV1 is not included: FFmpeg 5.1 has no software AV1 decoder of its own (its "av1" decoder only
# drives hardware), so AV1 clips are reported as unsupported.
FFMPEG_DECODERS=(
  h264 hevc vp8 vp9 mpeg4
  aac aac_latm mp3 mp3float opus vorbis flac
  pcm_s16le pcm_s16be pcm_s24le pcm_s24be pcm_s32le pcm_s32be pcm_f32le pcm_f32be pcm_f64le
  pcm_u8 pcm_alaw pcm_mulaw
)
FFMPEG_DEMUXERS=(mov matroska avi ogg wav w64 mp3 aac flac)
FFMPEG_PARSERS=(h264 hevc vp8 vp9 mpeg4video aac aac_latm mpegaudio opus vorbis flac)
FFMPEG_PROTOCOLS=(file)

# The configure flags both builds share: the selection above, the five libraries the core links,
# nothing detected from the build machine, no programs or docs. (The order is the wasm build's
# cache key: wasm/build_ffmpeg.sh hashes these flags.)
ffmpeg_common_configure_flags() {
  local IFS=,
  printf '%s\n' \
    --disable-autodetect --disable-network --disable-debug --disable-stripping \
    --disable-programs --disable-doc \
    --disable-avdevice --disable-avfilter --disable-postproc \
    --enable-static --disable-shared \
    --disable-everything \
    --enable-decoder="${FFMPEG_DECODERS[*]}" \
    --enable-demuxer="${FFMPEG_DEMUXERS[*]}" \
    --enable-parser="${FFMPEG_PARSERS[*]}" \
    --enable-protocol="${FFMPEG_PROTOCOLS[*]}" \
    --enable-swscale --enable-swresample
}

# Fails with a clear line when the native libavcodec-dev is another version than the pin.
check_native_ffmpeg_version() {
  local native_version
  native_version="$(dpkg-query -W -f='${source:Version}' libavcodec-dev 2>/dev/null || true)"
  if [ -n "$native_version" ] && [ "$native_version" != "$FFMPEG_DEB_VERSION" ]; then
    echo "the native libavcodec-dev is $native_version but wasm/debian_sources.sh pins" \
         "$FFMPEG_DEB_VERSION: update FFMPEG_DEB_VERSION and FFMPEG_DSC_SHA256 there" >&2
    return 1
  fi
}

#include "media_decoder.hpp"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
#include <libswscale/swscale.h>
}

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "avlens/error.hpp"
#include "picture.hpp"
#include "stream_limits.hpp"

namespace avlens {
namespace {

constexpr int kMaxPixels = 8192 * 8192;
constexpr int kIoBufferSize = 1 << 16;
// How much longer than its decoded streams a container's declared duration may be and still be believed.
constexpr double kDurationSlackSeconds = 1.0;
constexpr const char* kNoOverlap = "the audio and video streams do not overlap";

std::string av_error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

// Read/seek callbacks of the custom AVIO over a MediaInput. A failed read is remembered, so the
// decoder reports the input's reason rather than what FFmpeg makes of a short stream.
struct InputReader {
  std::shared_ptr<MediaInput> input;
  int64_t pos = 0;
  bool failed = false;
  int64_t failed_at = 0;
  std::string failure;

  static int read(void* opaque, uint8_t* buf, int size) {
    auto* r = static_cast<InputReader*>(opaque);
    if (r->failed) return AVERROR(EIO);
    if (size <= 0) return 0;
    if (r->pos >= r->input->size()) return AVERROR_EOF;
    const int64_t n = r->input->read_at(r->pos, buf, static_cast<size_t>(size));
    if (n <= 0 || n > size) {
      r->failed = true;
      r->failed_at = r->pos;
      r->failure = r->input->failure();
      if (r->failure.empty()) r->failure = "no bytes where the file should have more";
      return AVERROR(EIO);
    }
    r->pos += n;
    return static_cast<int>(n);
  }
  static int64_t seek(void* opaque, int64_t offset, int whence) {
    auto* r = static_cast<InputReader*>(opaque);
    const int64_t size = r->input->size();
    int64_t target;
    switch (whence & ~AVSEEK_FORCE) {
      case AVSEEK_SIZE: return size;
      case SEEK_SET: target = offset; break;
      case SEEK_CUR: target = r->pos + offset; break;
      case SEEK_END: target = size + offset; break;
      default: return AVERROR(EINVAL);
    }
    if (target < 0 || target > size) return AVERROR(EINVAL);
    r->pos = target;
    return target;
  }
};

double seconds(int64_t ts, AVRational tb) { return ts == AV_NOPTS_VALUE ? 0.0 : ts * av_q2d(tb); }

}  // namespace

struct MediaDecoder::Impl {
  MediaSource source;
  Options opt;
  MediaInfo info;
  AVFormatContext* fmt = nullptr;
  AVIOContext* avio = nullptr;
  InputReader input;
  int video_index = -1, audio_index = -1;
  AVCodecContext* vdec = nullptr;
  AVCodecContext* adec = nullptr;
  SwsContext* sws = nullptr;
  SwrContext* swr = nullptr;
  int swr_in_rate = 0, swr_in_format = -1;  // the input the resampler was built for
  AVChannelLayout swr_in_layout{};
  AVPacket* packet = nullptr;
  AVFrame* frame = nullptr;
  std::vector<uint8_t> converted;  // a frame swscale converted (other layouts, large frames)
  std::vector<uint8_t> rotated;
  std::vector<float> mono;
  double origin = 0;           // container start, seconds: time 0 of both streams
  double last_video_time = -1, last_video_duration = 0;
  double position = 0;
  int64_t audio_written = 0;   // samples delivered so far
  bool audio_placed = false;
  bool demux_ended = false, flushed = false;
  bool read_error = false;
  std::string read_error_text;
  int decode_errors = 0;  // packets and frames the decoders rejected
  int decoded_video_frames = 0;

  ~Impl() {
    sws_freeContext(sws);
    swr_free(&swr);
    av_channel_layout_uninit(&swr_in_layout);
    avcodec_free_context(&vdec);
    avcodec_free_context(&adec);
    av_frame_free(&frame);
    av_packet_free(&packet);
    if (fmt) avformat_close_input(&fmt);
    if (avio) {
      av_freep(&avio->buffer);
      avio_context_free(&avio);
    }
  }

  [[noreturn]] void fail(ErrorCode code, const std::string& why) const { throw Error(code, why); }

  // A failed read of the input is the answer, whatever FFmpeg made of the missing bytes (a demuxer
  // may take them for the end of the stream).
  void check_input() const {
    if (!input.failed) return;
    fail(ErrorCode::kUnreadable, "could not be read at byte " + std::to_string(input.failed_at) + " of " +
                                     std::to_string(input.input->size()) + " (" + input.failure +
                                     "): was the file changed or removed while it was read?");
  }

  void open() {
    fmt = avformat_alloc_context();
    if (!fmt) fail(ErrorCode::kInternal, "out of memory");
    if (source.input) {
      if (source.input->size() <= 0) fail(ErrorCode::kUnreadable, "the file is empty");
      input.input = source.input;
      auto* buffer = static_cast<uint8_t*>(av_malloc(kIoBufferSize));
      if (!buffer) fail(ErrorCode::kInternal, "out of memory");
      avio = avio_alloc_context(buffer, kIoBufferSize, 0, &input, &InputReader::read, nullptr, &InputReader::seek);
      if (!avio) {
        av_free(buffer);
        fail(ErrorCode::kInternal, "out of memory");
      }
      fmt->pb = avio;
      fmt->flags |= AVFMT_FLAG_CUSTOM_IO;
    } else {
      struct stat st;
      if (stat(source.path.c_str(), &st) != 0) fail(ErrorCode::kFileNotFound, "no such file");
      if (S_ISDIR(st.st_mode)) fail(ErrorCode::kUnreadable, "is a directory, not a media file");
      if (st.st_size == 0) fail(ErrorCode::kUnreadable, "the file is empty");
    }
    // Only local demuxing: never let a crafted file open other files or URLs.
    AVDictionary* o = nullptr;
    av_dict_set(&o, "protocol_whitelist", "file,pipe", 0);
    av_dict_set(&o, "format_whitelist",
                "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,ogg,wav,mp3,flac,aac,h264,hevc,mpegts,mpeg,flv,asf,"
                "ivf,m4v,mjpeg",
                0);
    int err = avformat_open_input(&fmt, source.input ? nullptr : source.path.c_str(), nullptr, &o);
    av_dict_free(&o);
    if (err < 0) {
      fmt = nullptr;  // freed by avformat_open_input on failure
      check_input();
      fail(ErrorCode::kUnreadable, "not a readable media file (" + av_error_text(err) + ")");
    }
    fmt->max_analyze_duration = 5 * AV_TIME_BASE;
    err = avformat_find_stream_info(fmt, nullptr);
    check_input();
    if (err < 0) fail(ErrorCode::kUnreadable, "cannot read the streams (" + av_error_text(err) + ")");

    video_index = av_find_best_stream(fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
    audio_index = av_find_best_stream(fmt, AVMEDIA_TYPE_AUDIO, -1, -1, nullptr, 0);
    // Cover art is a video stream with one picture: not a video.
    if (video_index >= 0 && (fmt->streams[video_index]->disposition & AV_DISPOSITION_ATTACHED_PIC)) video_index = -1;
    if (video_index < 0) fail(ErrorCode::kNoVideoStream, "has no video stream");
    if (audio_index < 0) fail(ErrorCode::kNoAudioStream, "has no audio stream");

    info.source = source.name;
    info.container = fmt->iformat ? fmt->iformat->name : "";
    info.duration = fmt->duration != AV_NOPTS_VALUE ? fmt->duration / static_cast<double>(AV_TIME_BASE) : 0;

    AVStream* vs = fmt->streams[video_index];
    AVStream* as = fmt->streams[audio_index];
    info.video_codec = avcodec_get_name(vs->codecpar->codec_id);
    info.audio_codec = avcodec_get_name(as->codecpar->codec_id);
    if (vs->avg_frame_rate.num > 0 && vs->avg_frame_rate.den > 0) info.source_fps = av_q2d(vs->avg_frame_rate);
    info.audio_sample_rate = as->codecpar->sample_rate;
    info.audio_channels = as->codecpar->ch_layout.nb_channels;

    size_t side_size = 0;
    const uint8_t* matrix = av_stream_get_side_data(vs, AV_PKT_DATA_DISPLAYMATRIX, &side_size);
    if (matrix && side_size >= 9 * sizeof(int32_t)) {
      double theta = -av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
      int deg = static_cast<int>(std::lround(theta / 90.0)) * 90 % 360;
      if (deg < 0) deg += 360;
      info.rotation = deg;
    }
    const bool swap = info.rotation == 90 || info.rotation == 270;
    info.width = swap ? vs->codecpar->height : vs->codecpar->width;
    info.height = swap ? vs->codecpar->width : vs->codecpar->height;

    // Time 0 is the earlier start of the two streams, so they stay in sync.
    double vstart = vs->start_time != AV_NOPTS_VALUE ? seconds(vs->start_time, vs->time_base) : 0;
    double astart = as->start_time != AV_NOPTS_VALUE ? seconds(as->start_time, as->time_base) : 0;
    origin = std::min(vstart, astart);
    if (std::abs(vstart - astart) > kMaxStreamGapSeconds) {
      char msg[200];
      std::snprintf(msg, sizeof(msg), "%s: the %s starts %.1f s after the %s (more than %.0f s apart)", kNoOverlap,
                    astart > vstart ? "audio" : "video", std::abs(vstart - astart), astart > vstart ? "video" : "audio",
                    kMaxStreamGapSeconds);
      fail(ErrorCode::kUnreadable, msg);
    }

    if (opt.decode_video) vdec = open_decoder(vs, "video");
    if (opt.decode_audio) adec = open_decoder(as, "audio");
    for (unsigned i = 0; i < fmt->nb_streams; ++i)
      if (!((static_cast<int>(i) == video_index && opt.decode_video) ||
            (static_cast<int>(i) == audio_index && opt.decode_audio)))
        fmt->streams[i]->discard = AVDISCARD_ALL;

    packet = av_packet_alloc();
    frame = av_frame_alloc();
    if (!packet || !frame) fail(ErrorCode::kInternal, "out of memory");
  }

  AVCodecContext* open_decoder(AVStream* st, const char* kind) {
    const AVCodec* codec = avcodec_find_decoder(st->codecpar->codec_id);
    if (!codec)
      fail(ErrorCode::kUnsupportedCodec, std::string("its ") + kind + " codec '" +
                                             avcodec_get_name(st->codecpar->codec_id) +
                                             "' is not supported by this build");
    AVCodecContext* ctx = avcodec_alloc_context3(codec);
    if (!ctx) fail(ErrorCode::kInternal, "out of memory");
    if (avcodec_parameters_to_context(ctx, st->codecpar) < 0) {
      avcodec_free_context(&ctx);
      fail(ErrorCode::kUnreadable, std::string("bad ") + kind + " stream parameters");
    }
    ctx->pkt_timebase = st->time_base;
    ctx->thread_count = std::max(1, opt.threads);
    ctx->max_pixels = kMaxPixels;
    if (avcodec_open2(ctx, codec, nullptr) < 0) {
      avcodec_free_context(&ctx);
      fail(ErrorCode::kUnsupportedCodec, std::string("cannot open the ") + kind + " decoder '" + codec->name + "'");
    }
    return ctx;
  }

  void deliver_video(const VideoFn& on_video) {
    AVStream* vs = fmt->streams[video_index];
    int64_t ts = frame->best_effort_timestamp;
    if (ts == AV_NOPTS_VALUE) ts = frame->pts;
    double t = ts == AV_NOPTS_VALUE ? (last_video_time < 0 ? 0 : last_video_time + 1.0 / 30)
                                    : seconds(ts, vs->time_base) - origin;
    if (t < 0) t = 0;
    const int w = frame->width, h = frame->height;
    if (w <= 0 || h <= 0) return;
    // Very large frames are scaled down to max_frame_side in the conversion itself: an 8000x8000
    // frame is never held at full size (nor rotated, nor copied into the frame queue), whatever
    // the source resolution. Smaller frames are kept pixel for pixel.
    int ow = w, oh = h;
    double source_scale = 1.0;
    const int longer = std::max(w, h);
    if (opt.max_frame_side > 0 && longer > opt.max_frame_side) {
      source_scale = static_cast<double>(longer) / opt.max_frame_side;
      ow = std::max(1, static_cast<int>(std::lround(w / source_scale)));
      oh = std::max(1, static_cast<int>(std::lround(h / source_scale)));
    }
    const auto format = static_cast<AVPixelFormat>(frame->format);
    PictureView view;
    if (source_scale == 1.0 && is_planar_yuv8(format) && frame->linesize[0] > 0 && frame->linesize[1] > 0 &&
        frame->linesize[2] > 0) {
      view = planes_of_frame(format);
    } else {
      const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(format);
      const bool rgb = desc && (desc->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL));
      view = convert(format, w, h, ow, oh, rgb ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_YUV420P);
    }
    double duration = frame->pkt_duration > 0 ? seconds(frame->pkt_duration, vs->time_base) : 0;
    if (duration <= 0 && info.source_fps > 0) duration = 1.0 / info.source_fps;
    last_video_time = t;
    last_video_duration = duration;
    position = std::max(position, t);
    ++decoded_video_frames;
    if (info.rotation) view = rotate_picture(view, info.rotation, &rotated);
    on_video(view, t, source_scale);
  }

  // 8-bit planar YUV with chroma at full or half resolution: the core reads it as it is.
  static bool is_planar_yuv8(AVPixelFormat format) {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(format);
    if (!d || d->nb_components != 3 || !(d->flags & AV_PIX_FMT_FLAG_PLANAR)) return false;
    if (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL | AV_PIX_FMT_FLAG_BAYER | AV_PIX_FMT_FLAG_FLOAT |
                    AV_PIX_FMT_FLAG_HWACCEL | AV_PIX_FMT_FLAG_ALPHA))
      return false;
    for (int i = 0; i < 3; ++i)
      if (d->comp[i].depth != 8 || d->comp[i].plane != i || d->comp[i].step != 1 || d->comp[i].shift != 0)
        return false;
    return d->log2_chroma_w <= 1 && d->log2_chroma_h <= 1;
  }

  PictureView planes_of_frame(AVPixelFormat format) const {
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(format);
    PictureView v;
    v.layout = PixelLayout::kYuvPlanar;
    v.width = frame->width;
    v.height = frame->height;
    for (int i = 0; i < 3; ++i) v.data[i] = frame->data[i], v.stride[i] = frame->linesize[i];
    v.chroma_shift_x = d->log2_chroma_w;
    v.chroma_shift_y = d->log2_chroma_h;
    // The JPEG-range formats, as swscale reads them (it ignores color_range for the others).
    v.full_range = format == AV_PIX_FMT_YUVJ420P || format == AV_PIX_FMT_YUVJ422P || format == AV_PIX_FMT_YUVJ444P ||
                   format == AV_PIX_FMT_YUVJ440P;
    return v;
  }

  // swscale's conversion of the frame to ow x oh RGB24 or 4:2:0 YUV (video range), bit-exact: the
  // same pixels natively and in wasm.
  PictureView convert(AVPixelFormat format, int w, int h, int ow, int oh, AVPixelFormat to) {
    const bool rgb = to == AV_PIX_FMT_RGB24;
    const int flags = SWS_BILINEAR | SWS_BITEXACT | SWS_ACCURATE_RND | (rgb ? SWS_FULL_CHR_H_INT : 0);
    sws = sws_getCachedContext(sws, w, h, format, ow, oh, to, flags, nullptr, nullptr, nullptr);
    if (!sws) fail(ErrorCode::kUnsupportedCodec, "cannot convert its pixel format");
    PictureView shape;  // RGB24, or 4:2:0 YUV in the video range
    shape.width = ow;
    shape.height = oh;
    if (!rgb) {
      shape.layout = PixelLayout::kYuvPlanar;
      shape.chroma_shift_x = shape.chroma_shift_y = 1;
    }
    const PictureView v = packed_layout(shape, &converted);
    uint8_t* dst[4] = {const_cast<uint8_t*>(v.data[0]), const_cast<uint8_t*>(v.data[1]),
                       const_cast<uint8_t*>(v.data[2]), nullptr};
    int dst_stride[4] = {v.stride[0], v.stride[1], v.stride[2], 0};
    sws_scale(sws, frame->data, frame->linesize, 0, h, dst, dst_stride);
    return v;
  }

  // The channel layout a frame really has: decoders may leave it unspecified.
  AVChannelLayout frame_layout() const {
    AVChannelLayout layout{};  // zeroed: av_channel_layout_copy first frees what dst holds
    if (frame->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC)
      av_channel_layout_default(&layout, frame->ch_layout.nb_channels);
    else
      av_channel_layout_copy(&layout, &frame->ch_layout);
    return layout;
  }

  // A stream may change its rate, layout or sample format mid-way (an MPEG-TS whose AAC goes from
  // stereo to mono): the resampler is rebuilt for each new input, after delivering what the old
  // one still holds, so no frame is ever read with another frame's layout.
  void ensure_resampler(const AudioFn& on_audio) {
    AVChannelLayout in_layout = frame_layout();
    if (swr && frame->sample_rate == swr_in_rate && frame->format == swr_in_format &&
        av_channel_layout_compare(&in_layout, &swr_in_layout) == 0) {
      av_channel_layout_uninit(&in_layout);
      return;
    }
    if (swr) {
      drain_resampler(on_audio);
      swr_free(&swr);
    }
    AVChannelLayout mono_layout = AV_CHANNEL_LAYOUT_MONO;
    int err = swr_alloc_set_opts2(&swr, &mono_layout, AV_SAMPLE_FMT_FLT, opt.sample_rate, &in_layout,
                                  static_cast<AVSampleFormat>(frame->format), frame->sample_rate, 0, nullptr);
    av_channel_layout_uninit(&swr_in_layout);
    swr_in_layout = in_layout;  // takes ownership
    swr_in_rate = frame->sample_rate;
    swr_in_format = frame->format;
    if (err < 0 || swr_init(swr) < 0) fail(ErrorCode::kUnsupportedCodec, "cannot resample its audio");
  }

  // Converts `in_samples` input samples (nullptr, 0: what the resampler still holds) into `mono`.
  int resample(const uint8_t** in, int in_samples) {
    const int capacity = static_cast<int>(swr_get_out_samples(swr, in_samples)) + 32;
    if (capacity <= 0) return 0;
    mono.resize(static_cast<size_t>(capacity));
    uint8_t* out[1] = {reinterpret_cast<uint8_t*>(mono.data())};
    return std::max(0, swr_convert(swr, out, capacity, in, in_samples));
  }

  void drain_resampler(const AudioFn& on_audio) {
    if (!swr) return;
    const int n = resample(nullptr, 0);
    if (n <= 0) return;
    on_audio(mono.data(), static_cast<size_t>(n));
    audio_written += n;
  }

  void deliver_audio(const AudioFn& on_audio) {
    if (frame->sample_rate <= 0 || frame->ch_layout.nb_channels <= 0) return;
    ensure_resampler(on_audio);
    const int n = resample(const_cast<const uint8_t**>(frame->extended_data), frame->nb_samples);
    if (n <= 0) return;
    size_t skip = 0;
    AVStream* as = fmt->streams[audio_index];
    int64_t ts = frame->best_effort_timestamp;
    if (ts == AV_NOPTS_VALUE) ts = frame->pts;
    if (ts != AV_NOPTS_VALUE) {
      const double t = seconds(ts, as->time_base) - origin;
      position = std::max(position, t);
      const int64_t expected = static_cast<int64_t>(std::llround(t * opt.sample_rate));
      const int64_t tolerance = opt.sample_rate / 50;  // 20 ms of jitter is not a gap
      const int64_t drift = expected - audio_written;
      if (!audio_placed || drift > tolerance) {
        // Silence for a late start or a gap, so audio stays aligned with the video.
        if (drift > 0) {
          check_audio_gap(static_cast<double>(drift) / opt.sample_rate, t);
          std::vector<float> silence(static_cast<size_t>(drift), 0.f);
          on_audio(silence.data(), silence.size());
          audio_written += drift;
        }
      } else if (drift < -tolerance) {
        skip = static_cast<size_t>(std::min<int64_t>(-drift, n));  // overlap: drop what repeats
      }
      audio_placed = true;
    }
    if (static_cast<size_t>(n) > skip) {
      on_audio(mono.data() + skip, static_cast<size_t>(n) - skip);
      audio_written += n - static_cast<int64_t>(skip);
    }
  }

  // Silence is padded for at most kMaxStreamGapSeconds: more is a stream that does not overlap
  // the video, or a corrupt timestamp, and would cost memory in proportion to the gap.
  void check_audio_gap(double gap, double at) const {
    if (gap <= kMaxStreamGapSeconds) return;
    char msg[200];
    if (!audio_placed)
      std::snprintf(msg, sizeof(msg), "%s: the audio starts at %.1f s (more than %.0f s after the clip's start)",
                    kNoOverlap, at, kMaxStreamGapSeconds);
    else
      std::snprintf(msg, sizeof(msg), "its audio timestamps jump by %.1f s at %.1f s (corrupt stream?)", gap, at);
    fail(ErrorCode::kUnreadable, msg);
  }

  // A decoder that cannot get memory is not looking at a damaged file: say so, rather than count
  // the frames it drops as decode errors and call the clip truncated.
  [[noreturn]] void out_of_memory(AVCodecContext* dec) {
    char msg[200];
    if (dec == vdec)
      std::snprintf(msg, sizeof(msg), "ran out of memory while decoding its %dx%d video", dec->width, dec->height);
    else
      std::snprintf(msg, sizeof(msg), "ran out of memory while decoding its audio");
    fail(ErrorCode::kInternal, msg);
  }

  // Drains a decoder after a packet (or at the flush).
  void receive(AVCodecContext* dec, const VideoFn& on_video, const AudioFn& on_audio) {
    for (;;) {
      int err = avcodec_receive_frame(dec, frame);
      if (err == AVERROR(EAGAIN) || err == AVERROR_EOF) return;
      if (err == AVERROR(ENOMEM)) out_of_memory(dec);
      if (err < 0) {  // a broken frame: skip it, and count it
        ++decode_errors;
        return;
      }
      if (dec == vdec) deliver_video(on_video);
      else deliver_audio(on_audio);
      av_frame_unref(frame);
    }
  }

  bool step(const VideoFn& on_video, const AudioFn& on_audio) {
    if (flushed) return false;
    if (!demux_ended) {
      int err = av_read_frame(fmt, packet);
      check_input();
      if (err >= 0) {
        AVCodecContext* dec = packet->stream_index == video_index   ? vdec
                              : packet->stream_index == audio_index ? adec
                                                                    : nullptr;
        if (dec) {
          const int sent = avcodec_send_packet(dec, packet);
          if (sent == AVERROR(ENOMEM)) out_of_memory(dec);
          if (sent >= 0) receive(dec, on_video, on_audio);
          else ++decode_errors;  // a damaged packet: skipped
        }
        av_packet_unref(packet);
        return true;
      }
      if (err != AVERROR_EOF) {
        read_error = true;
        read_error_text = av_error_text(err);
      }
      demux_ended = true;
    }
    for (AVCodecContext* dec : {vdec, adec}) {
      if (!dec) continue;
      avcodec_send_packet(dec, nullptr);
      receive(dec, on_video, on_audio);
    }
    drain_resampler(on_audio);
    flushed = true;
    check_complete();
    return false;
  }

  // Where the decoded media ends, in seconds on the clip's timeline.
  double decoded_end() const {
    const double video = last_video_time < 0 ? 0 : last_video_time + last_video_duration;
    return std::max(video, static_cast<double>(audio_written) / opt.sample_rate);
  }

  void check_complete() {
    // A container may declare any duration (1e8 s for a 6 s clip): once the clip has been read,
    // the declared figure is kept only as far as the decoded streams confirm it, so nothing sized
    // from info().duration can outgrow what was decoded.
    info.duration = std::min(info.duration, decoded_end() + kDurationSlackSeconds);
    if (opt.decode_video && decoded_video_frames == 0)
      fail(ErrorCode::kUnreadable, "its video stream could not be decoded (no frame)" +
                                       (read_error ? " (" + read_error_text + ")" : std::string()));
    // Truncated: the container promises more video than the stream delivered.
    if (opt.decode_video) {
      AVStream* vs = fmt->streams[video_index];
      double declared = vs->duration != AV_NOPTS_VALUE ? seconds(vs->duration, vs->time_base) : 0;
      const double got = last_video_time + last_video_duration - std::max(0.0, seconds(vs->start_time, vs->time_base) - origin);
      if (declared > 0 && got < declared - 0.5) {
        char msg[160];
        std::snprintf(msg, sizeof(msg), "is truncated: decoded %.2f s of the %.2f s of video the container declares",
                      got, declared);
        fail(ErrorCode::kUnreadable, msg);
      }
    }
  }
};

MediaDecoder::MediaDecoder(const MediaSource& source, const Options& options) : impl_(new Impl) {
  impl_->source = source;
  impl_->opt = options;
  av_log_set_level(AV_LOG_QUIET);
  impl_->open();
}
MediaDecoder::~MediaDecoder() = default;
const MediaInfo& MediaDecoder::info() const { return impl_->info; }
bool MediaDecoder::step(const VideoFn& on_video, const AudioFn& on_audio) { return impl_->step(on_video, on_audio); }
double MediaDecoder::video_end() const {
  return impl_->last_video_time < 0 ? 0 : impl_->last_video_time + impl_->last_video_duration;
}
double MediaDecoder::position() const { return impl_->position; }
int MediaDecoder::decode_errors() const { return impl_->decode_errors; }

}  // namespace avlens

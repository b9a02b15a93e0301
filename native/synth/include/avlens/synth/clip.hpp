// One synthetic clip, real or fake. A clip is a pure function of (domain, kind, seed, length):
// the seed fixes the real clip (who speaks, what, in which room and scene, how the head moves),
// and a fake kind changes only what that kind changes, drawing its own choices from a separate
// random stream. So the real clip and every fake of the same seed can be compared directly
// (the tests do: desync audio is the real audio shifted, partial differs only over its span, ...).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "avlens/synth/animation.hpp"
#include "avlens/synth/domain.hpp"
#include "avlens/synth/face_renderer.hpp"
#include "avlens/synth/mp4_writer.hpp"

namespace avlens::synth {

enum class FakeKind { kReal, kAudioSwap, kLipsync, kDesync, kFaceSwap, kPartial };

const char* kind_name(FakeKind k);                 // "real", "audio_swap", ...
FakeKind kind_from_name(const std::string& name);  // throws std::invalid_argument listing the names
const std::vector<FakeKind>& all_kinds();          // real first

struct ClipSpec {
  Domain domain = Domain::kA;
  FakeKind kind = FakeKind::kReal;
  uint64_t seed = 0;
  double seconds = 4.0;
};

// What a fake changed, for the metadata file and the tests. Times in seconds of the clip.
struct Manipulation {
  double begin = 0, end = 0;      // the fake span (the whole clip for whole-clip fakes; 0, 0 for real)
  double audio_shift = 0;         // desync: the audio is late by this much (negative: early)
  std::string partial_part;       // partial: "audio", "video" or "both"
  int other_person = -1;          // the other identity or voice used, index in the domain's pool
  std::string other_sentence;     // the other utterance (audio_swap, lipsync, partial)
};

// Everything about a clip except its pixels and its encoding.
struct ClipPlan {
  ClipSpec spec;
  int frames = 0;
  int fps = 30;
  int samples = 0;               // audio samples at kSampleRate
  DomainSettings settings;
  EncodeSettings encode;
  int person = 0;                // index in domain_people(spec.domain)
  std::string sentence;          // what the person says (what the real clip's audio says)
  double speech_start = 0;       // seconds: when the person starts speaking
  double mouth_lag = 0;          // seconds: how far the mouth trails the speech
  Identity look;
  SceneLook scene;
  std::vector<float> audio;      // what is heard: kSampleRate mono, room and noise included
  FramePose rest_pose;           // where the body is; the head moves around it
  std::vector<FramePose> poses;  // per frame
  std::vector<Expression> faces; // per frame (mouth, blinks, brows, gaze)
  std::vector<uint8_t> swapped;  // per frame: 1 where another identity's face is pasted
  std::vector<SwappedFace> swap; // per frame (meaningful where swapped)
  Manipulation manipulation;
};

// Plans the clip: draws every choice and synthesises its audio (runs espeak-ng). Throws
// std::invalid_argument for a bad spec, std::runtime_error when a tool fails.
ClipPlan plan_clip(const ClipSpec& spec);

// Renders frame k of a planned clip (RGB24, settings.width x settings.height).
void render_frame(const ClipPlan& plan, const FaceRenderer& renderer, int k, std::vector<uint8_t>& rgb);
FaceRenderer make_renderer(const ClipPlan& plan);

// Renders and encodes the clip to `path` (MP4).
void write_clip(const ClipPlan& plan, const std::string& path);

}  // namespace avlens::synth

#include "avlens/synth/clip.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "avlens/synth/speech.hpp"

namespace avlens::synth {
namespace {

// Seconds of timeline synthesised before and after the clip, so that a desynchronised clip hears
// the real continuation of its own soundtrack rather than silence.
constexpr double kMargin = 1.0;
constexpr double kMaxShift = 1.0;  // desync shifts are within the margin

struct Utterance {
  int person = 0;
  std::string sentence;
  double start = 0;          // seconds of clip time
  std::vector<float> placed; // dry speech on the extended timeline
};

size_t margin_samples() { return static_cast<size_t>(kMargin * kSampleRate); }

Utterance make_utterance(Domain domain, int person, Rng& rng, double seconds, double start, size_t timeline) {
  Utterance u;
  u.person = person;
  u.start = start;
  // Enough words to speak through the clip and its trailing margin at the slowest rate.
  u.sentence = random_sentence(rng, static_cast<int>(std::ceil((seconds + kMargin) * 2.8)) + 2);
  const std::vector<float> dry = speak(domain_people(domain)[static_cast<size_t>(person)].voice, u.sentence);
  u.placed.assign(timeline, 0.0f);
  const long offset = static_cast<long>(margin_samples()) + std::lround(start * kSampleRate);
  for (size_t i = 0; i < dry.size(); ++i) {
    const long at = offset + static_cast<long>(i);
    if (at >= 0 && at < static_cast<long>(timeline)) u.placed[static_cast<size_t>(at)] = dry[i];
  }
  return u;
}

// Another person of the pool whose voice differs from `person`'s.
int other_person(Domain domain, int person, Rng& rng) {
  const auto& people = domain_people(domain);
  const Voice& own = people[static_cast<size_t>(person)].voice;
  for (int attempt = 0; attempt < 1000; ++attempt) {
    const int k = rng.integer(0, static_cast<int>(people.size()) - 1);
    const Voice& v = people[static_cast<size_t>(k)].voice;
    if (k != person && (v.variant != own.variant || std::abs(v.pitch - own.pitch) >= 10)) return k;
  }
  throw std::runtime_error("no other voice in the domain's pool");
}

// Speech in the clip's room plus its background, on the extended timeline.
std::vector<float> heard(const Utterance& u, const Room& room, const std::vector<float>& background) {
  const float gain = speech_gain_for(u.placed, room);
  std::vector<float> out = apply_room_to_speech(u.placed, room, gain);
  for (size_t i = 0; i < out.size(); ++i) out[i] += background[i];
  return out;
}

// The clip's samples of an extended-timeline track, late by `shift` seconds.
std::vector<float> clip_audio(const std::vector<float>& track, int samples, double shift) {
  std::vector<float> out(static_cast<size_t>(samples));
  const long first = static_cast<long>(margin_samples()) - std::lround(shift * kSampleRate);
  for (int n = 0; n < samples; ++n) out[static_cast<size_t>(n)] = track[static_cast<size_t>(first + n)];
  return out;
}

bool in_span(int frame, int fps, double begin, double end) {
  const double t = static_cast<double>(frame) / fps;
  return t >= begin && t < end;
}

}  // namespace

const char* kind_name(FakeKind k) {
  switch (k) {
    case FakeKind::kReal: return "real";
    case FakeKind::kAudioSwap: return "audio_swap";
    case FakeKind::kLipsync: return "lipsync";
    case FakeKind::kDesync: return "desync";
    case FakeKind::kFaceSwap: return "face_swap";
    case FakeKind::kPartial: return "partial";
  }
  return "?";
}

const std::vector<FakeKind>& all_kinds() {
  static const std::vector<FakeKind> k = {FakeKind::kReal,    FakeKind::kAudioSwap, FakeKind::kLipsync,
                                          FakeKind::kDesync,  FakeKind::kFaceSwap,  FakeKind::kPartial};
  return k;
}

FakeKind kind_from_name(const std::string& name) {
  std::string names;
  for (FakeKind k : all_kinds()) {
    if (name == kind_name(k)) return k;
    names += std::string(names.empty() ? "" : ", ") + kind_name(k);
  }
  throw std::invalid_argument("unknown clip kind '" + name + "' (expected one of: " + names + ")");
}

ClipPlan plan_clip(const ClipSpec& spec) {
  if (!(spec.seconds >= 1.0 && spec.seconds <= 60.0))
    throw std::invalid_argument("clip length must be within 1..60 s, got " + std::to_string(spec.seconds));
  ClipPlan plan;
  plan.spec = spec;
  plan.settings = domain_settings(spec.domain);
  plan.frames = static_cast<int>(std::lround(spec.seconds * plan.fps));
  plan.samples = static_cast<int>(std::lround(spec.seconds * kSampleRate));
  const uint64_t seed = spec.seed;
  const auto& people = domain_people(spec.domain);
  const double seconds = spec.seconds;
  const size_t timeline = static_cast<size_t>(plan.samples) + 2 * margin_samples();

  // --- The real clip -------------------------------------------------------------------------
  Rng who(derive_seed(seed, "person"));
  plan.person = who.integer(0, static_cast<int>(people.size()) - 1);
  plan.look = people[static_cast<size_t>(plan.person)].look;

  Rng timing(derive_seed(seed, "timing"));
  plan.speech_start = timing.uniform(0.1, 0.6);
  plan.mouth_lag = timing.uniform(-0.02, 0.06);

  Rng words(derive_seed(seed, "sentence"));
  const Utterance own = make_utterance(spec.domain, plan.person, words, seconds, plan.speech_start, timeline);
  plan.sentence = own.sentence;

  Rng room_rng(derive_seed(seed, "room"));
  const Room room = sample_room(spec.domain, room_rng);
  const std::vector<float> background = room_background(room, timeline, derive_seed(seed, "room-noise"));
  const std::vector<float> own_heard = heard(own, room, background);

  Rng scene_rng(derive_seed(seed, "scene"));
  plan.scene = sample_scene(spec.domain, scene_rng);
  Rng camera(derive_seed(seed, "camera"));
  plan.scene.noise_sigma = camera.uniformf(plan.settings.noise_min, plan.settings.noise_max);
  {
    // Auto exposure: the camera brightens the frame until the face is mid-grey or a little above,
    // as webcams and phones do (a deep skin tone in dim light otherwise loses its features).
    const Rgb& skin = plan.look.head.skin;
    const float face = (0.3f * skin.r + 0.59f * skin.g + 0.11f * skin.b) * (plan.scene.ambient + 0.6f * plan.scene.key);
    plan.scene.exposure = std::max(1.0f, std::min(1.8f, 0.5f / face));
  }
  plan.encode.width = plan.settings.width;
  plan.encode.height = plan.settings.height;
  plan.encode.fps = plan.fps;
  plan.encode.sample_rate = kSampleRate;
  plan.encode.crf = camera.integer(plan.settings.crf_min, plan.settings.crf_max);
  plan.encode.preset = plan.settings.preset;
  plan.encode.profile = plan.settings.profile;
  plan.encode.gop = plan.settings.gop;
  plan.encode.audio_bitrate_k = plan.settings.audio_bitrate_k;

  const long t0 = static_cast<long>(margin_samples());
  const std::vector<MouthShape> own_mouth = mouth_from_speech(own.placed, t0, plan.frames, plan.fps, plan.mouth_lag);

  Rng motion(derive_seed(seed, "motion"));
  FramePose rest;
  const float W = static_cast<float>(plan.settings.width), H = static_cast<float>(plan.settings.height);
  rest.scale = motion.uniformf(plan.settings.scale_min, plan.settings.scale_max) * H;
  rest.cx = W * motion.uniformf(0.42f, 0.58f);
  rest.cy = H * (W > H ? motion.uniformf(0.40f, 0.47f) : motion.uniformf(0.36f, 0.42f));
  MotionRange range;
  if (spec.domain == Domain::kB) {
    range.yaw = 0.14f;
    range.pitch = 0.07f;
    range.roll = 0.06f;
    range.shift = 0.25f;
  }
  plan.rest_pose = rest;
  plan.poses = head_motion(rest, range, plan.frames, plan.fps, own_mouth, motion);
  Rng face_rng(derive_seed(seed, "expression"));
  plan.faces = expressions(own_mouth, plan.frames, plan.fps, face_rng);
  plan.swapped.assign(static_cast<size_t>(plan.frames), 0);
  plan.swap.assign(static_cast<size_t>(plan.frames), SwappedFace{});
  plan.audio = clip_audio(own_heard, plan.samples, 0.0);

  // --- The fake ------------------------------------------------------------------------------
  Rng fake(derive_seed(seed, std::string("fake:") + kind_name(spec.kind)));
  Manipulation& m = plan.manipulation;
  auto set_mouth = [&](const std::vector<MouthShape>& mouth, double begin, double end) {
    for (int k = 0; k < plan.frames; ++k)
      if (in_span(k, plan.fps, begin, end)) {
        plan.faces[static_cast<size_t>(k)].mouth_open = mouth[static_cast<size_t>(k)].open;
        plan.faces[static_cast<size_t>(k)].mouth_round = mouth[static_cast<size_t>(k)].round;
      }
  };
  auto paste_face = [&](int person, double begin, double end) {
    // A face swap is never perfectly registered: the pasted face drifts a little on the head.
    SwappedFace s;
    s.face = people[static_cast<size_t>(person)].look.face;
    s.scale = fake.uniformf(0.96f, 1.04f);
    s.mask_softness = fake.uniformf(0.04f, 0.12f);
    const float drift = fake.uniformf(0.006f, 0.02f);
    const double fu = fake.uniform(1.0, 4.0), fv = fake.uniform(1.0, 4.0), pu = fake.uniform(0, 6.28), pv = fake.uniform(0, 6.28);
    for (int k = 0; k < plan.frames; ++k) {
      if (!in_span(k, plan.fps, begin, end)) continue;
      const double t = static_cast<double>(k) / plan.fps;
      s.offset_u = drift * static_cast<float>(std::sin(6.283185307179586 * fu * t + pu));
      s.offset_v = drift * static_cast<float>(std::sin(6.283185307179586 * fv * t + pv));
      plan.swapped[static_cast<size_t>(k)] = 1;
      plan.swap[static_cast<size_t>(k)] = s;
    }
  };

  switch (spec.kind) {
    case FakeKind::kReal:
      break;
    case FakeKind::kAudioSwap: {
      m.other_person = other_person(spec.domain, plan.person, fake);
      const Utterance other =
          make_utterance(spec.domain, m.other_person, fake, seconds, fake.uniform(0.1, 0.6), timeline);
      m.other_sentence = other.sentence;
      plan.audio = clip_audio(heard(other, room, background), plan.samples, 0.0);
      m.begin = 0;
      m.end = seconds;
      break;
    }
    case FakeKind::kLipsync: {
      // The mouth says another sentence (in the same voice, or another one), whole clip or a part.
      m.other_person = fake.chance(0.5) ? plan.person : other_person(spec.domain, plan.person, fake);
      const Utterance driver =
          make_utterance(spec.domain, m.other_person, fake, seconds, fake.uniform(0.1, 0.6), timeline);
      m.other_sentence = driver.sentence;
      const auto mouth = mouth_from_speech(driver.placed, t0, plan.frames, plan.fps, plan.mouth_lag);
      if (seconds < 3.0 || fake.chance(0.5)) {
        m.begin = 0;
        m.end = seconds;
      } else {
        const double len = fake.uniform(1.5, seconds - 1.0);
        m.begin = fake.uniform(0.0, seconds - len);
        m.end = m.begin + len;
      }
      set_mouth(mouth, m.begin, m.end);
      break;
    }
    case FakeKind::kDesync: {
      m.audio_shift = fake.uniform(0.1, kMaxShift) * (fake.chance(0.5) ? 1 : -1);
      plan.audio = clip_audio(own_heard, plan.samples, m.audio_shift);
      m.begin = 0;
      m.end = seconds;
      break;
    }
    case FakeKind::kFaceSwap: {
      m.other_person = other_person(spec.domain, plan.person, fake);
      m.begin = 0;
      m.end = seconds;
      paste_face(m.other_person, m.begin, m.end);
      break;
    }
    case FakeKind::kPartial: {
      // A short span of the audio, the video or both comes from another person saying another
      // sentence (both: a consistent audio-visual span of someone else, as in pasted footage).
      const double len = fake.uniform(0.3, std::min(1.5, seconds * 0.4));
      m.begin = fake.uniform(0.2, seconds - len - 0.2);
      m.end = m.begin + len;
      static const char* parts[] = {"audio", "video", "both"};
      m.partial_part = parts[fake.integer(0, 2)];
      m.other_person = other_person(spec.domain, plan.person, fake);
      // The other person is mid-sentence during the span.
      const double start = std::max(-kMargin, m.begin - fake.uniform(0.1, 0.8));
      const Utterance other = make_utterance(spec.domain, m.other_person, fake, seconds, start, timeline);
      m.other_sentence = other.sentence;
      if (m.partial_part != "video") {
        const std::vector<float> replaced = clip_audio(heard(other, room, background), plan.samples, 0.0);
        const long a = std::lround(m.begin * kSampleRate), b = std::lround(m.end * kSampleRate);
        const long fade = kSampleRate / 200;  // 5 ms cross-fades at the splice points
        for (long n = std::max(0L, a - fade); n < std::min<long>(plan.samples, b + fade); ++n) {
          float w = 1.0f;
          if (n < a) w = 1.0f - static_cast<float>(a - n) / fade;
          if (n >= b) w = 1.0f - static_cast<float>(n - b + 1) / fade;
          auto& out = plan.audio[static_cast<size_t>(n)];
          out = out * (1 - w) + replaced[static_cast<size_t>(n)] * w;
        }
      }
      if (m.partial_part != "audio") {
        set_mouth(mouth_from_speech(other.placed, t0, plan.frames, plan.fps, plan.mouth_lag), m.begin, m.end);
        paste_face(m.other_person, m.begin, m.end);
      }
      break;
    }
  }
  // Keep the samples in range (the encoder clips otherwise, differently per codec).
  for (auto& v : plan.audio) v = std::max(-1.0f, std::min(1.0f, v));
  return plan;
}

FaceRenderer make_renderer(const ClipPlan& plan) {
  return FaceRenderer(plan.settings.width, plan.settings.height, plan.settings.style, plan.scene, plan.look.head,
                      plan.rest_pose);
}

void render_frame(const ClipPlan& plan, const FaceRenderer& renderer, int k, std::vector<uint8_t>& rgb) {
  if (k < 0 || k >= plan.frames) throw std::out_of_range("frame index out of range");
  const size_t i = static_cast<size_t>(k);
  renderer.render(plan.look, plan.poses[i], plan.faces[i], plan.swapped[i] ? &plan.swap[i] : nullptr,
                  static_cast<uint32_t>(k), rgb);
}

void write_clip(const ClipPlan& plan, const std::string& path) {
  const FaceRenderer renderer = make_renderer(plan);
  Mp4Writer writer(path, plan.encode, plan.audio);
  std::vector<uint8_t> rgb;
  for (int k = 0; k < plan.frames; ++k) {
    render_frame(plan, renderer, k, rgb);
    writer.add_frame(rgb);
  }
  writer.finish();
}

}  // namespace avlens::synth

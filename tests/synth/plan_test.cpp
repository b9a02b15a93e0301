// The kinds of synthetic clips are what they say, checked on the planned signals (before any
// rendering or encoding): the same seed gives a real clip and fakes that differ from it in exactly
// the way their kind promises.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "avlens/synth/clip.hpp"
#include "avlens/synth/dataset.hpp"
#include "avlens/synth/speech.hpp"

using namespace avlens::synth;

namespace {

ClipPlan plan(FakeKind kind, uint64_t seed, Domain d = Domain::kA, double seconds = 4.0) {
  ClipSpec s;
  s.domain = d;
  s.kind = kind;
  s.seed = seed;
  s.seconds = seconds;
  return plan_clip(s);
}

bool same_mouth(const Expression& a, const Expression& b) {
  return a.mouth_open == b.mouth_open && a.mouth_round == b.mouth_round;
}

// Pearson correlation of two equally long series.
double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const double ma = std::accumulate(a.begin(), a.end(), 0.0) / a.size();
  const double mb = std::accumulate(b.begin(), b.end(), 0.0) / b.size();
  double sab = 0, saa = 0, sbb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb + 1e-30);
}

// Per-frame loudness (dB) of a 48 kHz track at 30 fps.
std::vector<double> frame_levels(const std::vector<float>& audio, int frames) {
  std::vector<double> out;
  for (int k = 0; k < frames; ++k) out.push_back(rms_db(audio, static_cast<size_t>(k) * 1600, static_cast<size_t>(k + 1) * 1600));
  return out;
}

std::vector<double> mouth_series(const ClipPlan& p) {
  std::vector<double> out;
  for (const auto& e : p.faces) out.push_back(e.mouth_open);
  return out;
}

}  // namespace

TEST(SynthPlan, SameSeedSamePlan) {
  const ClipPlan a = plan(FakeKind::kPartial, 11), b = plan(FakeKind::kPartial, 11);
  EXPECT_EQ(a.audio, b.audio);
  EXPECT_EQ(a.sentence, b.sentence);
  ASSERT_EQ(a.frames, b.frames);
  for (int k = 0; k < a.frames; ++k) {
    EXPECT_EQ(a.poses[k].cx, b.poses[k].cx);
    EXPECT_TRUE(same_mouth(a.faces[k], b.faces[k]));
  }
  const ClipPlan c = plan(FakeKind::kPartial, 12);
  EXPECT_NE(a.audio, c.audio);
}

TEST(SynthPlan, RealClipShape) {
  const ClipPlan p = plan(FakeKind::kReal, 3, Domain::kB, 2.5);
  EXPECT_EQ(p.frames, 75);
  EXPECT_EQ(p.samples, 120000);
  EXPECT_EQ(p.audio.size(), 120000u);
  EXPECT_EQ(p.manipulation.begin, 0);
  EXPECT_EQ(p.manipulation.end, 0);
  EXPECT_EQ(std::count(p.swapped.begin(), p.swapped.end(), 1), 0);
  // Conversational loudness: speech around -26..-16 dBFS, room noise far below it.
  const double level = rms_db(p.audio, 0, p.audio.size());
  EXPECT_GT(level, -34.0);
  EXPECT_LT(level, -14.0);
  const double silence = rms_db(p.audio, 0, static_cast<size_t>(p.speech_start * kSampleRate) - 2400);
  EXPECT_LT(silence, level - 15.0);
}

TEST(SynthPlan, RealMouthFollowsItsOwnAudio) {
  for (uint64_t seed : {21, 22, 23}) {
    const ClipPlan p = plan(FakeKind::kReal, seed);
    EXPECT_GT(correlation(mouth_series(p), frame_levels(p.audio, p.frames)), 0.5) << "seed " << seed;
  }
}

TEST(SynthPlan, DesyncIsTheRealAudioShifted) {
  for (uint64_t seed : {31, 32, 33, 34}) {
    const ClipPlan real = plan(FakeKind::kReal, seed), fake = plan(FakeKind::kDesync, seed);
    const double shift = fake.manipulation.audio_shift;
    EXPECT_GE(std::fabs(shift), 0.1);
    EXPECT_LE(std::fabs(shift), 1.0);
    const long d = std::lround(shift * kSampleRate);
    size_t compared = 0;
    for (long n = 0; n < fake.samples; ++n) {
      const long m = n - d;  // late by `shift`: fake(t) = real(t - shift)
      if (m < 0 || m >= real.samples) continue;
      ASSERT_EQ(fake.audio[n], real.audio[m]) << "seed " << seed << " sample " << n;
      ++compared;
    }
    EXPECT_GT(compared, static_cast<size_t>(real.samples) / 2);
    EXPECT_NE(fake.audio, real.audio);
    for (int k = 0; k < real.frames; ++k) ASSERT_TRUE(same_mouth(fake.faces[k], real.faces[k]));
  }
}

TEST(SynthPlan, AudioSwapHearsAnotherVoiceWhileTheFaceStaysReal) {
  for (uint64_t seed : {41, 42, 43}) {
    const ClipPlan real = plan(FakeKind::kReal, seed), fake = plan(FakeKind::kAudioSwap, seed);
    const auto& people = domain_people(Domain::kA);
    const Voice& own = people[real.person].voice;
    const Voice& other = people[fake.manipulation.other_person].voice;
    EXPECT_NE(fake.manipulation.other_person, real.person);
    EXPECT_TRUE(other.variant != own.variant || std::abs(other.pitch - own.pitch) >= 10);
    EXPECT_NE(fake.manipulation.other_sentence, real.sentence);
    // Another utterance: its loudness contour does not follow the real one.
    EXPECT_LT(correlation(frame_levels(fake.audio, real.frames), frame_levels(real.audio, real.frames)), 0.6);
    for (int k = 0; k < real.frames; ++k) ASSERT_TRUE(same_mouth(fake.faces[k], real.faces[k]));
    EXPECT_EQ(std::count(fake.swapped.begin(), fake.swapped.end(), 1), 0);
  }
}

TEST(SynthPlan, LipsyncMovesTheMouthToAnotherUtteranceOverItsSpan) {
  int whole = 0, part = 0;
  for (uint64_t seed = 50; seed < 60; ++seed) {
    const ClipPlan real = plan(FakeKind::kReal, seed), fake = plan(FakeKind::kLipsync, seed);
    const Manipulation& m = fake.manipulation;
    EXPECT_EQ(fake.audio, real.audio);  // what is heard is the real audio
    EXPECT_GE(m.end - m.begin, 1.5 - 1e-9);
    (m.begin == 0 && m.end == 4.0 ? whole : part)++;
    int changed = 0;
    for (int k = 0; k < real.frames; ++k) {
      const double t = k / 30.0;
      if (t < m.begin || t >= m.end)
        ASSERT_TRUE(same_mouth(fake.faces[k], real.faces[k])) << "seed " << seed << " frame " << k;
      else
        changed += !same_mouth(fake.faces[k], real.faces[k]);
      EXPECT_EQ(fake.faces[k].blink, real.faces[k].blink);
    }
    EXPECT_GT(changed, 20) << "seed " << seed;
  }
  EXPECT_GT(whole, 0);
  EXPECT_GT(part, 0);
}

TEST(SynthPlan, FaceSwapPastesAnotherFaceOnEveryFrame) {
  const ClipPlan real = plan(FakeKind::kReal, 61), fake = plan(FakeKind::kFaceSwap, 61);
  EXPECT_EQ(fake.audio, real.audio);
  EXPECT_NE(fake.manipulation.other_person, real.person);
  const FaceLook& pasted = domain_people(Domain::kA)[fake.manipulation.other_person].look.face;
  for (int k = 0; k < real.frames; ++k) {
    ASSERT_EQ(fake.swapped[k], 1);
    EXPECT_EQ(fake.swap[k].face.eye_spacing, pasted.eye_spacing);
    ASSERT_TRUE(same_mouth(fake.faces[k], real.faces[k]));  // the mouth still follows the audio
  }
}

TEST(SynthPlan, PartialChangesOnlyAShortSpan) {
  std::map<std::string, int> parts;
  for (uint64_t seed = 70; seed < 85; ++seed) {
    const ClipPlan real = plan(FakeKind::kReal, seed), fake = plan(FakeKind::kPartial, seed);
    const Manipulation& m = fake.manipulation;
    parts[m.partial_part]++;
    EXPECT_GE(m.end - m.begin, 0.3 - 1e-9);
    EXPECT_LE(m.end - m.begin, 1.5 + 1e-9);
    EXPECT_GE(m.begin, 0.0);
    EXPECT_LE(m.end, 4.0);
    const bool audio = m.partial_part != "video", video = m.partial_part != "audio";
    // Audio: equal outside the span and its 5 ms splice fades; different inside when replaced.
    const long a = std::lround(m.begin * kSampleRate) - 240, b = std::lround(m.end * kSampleRate) + 240;
    size_t inside_diff = 0;
    for (long n = 0; n < real.samples; ++n) {
      if (n < a || n >= b)
        ASSERT_EQ(fake.audio[n], real.audio[n]) << "seed " << seed << " sample " << n;
      else
        inside_diff += fake.audio[n] != real.audio[n];
    }
    if (audio)
      EXPECT_GT(inside_diff, static_cast<size_t>((b - a) * 0.9)) << "seed " << seed;
    else
      EXPECT_EQ(inside_diff, 0u);
    // Video: frames outside the span are the real ones; inside, another face mouths another text.
    for (int k = 0; k < real.frames; ++k) {
      const double t = k / 30.0;
      const bool in = t >= m.begin && t < m.end;
      EXPECT_EQ(fake.swapped[k], in && video ? 1 : 0) << "seed " << seed << " frame " << k;
      if (!in || !video) {
        ASSERT_TRUE(same_mouth(fake.faces[k], real.faces[k]));
      }
      EXPECT_EQ(fake.poses[k].cx, real.poses[k].cx);
    }
  }
  EXPECT_GT(parts["audio"], 0);
  EXPECT_GT(parts["video"], 0);
  EXPECT_GT(parts["both"], 0);
}

TEST(SynthPlan, DomainsDiffer) {
  const ClipPlan a = plan(FakeKind::kReal, 5, Domain::kA), b = plan(FakeKind::kReal, 5, Domain::kB);
  EXPECT_NE(a.settings.width, b.settings.width);
  EXPECT_NE(a.settings.style.shade_levels, b.settings.style.shade_levels);
  EXPECT_NE(a.encode.profile, b.encode.profile);
  // No voice variant and no accent is shared between the domains' pools.
  for (const Person& pa : domain_people(Domain::kA))
    for (const Person& pb : domain_people(Domain::kB)) {
      ASSERT_NE(pa.voice.variant, pb.voice.variant);
      ASSERT_NE(pa.voice.language, pb.voice.language);
    }
}

TEST(SynthPlan, BadSpecsAreRefused) {
  EXPECT_THROW(plan(FakeKind::kReal, 1, Domain::kA, 0.5), std::invalid_argument);
  EXPECT_THROW(plan(FakeKind::kReal, 1, Domain::kA, 120), std::invalid_argument);
  EXPECT_THROW(kind_from_name("deepfake"), std::invalid_argument);
  EXPECT_THROW(domain_from_name("C"), std::invalid_argument);
}

TEST(SynthDataset, KindMixGivesExactCountsInASeededOrder) {
  const KindMix mix = KindMix::parse("real=2,desync=1,partial=1");
  const auto kinds = mix.assign(10, 7);
  ASSERT_EQ(kinds.size(), 10u);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), FakeKind::kReal), 5);
  const int desync = static_cast<int>(std::count(kinds.begin(), kinds.end(), FakeKind::kDesync));
  const int partial = static_cast<int>(std::count(kinds.begin(), kinds.end(), FakeKind::kPartial));
  EXPECT_EQ(desync + partial, 5);
  EXPECT_LE(std::abs(desync - partial), 1);
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), FakeKind::kLipsync), 0);
  EXPECT_EQ(kinds, mix.assign(10, 7));
  EXPECT_NE(kinds, mix.assign(10, 8));
  const auto balanced = KindMix::balanced().assign(1000, 1);
  EXPECT_EQ(std::count(balanced.begin(), balanced.end(), FakeKind::kReal), 500);
  EXPECT_EQ(std::count(balanced.begin(), balanced.end(), FakeKind::kFaceSwap), 100);
}

TEST(SynthDataset, BadMixesAreRefused) {
  EXPECT_THROW(KindMix::parse("real"), std::invalid_argument);
  EXPECT_THROW(KindMix::parse("real=x"), std::invalid_argument);
  EXPECT_THROW(KindMix::parse("real=-1"), std::invalid_argument);
  EXPECT_THROW(KindMix::parse("real=0"), std::invalid_argument);
  EXPECT_THROW(KindMix::parse("fake=1"), std::invalid_argument);
}

TEST(SynthDataset, ItemsAreSeededAndCarryNoLabelInTheirNames) {
  DatasetOptions o;
  o.count = 12;
  o.seed = 99;
  o.domain = Domain::kB;
  const auto items = dataset_items(o);
  ASSERT_EQ(items.size(), 12u);
  for (size_t i = 0; i < items.size(); ++i) {
    EXPECT_EQ(items[i].spec.seed, clip_seed(99, Domain::kB, static_cast<int>(i)));
    EXPECT_EQ(items[i].path.find(kind_name(items[i].spec.kind)), std::string::npos);
    EXPECT_EQ(items[i].path.rfind("videos/B_", 0), 0u);
  }
  EXPECT_NE(clip_seed(99, Domain::kA, 0), clip_seed(99, Domain::kB, 0));
}

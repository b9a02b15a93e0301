// The rendered faces are found by the same detector, at the same settings, as the native core
// uses (dlib frontal HOG, longer side <= 640 px, no upsampling), in clips of every kind and both
// domains, while the mouth moves; and rendering is deterministic.
#include <gtest/gtest.h>

#include "avlens/synth/clip.hpp"
#include "avlens/synth/face_check.hpp"

using namespace avlens::synth;

namespace {

ClipPlan plan(FakeKind kind, uint64_t seed, Domain d) {
  ClipSpec s;
  s.domain = d;
  s.kind = kind;
  s.seed = seed;
  s.seconds = 2.0;
  return plan_clip(s);
}

}  // namespace

TEST(SynthRender, DlibFindsTheFaceInClipsOfEveryKindAndDomain) {
  int checked = 0, found = 0;
  for (Domain d : {Domain::kA, Domain::kB}) {
    uint64_t seed = 100;
    for (FakeKind kind : all_kinds()) {
      for (int rep = 0; rep < 1; ++rep, ++seed) {
        const ClipPlan p = plan(kind, seed, d);
        const FaceRenderer r = make_renderer(p);
        std::vector<uint8_t> rgb;
        int clip_found = 0, clip_checked = 0;
        for (int k = 0; k < p.frames; k += 5) {  // the core detects on every 5th frame
          render_frame(p, r, k, rgb);
          ++clip_checked;
          clip_found += detect_face(rgb.data(), p.settings.width, p.settings.height);
        }
        // The core holds a box across up to 1 s without detection; require far more than that.
        EXPECT_GE(clip_found, clip_checked - 1) << domain_name(d) << " " << kind_name(kind) << " seed " << seed;
        checked += clip_checked;
        found += clip_found;
      }
    }
  }
  EXPECT_GE(static_cast<double>(found) / checked, 0.97) << found << " / " << checked;
}

TEST(SynthRender, MouthOpeningChangesTheMouthRegionOnly) {
  const ClipPlan p = plan(FakeKind::kReal, 7, Domain::kA);
  const FaceRenderer r = make_renderer(p);
  Expression closed = p.faces[0], open = p.faces[0];
  closed.mouth_open = 0;
  open.mouth_open = 1;
  closed.blink = open.blink = 0;
  std::vector<uint8_t> a, b;
  r.render(p.look, p.poses[0], closed, nullptr, 0, a);
  r.render(p.look, p.poses[0], open, nullptr, 0, b);
  // Differences lie below the eyes (mouth and dropped jaw).
  const int w = p.settings.width;
  const float eye_y = p.poses[0].cy - p.look.face.eye_v * p.look.head.aspect * p.poses[0].scale;
  size_t diff = 0, above = 0;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) {
      ++diff;
      above += static_cast<float>(i / 3 / w) < eye_y;
    }
  EXPECT_GT(diff, 300u);
  EXPECT_EQ(above, 0u);
  EXPECT_TRUE(detect_face(b.data(), w, p.settings.height));
}

TEST(SynthRender, SameFrameSameBytes) {
  const ClipPlan p = plan(FakeKind::kFaceSwap, 8, Domain::kB);
  std::vector<uint8_t> a, b;
  render_frame(p, make_renderer(p), 17, a);
  render_frame(p, make_renderer(p), 17, b);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a.size(), static_cast<size_t>(p.settings.width) * p.settings.height * 3);
}

TEST(SynthRender, PartialVideoFramesDifferOnlyInsideTheSpan) {
  // Find a seed whose partial fake replaces video.
  for (uint64_t seed = 200; seed < 260; ++seed) {
    const ClipPlan fake = plan(FakeKind::kPartial, seed, Domain::kA);
    if (fake.manipulation.partial_part == "audio") continue;
    const ClipPlan real = plan(FakeKind::kReal, seed, Domain::kA);
    const FaceRenderer rf = make_renderer(fake), rr = make_renderer(real);
    std::vector<uint8_t> a, b;
    for (int k = 0; k < fake.frames; k += 3) {
      render_frame(fake, rf, k, a);
      render_frame(real, rr, k, b);
      const double t = k / 30.0;
      if (t >= fake.manipulation.begin && t < fake.manipulation.end)
        EXPECT_NE(a, b) << "frame " << k;
      else
        EXPECT_EQ(a, b) << "frame " << k;
    }
    return;
  }
  FAIL() << "no partial clip with a video span in 60 seeds";
}

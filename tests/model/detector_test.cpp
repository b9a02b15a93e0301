// The detector network of docs/METHOD.md §2: shapes per preset, derived audio strides, parameter count,
// variants, and batch-independent scores.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>

#include "avlens/error.hpp"
#include "avlens/model/detector.hpp"

using namespace avlens;
using namespace avlens::model;

namespace {

ModelConfig config_for(const std::string& preset) {
  ModelConfig c;
  c.geometry = WindowGeometry::preset(preset);
  return c;
}

struct Inputs {
  torch::Tensor video, audio;
};

Inputs random_inputs(const ModelConfig& c, int batch, uint64_t seed) {
  torch::manual_seed(seed);
  const auto& g = c.geometry;
  return {torch::rand({batch, 3, g.frames, g.height, g.width}) * 2 - 1, torch::rand({batch, g.samples()}) * 2 - 1};
}

}  // namespace

TEST(ModelDims, PaperPresetMatchesSpec) {
  ModelDims d = derive_dims(config_for("paper"));
  EXPECT_EQ(d.feature_frames, 15);
  EXPECT_EQ(d.feature_height, 28);
  EXPECT_EQ(d.feature_width, 28);
  EXPECT_EQ(d.audio_after_pool, 1497);
  EXPECT_EQ(d.audio_stride, 99);
  EXPECT_EQ(d.audio_kernel, 111);
  EXPECT_DOUBLE_EQ(d.attention_divisor, 480.0);
  ModelConfig paper_scale = config_for("paper");
  paper_scale.attention_scale = AttentionScale::kPaper;
  EXPECT_DOUBLE_EQ(derive_dims(paper_scale).attention_divisor, 1920.0);
}

TEST(ModelDims, AudioStridesAreDerivedFromTheGeometry) {
  // small: 16000 samples -> (16000-80)/8+1 = 1991 -> pool 497; T' = 8.
  ModelDims small = derive_dims(config_for("small"));
  EXPECT_EQ(small.feature_frames, 8);
  EXPECT_EQ(small.feature_height, 14);
  EXPECT_EQ(small.audio_after_pool, 497);
  EXPECT_EQ(small.audio_stride, 62);
  EXPECT_EQ(small.audio_kernel, 497 - 7 * 62);
  // tiny: 8 frames -> T' = 4, 64 px -> 8 x 8 map.
  ModelDims tiny = derive_dims(config_for("tiny"));
  EXPECT_EQ(tiny.feature_frames, 4);
  EXPECT_EQ(tiny.feature_height, 8);
  EXPECT_EQ(tiny.audio_stride, 124);
  EXPECT_EQ(tiny.audio_kernel, 497 - 3 * 124);
  // Whatever the geometry, the last conv lands exactly on T' steps.
  for (int frames : {6, 10, 24, 30, 60}) {
    ModelConfig c = config_for("tiny");
    c.geometry.frames = frames;
    c.geometry.fps = frames;
    ModelDims d = derive_dims(c);
    EXPECT_EQ((d.audio_after_pool - d.audio_kernel) / d.audio_stride + 1, d.feature_frames) << frames;
  }
}

TEST(Detector, ParameterCountOfThePaperPresetIsAbout3_6M) {
  torch::NoGradGuard no_grad;
  Detector net(config_for("paper"));
  int64_t total = count_parameters(*net);
  int64_t visual = 0, audio = 0;
  for (const auto& item : net->named_parameters()) {
    if (item.key().rfind("visual.", 0) == 0) visual += item.value().numel();
    if (item.key().rfind("audio.", 0) == 0) audio += item.value().numel();
  }
  EXPECT_NEAR(total / 1e6, 3.6, 0.1) << total;
  EXPECT_NEAR(visual / 1e6, 2.0, 0.05) << visual;
  EXPECT_NEAR(audio / 1e6, 1.6, 0.05) << audio;
}

TEST(Detector, OutputShapesForEachPreset) {
  torch::NoGradGuard no_grad;
  for (const char* preset : {"tiny", "small"}) {
    ModelConfig c = config_for(preset);
    Detector net(c);
    net->eval();
    auto in = random_inputs(c, 2, 1);
    auto out = net->forward(in.video, in.audio);
    const ModelDims& d = net->dims();
    EXPECT_EQ(out.logits.sizes(), torch::IntArrayRef({2})) << preset;
    EXPECT_EQ(out.distance.sizes(), torch::IntArrayRef({2, d.map_height, d.map_width})) << preset;
    EXPECT_EQ(out.attention.sizes(), out.distance.sizes()) << preset;
    EXPECT_EQ(out.weighted.sizes(), out.distance.sizes()) << preset;
  }
}

TEST(Detector, PaperPresetFeatureShapes) {
  // One paper-size window through the network (about 63 GMAC; a few seconds on a CPU).
  torch::NoGradGuard no_grad;
  ModelConfig c = config_for("paper");
  Detector net(c);
  net->eval();
  auto in = random_inputs(c, 1, 2);
  auto out = net->forward(in.video, in.audio);
  EXPECT_EQ(out.distance.sizes(), torch::IntArrayRef({1, 28, 28}));
  EXPECT_EQ(out.logits.sizes(), torch::IntArrayRef({1}));
  EXPECT_TRUE(torch::isfinite(out.logits).all().item<bool>());
}

TEST(Detector, AttentionIsASoftmaxOverAllPatches) {
  torch::NoGradGuard no_grad;
  ModelConfig c = config_for("tiny");
  Detector net(c);
  auto in = random_inputs(c, 3, 3);
  auto out = net->forward(in.video, in.audio);
  auto sums = out.attention.flatten(1).sum(1);
  EXPECT_TRUE(torch::allclose(sums, torch::ones({3}), 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(out.weighted, out.distance * out.attention));
  EXPECT_TRUE((out.distance >= 0).all().item<bool>());
}

TEST(Detector, Variants) {
  torch::NoGradGuard no_grad;
  ModelConfig c = config_for("tiny");
  auto in = random_inputs(c, 2, 4);

  ModelConfig plain = c;
  plain.attention = false;
  auto out = Detector(plain)->forward(in.video, in.audio);
  EXPECT_FALSE(out.attention.defined());
  EXPECT_TRUE(torch::equal(out.weighted, out.distance));

  ModelConfig residual = c;
  residual.residual = true;
  out = Detector(residual)->forward(in.video, in.audio);
  EXPECT_TRUE(torch::allclose(out.weighted, out.distance * out.attention + out.distance));

  ModelConfig cosine = c;
  cosine.distance = DistanceKind::kCosine;
  out = Detector(cosine)->forward(in.video, in.audio);
  EXPECT_TRUE((out.distance >= -1e-5).all().item<bool>());
  EXPECT_TRUE((out.distance <= 2 + 1e-5).all().item<bool>());

  for (int s : {1, 2, 4, 8}) {
    ModelConfig pooled = c;
    pooled.map_size = s;
    Detector net(pooled);
    out = net->forward(in.video, in.audio);
    EXPECT_EQ(out.distance.sizes(), torch::IntArrayRef({2, s, s}));
    for (const auto& item : net->named_parameters())
      if (item.key() == "head.weight") {
        EXPECT_EQ(item.value().size(1), s * s);
      }
  }
}

TEST(Detector, BadConfigurationsAndShapesAreNamed) {
  ModelConfig c = config_for("tiny");
  c.map_size = 9;  // the tiny map is 8 x 8
  EXPECT_THROW(c.validate(), Error);
  c = config_for("tiny");
  c.residual = true;
  c.attention = false;
  EXPECT_THROW(c.validate(), Error);

  torch::NoGradGuard no_grad;
  Detector net(config_for("tiny"));
  auto in = random_inputs(config_for("tiny"), 1, 5);
  try {
    net->forward(in.video.slice(2, 0, 4), in.audio);
    FAIL() << "wrong frame count accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("video must be"), std::string::npos);
  }
  EXPECT_THROW(net->forward(in.video, in.audio.slice(1, 0, 100)), Error);
}

TEST(ModelConfig, JsonRoundTrip) {
  ModelConfig c = config_for("small");
  c.attention = true;
  c.residual = true;
  c.map_size = 7;
  c.distance = DistanceKind::kCosine;
  c.attention_scale = AttentionScale::kPaper;
  c.norm = NormKind::kBatch;
  ModelConfig back = ModelConfig::from_json(nlohmann::json::parse(c.to_json().dump()));
  EXPECT_EQ(back.to_json(), c.to_json());
  EXPECT_EQ(back.geometry.frames, 16);
  EXPECT_THROW(ModelConfig::from_json(nlohmann::json{{"architecture", 2}, {"distance", "manhattan"}}), Error);
}

TEST(ModelConfig, WeightsOfAnEarlierArchitectureAreRefusedByName) {
  nlohmann::json old = config_for("tiny").to_json();
  old.erase("architecture");  // what avlens 0.1 wrote
  try {
    ModelConfig::from_json(old);
    FAIL() << "an architecture-1 configuration was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("architecture 1"), std::string::npos) << e.what();
  }
}

// The reference's activations (docs/METHOD.md): layer2 ends with its residual sum, so the visual
// feature Fv has negative values; the audio 192->192 conv has no ReLU after it.
TEST(Extractors, VisualFeatureEndsWithoutAReLU) {
  torch::NoGradGuard no_grad;
  ModelConfig c = config_for("tiny");
  VisualExtractor visual(c);
  auto in = random_inputs(c, 2, 11);
  auto fv = visual->forward(in.video);
  EXPECT_EQ(fv.sizes(), torch::IntArrayRef({2, 128, 4, 8, 8}));
  EXPECT_LT(fv.min().item<float>(), -0.1f);
  EXPECT_GT(fv.max().item<float>(), 0.1f);
}

TEST(Extractors, AudioConv3IsNotFollowedByAReLU) {
  // With norm3's bias far below zero, a ReLU after it would output zeros whatever the audio, and
  // Fa would no longer depend on the input. Without one, different audio gives different Fa.
  torch::NoGradGuard no_grad;
  ModelConfig c = config_for("tiny");
  AudioExtractor audio(c);
  bool found = false;
  for (auto& p : audio->named_parameters())
    if (p.key() == "norm3.group.bias") p.value().fill_(-1000.0), found = true;
  ASSERT_TRUE(found) << "no norm3.group.bias in the audio extractor";
  auto a = random_inputs(c, 1, 12).audio.unsqueeze(1), b = random_inputs(c, 1, 13).audio.unsqueeze(1);
  auto fa = audio->forward(a), fb = audio->forward(b);
  EXPECT_GT((fa - fb).abs().max().item<float>(), 1e-3f);
}

TEST(Extractors, ConvolutionsStartHeNormalAsInTheReference) {
  // kaiming_normal_(fan_out, relu): std = sqrt(2 / (out_channels * kernel volume)).
  ModelConfig c = config_for("tiny");
  Detector net(c);
  std::map<std::string, double> expected = {
      {"visual.stem_conv.weight", std::sqrt(2.0 / (64 * 7 * 7))},
      {"visual.layer1.0.conv1.weight", std::sqrt(2.0 / (64 * 27))},
      {"visual.layer2.0.conv1.weight", std::sqrt(2.0 / (128 * 27))},
      {"audio.conv2.weight", std::sqrt(2.0 / (192 * 3))},
  };
  for (const auto& p : net->named_parameters()) {
    auto it = expected.find(p.key());
    if (it == expected.end()) continue;
    const double sd = p.value().std().item<double>();
    EXPECT_NEAR(sd, it->second, 0.1 * it->second) << p.key();
    EXPECT_NEAR(p.value().mean().item<double>(), 0.0, 0.1 * it->second) << p.key();
    expected.erase(it);
  }
  EXPECT_TRUE(expected.empty()) << expected.size() << " parameters not found, e.g. " << expected.begin()->first;
  for (const auto& p : net->named_parameters())
    if (p.key() == "audio.conv5.bias") {
      EXPECT_EQ(p.value().abs().max().item<float>(), 0.0f);
    }
}

// docs/METHOD.md §2 "a known trap": a window's score must not depend on the other windows of its batch.
class BatchIndependence : public ::testing::TestWithParam<NormKind> {};

TEST_P(BatchIndependence, WindowScoreAloneEqualsScoreInABatchOf8) {
  torch::NoGradGuard no_grad;
  ModelConfig c = config_for("tiny");
  c.norm = GetParam();
  Detector net(c);
  // A few training steps first so that BatchNorm's running statistics are not the identity.
  {
    torch::GradMode::set_enabled(true);
    torch::optim::SGD opt(net->parameters(), 0.01);
    net->train();
    for (int step = 0; step < 2; ++step) {
      auto in = random_inputs(c, 4, 10 + step);
      auto loss = net->forward(in.video, in.audio).logits.pow(2).mean();
      opt.zero_grad();
      loss.backward();
      opt.step();
    }
    torch::GradMode::set_enabled(false);
  }
  net->eval();
  auto batch = random_inputs(c, 8, 7);
  auto together = net->scores(batch.video, batch.audio);
  for (int i = 0; i < 8; ++i) {
    auto alone = net->scores(batch.video.slice(0, i, i + 1), batch.audio.slice(0, i, i + 1));
    EXPECT_NEAR(alone.item<float>(), together[i].item<float>(), 1e-5) << "window " << i;
  }
  // Against other neighbours too: the same window in a batch of different windows.
  auto other = random_inputs(c, 8, 8);
  other.video[3] = batch.video[0];
  other.audio[3] = batch.audio[0];
  EXPECT_NEAR(net->scores(other.video, other.audio)[3].item<float>(), together[0].item<float>(), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Norms, BatchIndependence, ::testing::Values(NormKind::kGroup, NormKind::kBatch));

// `train --resume`, `train --init` and `average` compare saved configs with same_model: a config written
// before a key existed (a geometry's crop) is the default network, any changed option is another one.
TEST(ModelConfig, SameModelReadsOldKeysAsTheirDefaultsAndTellsOptionsApart) {
  ModelConfig c = config_for("tiny");
  const nlohmann::json now = c.to_json();
  nlohmann::json older = now;
  older["geometry"].erase("crop_scale");
  older["geometry"].erase("crop_shift_down");
  ASSERT_NE(older, now);
  EXPECT_TRUE(same_model(older, now));
  EXPECT_TRUE(same_model(now, older));
  ModelConfig other = c;
  other.attention = !c.attention;
  EXPECT_FALSE(same_model(other.to_json(), now));
  ModelConfig mouth = c;
  mouth.geometry = WindowGeometry::preset("mouth");
  EXPECT_FALSE(same_model(mouth.to_json(), now));
  EXPECT_THROW(same_model(nlohmann::json::array(), now), Error);
}

#include "avlens/model/model_config.hpp"

#include <nlohmann/json.hpp>

#include "avlens/error.hpp"

namespace avlens::model {
namespace {

[[noreturn]] void invalid(const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "invalid model configuration: " + what);
}

// Output length of a convolution or pooling window (floor mode).
int conv_out(int in, int kernel, int stride, int pad) { return (in + 2 * pad - kernel) / stride + 1; }

constexpr int kAudioFirstKernel = 80, kAudioFirstStride = 8, kAudioPool = 4;

}  // namespace

ModelDims derive_dims(const ModelConfig& c) {
  c.geometry.validate();
  ModelDims d;
  // Visual: the stem keeps time (kernel 1) and halves space twice (conv, max pool); layer2
  // halves time and space once more.
  d.feature_frames = conv_out(c.geometry.frames, 3, 2, 1);
  auto spatial = [](int x) { return conv_out(conv_out(conv_out(x, 7, 2, 3), 3, 2, 1), 3, 2, 1); };
  d.feature_height = spatial(c.geometry.height);
  d.feature_width = spatial(c.geometry.width);
  d.map_height = c.map_size > 0 ? c.map_size : d.feature_height;
  d.map_width = c.map_size > 0 ? c.map_size : d.feature_width;

  // Audio: the last strided conv must land on exactly T' steps so Fa lines up with Fv in time:
  // stride = floor(L / T'), kernel = L - (T' - 1) * stride (111 and 99 for L = 1497, T' = 15).
  const int samples = c.geometry.samples();
  if (samples < kAudioFirstKernel) invalid("a window needs at least 80 audio samples");
  d.audio_after_pool = conv_out(samples, kAudioFirstKernel, kAudioFirstStride, 0) / kAudioPool;
  if (d.audio_after_pool < d.feature_frames)
    invalid("too few audio samples per window (" + std::to_string(samples) + ") for " +
            std::to_string(d.feature_frames) + " feature frames");
  d.audio_stride = d.audio_after_pool / d.feature_frames;
  d.audio_kernel = d.audio_after_pool - (d.feature_frames - 1) * d.audio_stride;

  const int width = c.attention_scale == AttentionScale::kReference ? ModelDims::kEmbedChannels
                                                                    : ModelDims::kFeatureChannels;
  d.attention_divisor = static_cast<double>(width) * d.feature_frames;
  return d;
}

void ModelConfig::validate() const {
  ModelDims d = derive_dims(*this);
  if (map_size < 0) invalid("map_size must be >= 0, got " + std::to_string(map_size));
  if (map_size > d.feature_height || map_size > d.feature_width)
    invalid("map_size " + std::to_string(map_size) + " is larger than the feature map " +
            std::to_string(d.feature_height) + "x" + std::to_string(d.feature_width));
  if (residual && !attention) invalid("residual needs attention (Mhat = M*A + M)");
  if (norm == NormKind::kGroup) {
    for (int ch : {64, 128, 192}) {
      if (norm_groups <= 0 || ch % norm_groups != 0)
        invalid("norm_groups " + std::to_string(norm_groups) + " must divide the channel counts 64, 128, 192");
    }
  }
}

nlohmann::json ModelConfig::to_json() const {
  nlohmann::json j;
  j["architecture"] = kArchitecture;
  j["geometry"] = geometry.to_metadata();
  j["attention"] = attention;
  j["residual"] = residual;
  j["map_size"] = map_size;
  j["distance"] = distance_kind_name(distance);
  j["attention_scale"] = attention_scale_name(attention_scale);
  j["norm"] = norm_kind_name(norm);
  j["norm_groups"] = norm_groups;
  return j;
}

ModelConfig ModelConfig::from_json(const nlohmann::json& j) {
  if (!j.is_object()) invalid("expected a JSON object");
  ModelConfig c;
  try {
    const int architecture = j.value("architecture", 1);
    if (architecture != kArchitecture)
      invalid("the weights were made for architecture " + std::to_string(architecture) + ", this avlens builds " +
              std::to_string(kArchitecture) +
              (architecture == 1 ? " (version 1 had a ReLU after the visual layer2 and the audio 192->192 conv; "
                                   "retrain or use the avlens that made it)"
                                 : ""));
    if (j.contains("geometry")) {
      std::map<std::string, std::string> meta;
      for (auto& [k, v] : j.at("geometry").items()) meta[k] = v.is_string() ? v.get<std::string>() : v.dump();
      c.geometry = WindowGeometry::from_metadata(meta);
    }
    c.attention = j.value("attention", c.attention);
    c.residual = j.value("residual", c.residual);
    c.map_size = j.value("map_size", c.map_size);
    c.distance = distance_kind_from_name(j.value("distance", std::string(distance_kind_name(c.distance))));
    c.attention_scale =
        attention_scale_from_name(j.value("attention_scale", std::string(attention_scale_name(c.attention_scale))));
    c.norm = norm_kind_from_name(j.value("norm", std::string(norm_kind_name(c.norm))));
    c.norm_groups = j.value("norm_groups", c.norm_groups);
  } catch (const nlohmann::json::exception& e) {
    invalid(std::string("bad JSON value: ") + e.what());
  }
  c.validate();
  return c;
}

const char* distance_kind_name(DistanceKind k) { return k == DistanceKind::kL2 ? "l2" : "cosine"; }
DistanceKind distance_kind_from_name(const std::string& name) {
  if (name == "l2") return DistanceKind::kL2;
  if (name == "cosine") return DistanceKind::kCosine;
  invalid("unknown distance '" + name + "' (l2, cosine)");
}

const char* attention_scale_name(AttentionScale s) {
  return s == AttentionScale::kReference ? "reference" : "paper";
}
AttentionScale attention_scale_from_name(const std::string& name) {
  if (name == "reference" || name == "480") return AttentionScale::kReference;
  if (name == "paper" || name == "1920") return AttentionScale::kPaper;
  invalid("unknown attention_scale '" + name + "' (reference = T'*E, 480 on paper geometry; paper = T'*C', 1920)");
}

const char* norm_kind_name(NormKind k) { return k == NormKind::kGroup ? "group" : "batch"; }
NormKind norm_kind_from_name(const std::string& name) {
  if (name == "group") return NormKind::kGroup;
  if (name == "batch") return NormKind::kBatch;
  invalid("unknown norm '" + name + "' (group, batch)");
}

bool same_model(const nlohmann::json& a, const nlohmann::json& b) {
  return ModelConfig::from_json(a).to_json() == ModelConfig::from_json(b).to_json();
}

}  // namespace avlens::model

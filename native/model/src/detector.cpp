// Distance map, cross-attention and head (docs/METHOD.md §2) on top of the two extractors.
#include "avlens/model/detector.hpp"

#include <sstream>

#include "avlens/error.hpp"

namespace avlens::model {
namespace nn = torch::nn;

namespace {
std::string shape_string(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}
}  // namespace

DetectorImpl::DetectorImpl(const ModelConfig& config) : config_(config) {
  config_.validate();
  dims_ = derive_dims(config_);
  visual_ = register_module("visual", VisualExtractor(config_));
  audio_ = register_module("audio", AudioExtractor(config_));
  if (config_.attention) {
    audio_embed_ = register_module("audio_embed", nn::Conv1d(nn::Conv1dOptions(ModelDims::kFeatureChannels, ModelDims::kEmbedChannels, 1)));
    video_embed_ = register_module("video_embed", nn::Conv3d(nn::Conv3dOptions(ModelDims::kFeatureChannels, ModelDims::kEmbedChannels, 1)));
  }
  head_ = register_module("head", nn::Linear(dims_.map_height * dims_.map_width, 1));
}

torch::Tensor DetectorImpl::distance_map(const torch::Tensor& fa, const torch::Tensor& fv) const {
  // fa (B,C,T'), fv (B,C,T',h,w): compare the whole audio feature with each patch's column.
  auto a = fa.unsqueeze(-1).unsqueeze(-1);
  if (config_.distance == DistanceKind::kL2) {
    // The epsilon keeps the gradient of sqrt finite where a patch equals the audio exactly.
    return ((fv - a).pow(2).sum({1, 2}) + 1e-12).sqrt();
  }
  auto dot = (fv * a).sum({1, 2});
  auto norms = fv.pow(2).sum({1, 2}).sqrt() * a.pow(2).sum({1, 2}).sqrt();
  return 1.0 - dot / (norms + 1e-8);
}

torch::Tensor DetectorImpl::attention_map(const torch::Tensor& fa, const torch::Tensor& fv) {
  auto ea = audio_embed_(fa);   // (B,E,T')
  auto ev = video_embed_(fv);   // (B,E,T',h,w)
  auto logits = (ev * ea.unsqueeze(-1).unsqueeze(-1)).sum({1, 2}) / dims_.attention_divisor;  // (B,h,w)
  auto flat = torch::softmax(logits.flatten(1), 1);
  // Constant map shape (not view_as): the exported graph then needs no Shape op.
  return flat.view({-1, logits.size(1), logits.size(2)});
}

DetectorOutput DetectorImpl::forward(const torch::Tensor& video, const torch::Tensor& audio_in) {
  const auto& g = config_.geometry;
  if (video.dim() != 5 || video.size(1) != 3 || video.size(2) != g.frames || video.size(3) != g.height ||
      video.size(4) != g.width) {
    throw Error(ErrorCode::kInvalidArgument, "detector: video must be (B,3," + std::to_string(g.frames) + "," +
                                                 std::to_string(g.height) + "," + std::to_string(g.width) +
                                                 "), got " + shape_string(video));
  }
  auto audio = audio_in.dim() == 2 ? audio_in.unsqueeze(1) : audio_in;
  if (audio.dim() != 3 || audio.size(1) != 1 || audio.size(2) != g.samples() || audio.size(0) != video.size(0)) {
    throw Error(ErrorCode::kInvalidArgument, "detector: audio must be (B," + std::to_string(g.samples()) +
                                                 ") or (B,1," + std::to_string(g.samples()) + ") with B=" +
                                                 std::to_string(video.size(0)) + ", got " + shape_string(audio_in));
  }

  auto fv = visual_(video);
  if (config_.map_size > 0)
    fv = torch::adaptive_avg_pool3d(fv, {dims_.feature_frames, dims_.map_height, dims_.map_width});
  auto fa = audio_(audio);

  DetectorOutput out;
  out.distance = distance_map(fa, fv);
  if (config_.attention) {
    out.attention = attention_map(fa, fv);
    out.weighted = out.distance * out.attention;
    if (config_.residual) out.weighted = out.weighted + out.distance;
  } else {
    out.weighted = out.distance;
  }
  out.logits = head_(out.weighted.flatten(1)).squeeze(1);
  return out;
}

torch::Tensor DetectorImpl::scores(const torch::Tensor& video, const torch::Tensor& audio) {
  return torch::sigmoid(forward(video, audio).logits);
}

int64_t count_parameters(torch::nn::Module& module) {
  int64_t n = 0;
  for (const auto& p : module.parameters()) n += p.numel();
  return n;
}

}  // namespace avlens::model

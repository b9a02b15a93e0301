// The fine-grained audio-visual detector (docs/METHOD.md §2, paper Fig. 3) as LibTorch modules. This is
// the one definition of the architecture: training, evaluation, scanning and the exporter
// (which traces it with torch::jit from C++) all build it from a ModelConfig.
#pragma once
#include <torch/torch.h>

#include "avlens/model/model_config.hpp"

namespace avlens::model {

// Conv -> norm; the norm is GroupNorm or BatchNorm with running statistics (NormKind).
class ChannelNormImpl : public torch::nn::Module {
 public:
  ChannelNormImpl(NormKind kind, int channels, int groups, int spatial_dims);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::GroupNorm group_{nullptr};
  torch::nn::BatchNorm1d batch1d_{nullptr};
  torch::nn::BatchNorm3d batch3d_{nullptr};
};
TORCH_MODULE(ChannelNorm);

// 3D ResNet basic block: two 3x3x3 convs and an identity or 1x1x1 projection shortcut, then a
// ReLU unless relu_out is false (the last block of the visual extractor, as in the reference).
class BasicBlock3dImpl : public torch::nn::Module {
 public:
  BasicBlock3dImpl(const ModelConfig& config, int in_channels, int out_channels, int stride, bool relu_out = true);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  bool relu_out_ = true;
  torch::nn::Conv3d conv1_{nullptr}, conv2_{nullptr}, projection_{nullptr};
  ChannelNorm norm1_{nullptr}, norm2_{nullptr}, projection_norm_{nullptr};
};
TORCH_MODULE(BasicBlock3d);

// He-normal (fan_out, ReLU) weights for every Conv1d/Conv3d below module, zero conv biases.
void init_kaiming(torch::nn::Module& module);

// V: stem + layer1 + layer2 of a 3D ResNet-18. (B,3,T,H,W) -> Fv (B,128,T',H',W').
class VisualExtractorImpl : public torch::nn::Module {
 public:
  explicit VisualExtractorImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& video);

 private:
  torch::nn::Conv3d stem_conv_{nullptr};
  ChannelNorm stem_norm_{nullptr};
  torch::nn::MaxPool3d stem_pool_{nullptr};
  torch::nn::Sequential layer1_{nullptr}, layer2_{nullptr};
};
TORCH_MODULE(VisualExtractor);

// A: 1D convs on the raw waveform. (B,S) -> Fa (B,128,T'), the last strided conv derived from
// the geometry so that Fa has exactly T' steps.
class AudioExtractorImpl : public torch::nn::Module {
 public:
  explicit AudioExtractorImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& audio);

 private:
  torch::nn::Conv1d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr}, conv4_{nullptr}, conv5_{nullptr};
  ChannelNorm norm1_{nullptr}, norm2_{nullptr}, norm3_{nullptr}, norm4_{nullptr};
};
TORCH_MODULE(AudioExtractor);

struct DetectorOutput {
  torch::Tensor logits;     // (B): the score logit; sigmoid(logits) = P(fake)
  torch::Tensor distance;   // M    (B, h, w)
  torch::Tensor attention;  // A    (B, h, w), sums to 1 over h*w; undefined without attention
  torch::Tensor weighted;   // Mhat (B, h, w): what the head reads
};

class DetectorImpl : public torch::nn::Module {
 public:
  explicit DetectorImpl(const ModelConfig& config);

  // video: (B,3,T,H,W) float in [-1,1]; audio: (B,S) or (B,1,S) normalised waveform.
  // Throws avlens::Error(kInvalidArgument) naming the mismatch when a shape is wrong.
  DetectorOutput forward(const torch::Tensor& video, const torch::Tensor& audio);
  // sigmoid of the logits: P(fake) per window.
  torch::Tensor scores(const torch::Tensor& video, const torch::Tensor& audio);

  const ModelConfig& config() const { return config_; }
  const ModelDims& dims() const { return dims_; }

 private:
  torch::Tensor distance_map(const torch::Tensor& fa, const torch::Tensor& fv) const;
  torch::Tensor attention_map(const torch::Tensor& fa, const torch::Tensor& fv);

  ModelConfig config_;
  ModelDims dims_;
  VisualExtractor visual_{nullptr};
  AudioExtractor audio_{nullptr};
  torch::nn::Conv1d audio_embed_{nullptr};
  torch::nn::Conv3d video_embed_{nullptr};
  torch::nn::Linear head_{nullptr};
};
TORCH_MODULE(Detector);

int64_t count_parameters(torch::nn::Module& module);

}  // namespace avlens::model

// The two feature extractors of docs/METHOD.md §2 and the normalisation they share.
#include "avlens/error.hpp"
#include "avlens/model/detector.hpp"

#include <torch/csrc/jit/frontend/tracer.h>

namespace avlens::model {
namespace nn = torch::nn;

ChannelNormImpl::ChannelNormImpl(NormKind kind, int channels, int groups, int spatial_dims) {
  if (kind == NormKind::kGroup) {
    group_ = register_module("group", nn::GroupNorm(nn::GroupNormOptions(groups, channels)));
  } else if (spatial_dims == 1) {
    batch1d_ = register_module("batch", nn::BatchNorm1d(nn::BatchNorm1dOptions(channels).track_running_stats(true)));
  } else {
    batch3d_ = register_module("batch", nn::BatchNorm3d(nn::BatchNorm3dOptions(channels).track_running_stats(true)));
  }
}

torch::Tensor ChannelNormImpl::forward(const torch::Tensor& x) {
  if (group_ && torch::jit::tracer::isTracing()) {
    // For export: GroupNorm written out with explicit shapes (batch -1, the rest constants of the
    // trace), so the ONNX graph reshapes to constant shapes instead of Shape -> Gather arithmetic,
    // which ONNX Runtime's WebGPU EP cannot run (no int64 Gather) and leaves on the CPU.
    // Same maths as torch's group_norm (biased variance, the module's eps and affine).
    const int64_t groups = group_->options.num_groups();
    std::vector<int64_t> shape(x.sizes().begin(), x.sizes().end());
    shape[0] = -1;
    const int64_t per_group = x.numel() / x.size(0) / groups;
    auto g = x.reshape({-1, groups, per_group});
    auto centred = g - g.mean(-1, true);
    auto var = centred.pow(2).mean(-1, true);
    auto y = (centred / (var + group_->options.eps()).sqrt()).reshape(shape);
    std::vector<int64_t> affine(x.dim(), 1);
    affine[1] = x.size(1);
    return y * group_->weight.reshape(affine) + group_->bias.reshape(affine);
  }
  if (group_) return group_->forward(x);
  if (batch1d_) return batch1d_->forward(x);
  return batch3d_->forward(x);
}

void init_kaiming(nn::Module& module) {
  // As the reference's 3D ResNet: He-normal convolution weights (fan_out, ReLU gain), zero conv
  // biases; norm layers keep weight 1, bias 0.
  torch::NoGradGuard no_grad;
  for (auto& m : module.modules(/*include_self=*/false)) {
    torch::Tensor* weight = nullptr;
    torch::Tensor* bias = nullptr;
    if (auto* c3 = m->as<nn::Conv3d>()) weight = &c3->weight, bias = &c3->bias;
    else if (auto* c1 = m->as<nn::Conv1d>()) weight = &c1->weight, bias = &c1->bias;
    if (!weight) continue;
    nn::init::kaiming_normal_(*weight, 0.0, torch::kFanOut, torch::kReLU);
    if (bias->defined()) bias->zero_();
  }
}

namespace {
nn::Conv3dOptions conv3d(int in, int out, std::vector<int64_t> kernel, std::vector<int64_t> stride,
                         std::vector<int64_t> pad) {
  return nn::Conv3dOptions(in, out, kernel).stride(stride).padding(pad).bias(false);
}
}  // namespace

BasicBlock3dImpl::BasicBlock3dImpl(const ModelConfig& c, int in, int out, int stride, bool relu_out)
    : relu_out_(relu_out) {
  conv1_ = register_module("conv1", nn::Conv3d(conv3d(in, out, {3, 3, 3}, {stride, stride, stride}, {1, 1, 1})));
  norm1_ = register_module("norm1", ChannelNorm(c.norm, out, c.norm_groups, 3));
  conv2_ = register_module("conv2", nn::Conv3d(conv3d(out, out, {3, 3, 3}, {1, 1, 1}, {1, 1, 1})));
  norm2_ = register_module("norm2", ChannelNorm(c.norm, out, c.norm_groups, 3));
  if (stride != 1 || in != out) {
    projection_ = register_module("projection", nn::Conv3d(conv3d(in, out, {1, 1, 1}, {stride, stride, stride}, {0, 0, 0})));
    projection_norm_ = register_module("projection_norm", ChannelNorm(c.norm, out, c.norm_groups, 3));
  }
}

torch::Tensor BasicBlock3dImpl::forward(const torch::Tensor& x) {
  auto y = torch::relu(norm1_(conv1_(x)));
  y = norm2_(conv2_(y));
  auto shortcut = projection_ ? projection_norm_(projection_(x)) : x;
  return relu_out_ ? torch::relu(y + shortcut) : y + shortcut;
}

VisualExtractorImpl::VisualExtractorImpl(const ModelConfig& c) {
  stem_conv_ = register_module("stem_conv", nn::Conv3d(conv3d(3, 64, {1, 7, 7}, {1, 2, 2}, {0, 3, 3})));
  stem_norm_ = register_module("stem_norm", ChannelNorm(c.norm, 64, c.norm_groups, 3));
  stem_pool_ = register_module("stem_pool", nn::MaxPool3d(nn::MaxPool3dOptions({1, 3, 3}).stride({1, 2, 2}).padding({0, 1, 1})));
  layer1_ = register_module("layer1", nn::Sequential(BasicBlock3d(c, 64, 64, 1), BasicBlock3d(c, 64, 64, 1)));
  // The reference ends layer2 with the residual sum, no ReLU: Fv can be negative (docs/METHOD.md).
  layer2_ = register_module("layer2", nn::Sequential(BasicBlock3d(c, 64, 128, 2), BasicBlock3d(c, 128, 128, 1, false)));
  init_kaiming(*this);
}

torch::Tensor VisualExtractorImpl::forward(const torch::Tensor& video) {
  auto x = stem_pool_(torch::relu(stem_norm_(stem_conv_(video))));
  return layer2_->forward(layer1_->forward(x));
}

AudioExtractorImpl::AudioExtractorImpl(const ModelConfig& c) {
  const ModelDims d = derive_dims(c);
  auto conv = [](int in, int out, int kernel, int stride, int pad, bool bias) {
    return nn::Conv1d(nn::Conv1dOptions(in, out, kernel).stride(stride).padding(pad).bias(bias));
  };
  conv1_ = register_module("conv1", conv(1, 128, 80, 8, 0, false));
  norm1_ = register_module("norm1", ChannelNorm(c.norm, 128, c.norm_groups, 1));
  conv2_ = register_module("conv2", conv(128, 192, 3, 1, 1, false));
  norm2_ = register_module("norm2", ChannelNorm(c.norm, 192, c.norm_groups, 1));
  conv3_ = register_module("conv3", conv(192, 192, 3, 1, 1, false));
  norm3_ = register_module("norm3", ChannelNorm(c.norm, 192, c.norm_groups, 1));
  conv4_ = register_module("conv4", conv(192, 64, d.audio_kernel, d.audio_stride, 0, false));
  norm4_ = register_module("norm4", ChannelNorm(c.norm, 64, c.norm_groups, 1));
  conv5_ = register_module("conv5", conv(64, ModelDims::kFeatureChannels, 3, 1, 1, true));
  init_kaiming(*this);
}

torch::Tensor AudioExtractorImpl::forward(const torch::Tensor& audio) {
  auto x = torch::relu(norm1_(conv1_(audio)));
  x = torch::max_pool1d(x, 4);
  x = torch::relu(norm2_(conv2_(x)));
  x = norm3_(conv3_(x));  // no ReLU here in the reference (docs/METHOD.md)
  x = torch::relu(norm4_(conv4_(x)));
  return conv5_(x);
}

}  // namespace avlens::model

// What defines one detector network (docs/METHOD.md §2): the window geometry it reads and the variant
// options of the paper's ablations. Every size inside the network is derived from these values
// (derive_dims), so the geometry is the only place a shape is written down.
#pragma once
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "avlens/geometry.hpp"

namespace avlens::model {

enum class DistanceKind { kL2, kCosine };

// The divisor of the attention logits. The paper writes T'·C' (15·128 = 1920 on the paper
// geometry); the authors' code divides by T'·E with E the embedding width (15·32 = 480).
enum class AttentionScale { kReference, kPaper };

// Normalisation after each convolution. Both choices give a window a score that does not depend
// on the rest of its batch at evaluation time (docs/METHOD.md §2, "a known trap"); kGroup also does so
// during training, see docs/TRAINER.md.
enum class NormKind { kGroup, kBatch };

struct ModelConfig {
  // Version of the layer layout that weights are made for. 2: the reference's activations (no ReLU
  // after the visual layer2 or the audio 192->192 conv) and He initialisation; 1 (before 0.2, no
  // "architecture" key) put a ReLU in both places, so its weights cannot be loaded into this code.
  static constexpr int kArchitecture = 2;
  WindowGeometry geometry;  // what one input window is
  bool attention = true;    // cross-attention over patches (Table 1 "+attention")
  bool residual = false;    // Mhat = M*A + M instead of M*A (Table 1 "+residual")
  int map_size = 0;         // S of Fig. 5c: Fv pooled to S x S; 0 keeps the native map (28 on paper)
  DistanceKind distance = DistanceKind::kL2;
  AttentionScale attention_scale = AttentionScale::kReference;
  NormKind norm = NormKind::kGroup;
  int norm_groups = 32;     // GroupNorm groups; divides every channel count of the network

  // Throws avlens::Error(kInvalidArgument) naming the bad option or the geometry that is too small.
  void validate() const;
  nlohmann::json to_json() const;
  static ModelConfig from_json(const nlohmann::json& j);
};

// Whether two saved model configs describe the same network, compared as this avlens reads each:
// keys added since one was written (a geometry's crop) take their defaults. `train --resume`,
// `train --init` and `average` refuse checkpoints that differ.
bool same_model(const nlohmann::json& a, const nlohmann::json& b);

// Every shape in the network, derived from the geometry.
struct ModelDims {
  static constexpr int kFeatureChannels = 128;  // C' of Fv and Fa
  static constexpr int kEmbedChannels = 32;     // E of the attention embeddings
  int feature_frames = 0;   // T' = time length of Fv and Fa
  int feature_height = 0;   // native H' x W' of Fv (28 x 28 on paper)
  int feature_width = 0;
  int map_height = 0;       // the distance/attention map (= S x S when map_size is set)
  int map_width = 0;
  int audio_after_pool = 0; // length after the first conv and the max pool (1497 on paper)
  int audio_kernel = 0;     // last strided audio conv: kernel and stride (111, 99 on paper)
  int audio_stride = 0;
  double attention_divisor = 0;  // 480 (reference) or 1920 (paper) on the paper geometry
};

ModelDims derive_dims(const ModelConfig& config);

const char* distance_kind_name(DistanceKind k);
DistanceKind distance_kind_from_name(const std::string& name);
const char* attention_scale_name(AttentionScale s);
AttentionScale attention_scale_from_name(const std::string& name);
const char* norm_kind_name(NormKind k);
NormKind norm_kind_from_name(const std::string& name);

}  // namespace avlens::model

#include "window_options.hpp"

#include "avlens/model_metadata.hpp"

namespace avlens::cli {

std::set<std::string> tracking_value_options() { return {"stride", "detect-every", "detect-max-side"}; }
std::set<std::string> tracking_flag_options() { return {"whole-frame"}; }

std::set<std::string> window_value_options() {
  auto options = tracking_value_options();
  options.insert({"model", "preset", "audio-norm"});
  return options;
}

void apply_tracking_options(const Args& args, WindowMakerOptions& o) {
  o.stride_frames = args.get_int("stride", 0);
  o.face.detect_every = args.get_int("detect-every", o.face.detect_every);
  o.face.detect_max_side = args.get_int("detect-max-side", o.face.detect_max_side);
  o.face.whole_frame = args.has("whole-frame");
}

const char* tracking_options_usage() {
  return "[--stride FRAMES] [--detect-every K] [--detect-max-side PX] [--whole-frame]";
}

const char* window_options_usage() {
  return "[--model MODEL.onnx | --preset paper|small|tiny|mouth [--audio-norm minmax_window|minmax_clip|none]]\n"
         "                   [--stride FRAMES] [--detect-every K] [--detect-max-side PX] [--whole-frame]";
}

WindowMakerOptions window_options_from_args(const Args& args) {
  WindowMakerOptions o;
  if (args.has("model") && args.has("preset"))
    throw std::invalid_argument("give --model or --preset, not both (the model's metadata sets the geometry)");
  if (args.has("model") && args.has("audio-norm"))
    throw std::invalid_argument("--audio-norm goes with --preset (a model's metadata sets its own)");
  if (args.has("model")) {
    o.geometry = WindowGeometry::from_metadata(read_onnx_metadata_file(args.get("model")));
  } else {
    o.geometry = WindowGeometry::preset(args.get("preset", "paper"));
    if (args.has("audio-norm")) o.geometry.audio_norm = audio_norm_from_name(args.get("audio-norm"));
  }
  apply_tracking_options(args, o);
  return o;
}

}  // namespace avlens::cli

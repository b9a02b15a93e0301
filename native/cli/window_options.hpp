// Options shared by every command that makes windows: where the geometry comes from (a model's
// metadata, or a preset), the stride, and the face tracker's knobs.
#pragma once
#include <set>
#include <string>

#include "args.hpp"
#include "avlens/windows.hpp"

namespace avlens::cli {

std::set<std::string> window_value_options();
// The options that tune tracking and windowing but not the geometry (--stride, --detect-every,
// --detect-max-side; the flag --whole-frame): for commands whose geometry comes from elsewhere
// (a checkpoint or a model).
std::set<std::string> tracking_value_options();
std::set<std::string> tracking_flag_options();
void apply_tracking_options(const Args& args, WindowMakerOptions& options);
const char* window_options_usage();
const char* tracking_options_usage();
// --model FILE.onnx (geometry from its metadata) or --preset NAME (default: paper) with
// --audio-norm minmax_window|minmax_clip|none; --stride FRAMES, --detect-every K,
// --detect-max-side PX, --whole-frame.
WindowMakerOptions window_options_from_args(const Args& args);

}  // namespace avlens::cli

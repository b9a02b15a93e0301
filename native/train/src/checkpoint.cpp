#include "avlens/train/checkpoint.hpp"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <unistd.h>

#include "avlens/error.hpp"
#include "avlens/model/tensor_file.hpp"
#include "avlens/safetensors.hpp"
#include "checkpoint_legacy.hpp"

namespace avlens::train {
namespace fs = std::filesystem;

namespace {
constexpr const char* kFormat = "avlens-checkpoint-2";        // safetensors
constexpr const char* kLegacyFormat = "avlens-checkpoint-1";  // LibTorch archive
// Tensor names: "model/<parameter or buffer>", "optimizer/<parameter>/<Adam state field>" ('/' is
// never part of a LibTorch parameter name).
const std::string kModelPrefix = "model/", kOptimizerPrefix = "optimizer/";

std::string temporary_name(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

nlohmann::json state_to_json(const RunState& s) {
  return {{"format", kFormat},
          {"epochs_done", s.epochs_done},
          {"best_val_auc", s.best_val_auc},
          {"best_train_loss", s.best_train_loss},
          {"threshold", s.threshold},
          {"history", s.history},
          {"train_config", s.train_config},
          {"model_config", s.model_config}};
}

RunState state_from_json(const nlohmann::json& j, const std::string& path, const char* format) {
  if (!j.is_object() || j.value("format", "") != format)
    throw Error(ErrorCode::kInvalidArgument, "'" + path + "' is not an avlens checkpoint (unknown format)");
  try {
    RunState s;
    s.epochs_done = j.at("epochs_done");
    s.best_val_auc = j.at("best_val_auc");
    s.best_train_loss = j.at("best_train_loss");
    s.threshold = j.at("threshold");
    s.history = j.at("history");
    s.train_config = j.at("train_config");
    s.model_config = j.at("model_config");
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kInvalidArgument, "'" + path + "' has an unreadable run state: " + e.what());
  }
}

std::string optimizer_key(const torch::Tensor& parameter) {
  return c10::guts::to_string(parameter.unsafeGetTensorImpl());  // as torch::optim keys its state
}

torch::optim::Adam& adam_of(torch::optim::Optimizer* optimizer) {
  auto* adam = dynamic_cast<torch::optim::Adam*>(optimizer);
  if (!adam) throw Error(ErrorCode::kInternal, "checkpoints hold the state of Adam, the trainer's optimiser, only");
  return *adam;
}

// ---- the legacy format: a LibTorch archive (deserialising it can run code the file carries) ----

void check_legacy_allowed(const std::string& path, LegacyArchive legacy) {
  if (legacy == LegacyArchive::kRefuse)
    throw Error(ErrorCode::kInvalidArgument,
                "'" + path + "' is an old avlens checkpoint (a LibTorch archive), and loading one can run code it "
                "carries; if you made it, pass --legacy-checkpoint to load it anyway. `avlens train --resume` "
                "continues such a run and rewrites its checkpoints in the safe format (docs/TRAINER.md)");
  static std::mutex mutex;
  static std::set<std::string> warned;
  std::lock_guard<std::mutex> lock(mutex);
  if (warned.insert(fs::absolute(path).string()).second)
    std::fprintf(stderr,
                 "avlens: warning: '%s' is an old checkpoint, a LibTorch archive: loading it can run code it carries. "
                 "Load only checkpoints you made. `avlens train --resume` converts a run's checkpoints to the "
                 "safetensors format, which runs nothing.\n",
                 path.c_str());
}

torch::serialize::InputArchive open_legacy_archive(const std::string& path) {
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::kUnreadable, "checkpoint '" + path + "' cannot be read: " + e.what_without_backtrace());
  }
  return archive;
}

RunState read_legacy_state(const std::string& path) {
  auto archive = open_legacy_archive(path);
  c10::IValue value;
  if (!archive.try_read("state", value) || !value.isString())
    throw Error(ErrorCode::kInvalidArgument, "'" + path + "' is not an avlens checkpoint (no state)");
  return state_from_json(nlohmann::json::parse(value.toStringRef(), nullptr, false), path, kLegacyFormat);
}

void load_legacy(const std::string& path, model::Detector& model, torch::optim::Optimizer* optimizer) {
  auto archive = open_legacy_archive(path);
  torch::serialize::InputArchive model_archive;
  if (!archive.try_read("model", model_archive))
    throw Error(ErrorCode::kInvalidArgument, "'" + path + "' holds no model weights");
  try {
    model->load(model_archive);
    if (optimizer) {
      torch::serialize::InputArchive optimizer_archive;
      if (!archive.try_read("optimizer", optimizer_archive))
        throw Error(ErrorCode::kInvalidArgument, "'" + path + "' holds no optimiser state (cannot resume from it)");
      optimizer->load(optimizer_archive);
    }
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::kInvalidArgument,
                "checkpoint '" + path + "' does not match the model: " + e.what_without_backtrace());
  }
}

// ---- avlens-checkpoint-2: safetensors ----

void check_exists(const std::string& path) {
  if (!fs::exists(path)) throw Error(ErrorCode::kFileNotFound, "checkpoint '" + path + "' does not exist");
}

RunState read_state(const safetensors::Reader& r) {
  const auto& meta = r.header().metadata;
  auto format = meta.find("format");
  auto state = meta.find("state");
  if (format == meta.end() || format->second != kFormat || state == meta.end())
    throw Error(ErrorCode::kInvalidArgument, "'" + r.path() + "' is a safetensors file but not an avlens checkpoint "
                                             "(no format '" + kFormat + "' and run state in its metadata)");
  return state_from_json(nlohmann::json::parse(state->second, nullptr, false), r.path(), kFormat);
}

void load_adam(safetensors::Reader& r, model::Detector& model, torch::optim::Adam& adam) {
  if (r.header().metadata.count("optimizer") == 0 || r.header().metadata.at("optimizer") != "adam")
    throw Error(ErrorCode::kInvalidArgument, "'" + r.path() + "' holds no optimiser state (cannot resume from it)");
  adam.state().clear();
  for (const auto& p : model->named_parameters()) {
    const std::string prefix = kOptimizerPrefix + p.key() + "/";
    // A parameter without state had no gradient yet when the checkpoint was written.
    if (!r.header().find(prefix + "step")) continue;
    auto step = torch::empty({}, torch::kInt64);
    model::read_tensor_into(r, prefix + "step", step);
    if (step.item<int64_t>() < 0)
      throw Error(ErrorCode::kInvalidArgument, "'" + r.path() + "': tensor '" + prefix + "step' is negative");
    auto state = std::make_unique<torch::optim::AdamParamState>();
    state->step(step.item<int64_t>());
    auto exp_avg = torch::empty_like(p.value(), torch::MemoryFormat::Contiguous);
    auto exp_avg_sq = torch::empty_like(p.value(), torch::MemoryFormat::Contiguous);
    model::read_tensor_into(r, prefix + "exp_avg", exp_avg);
    model::read_tensor_into(r, prefix + "exp_avg_sq", exp_avg_sq);
    state->exp_avg(exp_avg);
    state->exp_avg_sq(exp_avg_sq);
    if (r.header().find(prefix + "max_exp_avg_sq")) {
      auto max_sq = torch::empty_like(p.value(), torch::MemoryFormat::Contiguous);
      model::read_tensor_into(r, prefix + "max_exp_avg_sq", max_sq);
      state->max_exp_avg_sq(max_sq);
    }
    adam.state()[optimizer_key(p.value())] = std::move(state);
  }
}

void load(const std::string& path, model::Detector& model, torch::optim::Optimizer* optimizer) {
  safetensors::Reader r(path);
  read_state(r);
  std::set<std::string> known;
  for (auto& p : model->named_parameters()) {
    model::read_tensor_into(r, kModelPrefix + p.key(), p.value());
    known.insert(kModelPrefix + p.key());
    for (const char* field : {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})
      known.insert(kOptimizerPrefix + p.key() + "/" + field);
  }
  for (auto& b : model->named_buffers()) {
    model::read_tensor_into(r, kModelPrefix + b.key(), b.value());
    known.insert(kModelPrefix + b.key());
  }
  // Nothing in the file may go unread: an unknown tensor means another model or a damaged file.
  for (const auto& t : r.header().tensors)
    if (!known.count(t.name))
      throw Error(ErrorCode::kInvalidArgument,
                  "checkpoint '" + path + "' does not match the model: it holds tensor '" + t.name + "' the model lacks");
  if (optimizer) load_adam(r, model, adam_of(optimizer));
}
}  // namespace

bool is_legacy_archive(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {0};
  in.read(magic, 4);
  return in.gcount() == 4 && magic[0] == 'P' && magic[1] == 'K' && magic[2] == '\x03' && magic[3] == '\x04';
}

void write_file_atomically(const std::string& path, const std::string& contents) {
  const std::string tmp = temporary_name(path);
  {
    std::ofstream out(tmp, std::ios::binary);
    out << contents;
    out.flush();
    if (!out) throw Error(ErrorCode::kInternal, "cannot write '" + tmp + "'");
  }
  fs::rename(tmp, path);
}

void save_checkpoint(const std::string& path, model::Detector& model, torch::optim::Optimizer* optimizer,
                     const RunState& state) {
  safetensors::Writer w;
  w.set_metadata("format", kFormat);
  w.set_metadata("state", state_to_json(state).dump());
  std::vector<torch::Tensor> keep;
  for (const auto& p : model->named_parameters()) model::add_tensor(w, kModelPrefix + p.key(), p.value(), keep);
  for (const auto& b : model->named_buffers()) model::add_tensor(w, kModelPrefix + b.key(), b.value(), keep);
  if (optimizer) {
    auto& adam = adam_of(optimizer);
    w.set_metadata("optimizer", "adam");
    for (const auto& p : model->named_parameters()) {
      auto it = adam.state().find(optimizer_key(p.value()));
      if (it == adam.state().end()) continue;  // no gradient yet
      const auto& s = static_cast<const torch::optim::AdamParamState&>(*it->second);
      const std::string prefix = kOptimizerPrefix + p.key() + "/";
      model::add_tensor(w, prefix + "step", torch::tensor(s.step(), torch::kInt64).reshape({}), keep);
      model::add_tensor(w, prefix + "exp_avg", s.exp_avg(), keep);
      model::add_tensor(w, prefix + "exp_avg_sq", s.exp_avg_sq(), keep);
      if (s.max_exp_avg_sq().defined()) model::add_tensor(w, prefix + "max_exp_avg_sq", s.max_exp_avg_sq(), keep);
    }
  }
  w.write_file(path);
}

RunState read_checkpoint_state(const std::string& path, LegacyArchive legacy) {
  check_exists(path);
  if (is_legacy_archive(path)) {
    check_legacy_allowed(path, legacy);
    return read_legacy_state(path);
  }
  return read_state(safetensors::Reader(path));
}

void load_checkpoint(const std::string& path, model::Detector& model, torch::optim::Optimizer* optimizer,
                     LegacyArchive legacy) {
  check_exists(path);
  if (is_legacy_archive(path)) {
    check_legacy_allowed(path, legacy);
    load_legacy(path, model, optimizer);
    return;
  }
  load(path, model, optimizer);
}

bool convert_legacy_checkpoint(const std::string& path) {
  if (!fs::exists(path) || !is_legacy_archive(path)) return false;
  check_legacy_allowed(path, LegacyArchive::kLoadWithWarning);
  const RunState state = read_legacy_state(path);
  model::Detector model(model::ModelConfig::from_json(state.model_config));
  // Adam's hyperparameters are not part of the new format (they come from the run's config).
  torch::optim::Adam adam(model->parameters());
  torch::serialize::InputArchive probe;
  const bool has_optimizer = open_legacy_archive(path).try_read("optimizer", probe);
  load_legacy(path, model, has_optimizer ? &adam : nullptr);
  save_checkpoint(path, model, has_optimizer ? &adam : nullptr, state);
  std::fprintf(stderr, "avlens: converted '%s' to a safetensors checkpoint (%s)\n", path.c_str(), kFormat);
  return true;
}

LoadedDetector load_detector(const std::string& path, torch::Device device, LegacyArchive legacy) {
  LoadedDetector loaded;
  loaded.state = read_checkpoint_state(path, legacy);
  loaded.model = model::Detector(model::ModelConfig::from_json(loaded.state.model_config));
  load_checkpoint(path, loaded.model, nullptr, legacy);
  loaded.model->to(device);
  loaded.model->eval();
  return loaded;
}

}  // namespace avlens::train

#include "avlens/train/checkpoint.hpp"

#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "avlens/error.hpp"

namespace avlens::train {
namespace fs = std::filesystem;

namespace {
std::string temporary_name(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

nlohmann::json state_to_json(const RunState& s) {
  return {{"format", "avlens-checkpoint-1"},
          {"epochs_done", s.epochs_done},
          {"best_val_auc", s.best_val_auc},
          {"best_train_loss", s.best_train_loss},
          {"threshold", s.threshold},
          {"history", s.history},
          {"train_config", s.train_config},
          {"model_config", s.model_config}};
}

RunState state_from_json(const nlohmann::json& j, const std::string& path) {
  if (j.value("format", "") != "avlens-checkpoint-1")
    throw Error(ErrorCode::kInvalidArgument, "'" + path + "' is not an avlens checkpoint (unknown format)");
  RunState s;
  s.epochs_done = j.at("epochs_done");
  s.best_val_auc = j.at("best_val_auc");
  s.best_train_loss = j.at("best_train_loss");
  s.threshold = j.at("threshold");
  s.history = j.at("history");
  s.train_config = j.at("train_config");
  s.model_config = j.at("model_config");
  return s;
}

torch::serialize::InputArchive open_archive(const std::string& path) {
  if (!fs::exists(path)) throw Error(ErrorCode::kFileNotFound, "checkpoint '" + path + "' does not exist");
  torch::serialize::InputArchive archive;
  try {
    archive.load_from(path);
  } catch (const c10::Error& e) {
    throw Error(ErrorCode::kUnreadable, "checkpoint '" + path + "' cannot be read: " + e.what_without_backtrace());
  }
  return archive;
}
}  // namespace

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
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive model_archive;
  model->save(model_archive);
  archive.write("model", model_archive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizer_archive;
    optimizer->save(optimizer_archive);
    archive.write("optimizer", optimizer_archive);
  }
  archive.write("state", c10::IValue(state_to_json(state).dump()));
  const std::string tmp = temporary_name(path);
  archive.save_to(tmp);
  fs::rename(tmp, path);
}

RunState read_checkpoint_state(const std::string& path) {
  auto archive = open_archive(path);
  c10::IValue value;
  if (!archive.try_read("state", value) || !value.isString())
    throw Error(ErrorCode::kInvalidArgument, "'" + path + "' is not an avlens checkpoint (no state)");
  return state_from_json(nlohmann::json::parse(value.toStringRef()), path);
}

void load_checkpoint(const std::string& path, model::Detector& model, torch::optim::Optimizer* optimizer) {
  auto archive = open_archive(path);
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

LoadedDetector load_detector(const std::string& path, torch::Device device) {
  LoadedDetector loaded;
  loaded.state = read_checkpoint_state(path);
  loaded.model = model::Detector(model::ModelConfig::from_json(loaded.state.model_config));
  load_checkpoint(path, loaded.model, nullptr);
  loaded.model->to(device);
  loaded.model->eval();
  return loaded;
}

}  // namespace avlens::train

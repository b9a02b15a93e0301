#include "avlens/train/train_config.hpp"

#include <fstream>
#include <functional>
#include <map>

#include "avlens/error.hpp"

namespace avlens::train {
namespace {

[[noreturn]] void bad(const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "training configuration: " + what);
}

double to_double(const std::string& key, const std::string& v) {
  try {
    size_t used = 0;
    double d = std::stod(v, &used);
    if (used == v.size()) return d;
  } catch (...) {
  }
  bad("'" + key + "' expects a number, got '" + v + "'");
}
int to_int(const std::string& key, const std::string& v) {
  double d = to_double(key, v);
  if (d != static_cast<int>(d)) bad("'" + key + "' expects an integer, got '" + v + "'");
  return static_cast<int>(d);
}
bool to_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  bad("'" + key + "' expects true or false, got '" + v + "'");
}

// One table binds each key to its field: set() and to_json() cannot drift apart.
struct Field {
  std::function<void(TrainConfig&, const std::string&)> set;
  std::function<nlohmann::json(const TrainConfig&)> get;
};

template <typename T>
Field field(T TrainConfig::*member, const std::string& key) {
  Field f;
  f.get = [member](const TrainConfig& c) { return nlohmann::json(c.*member); };
  f.set = [member, key](TrainConfig& c, const std::string& v) {
    if constexpr (std::is_same_v<T, std::string>) c.*member = v;
    else if constexpr (std::is_same_v<T, bool>) c.*member = to_bool(key, v);
    else if constexpr (std::is_same_v<T, int>) c.*member = to_int(key, v);
    else if constexpr (std::is_same_v<T, uint64_t>) {
      double d = to_double(key, v);
      if (d < 0 || d != static_cast<double>(static_cast<uint64_t>(d))) bad("'" + key + "' expects a non-negative integer");
      c.*member = static_cast<uint64_t>(d);
    } else c.*member = to_double(key, v);
  };
  return f;
}

const std::map<std::string, Field>& fields() {
  static const std::map<std::string, Field> table = [] {
    std::map<std::string, Field> t;
#define AVLENS_FIELD(name) t.emplace(#name, field(&TrainConfig::name, #name))
    AVLENS_FIELD(data); AVLENS_FIELD(data_list); AVLENS_FIELD(val_data); AVLENS_FIELD(val_list); AVLENS_FIELD(val_fraction); AVLENS_FIELD(out);
    AVLENS_FIELD(init);
    AVLENS_FIELD(lr); AVLENS_FIELD(weight_decay); AVLENS_FIELD(batch); AVLENS_FIELD(epochs);
    AVLENS_FIELD(seed); AVLENS_FIELD(max_steps_per_epoch); AVLENS_FIELD(attention); AVLENS_FIELD(residual);
    AVLENS_FIELD(map_size); AVLENS_FIELD(distance); AVLENS_FIELD(attention_scale); AVLENS_FIELD(norm);
    AVLENS_FIELD(pseudo_fakes); AVLENS_FIELD(pseudo_probability); AVLENS_FIELD(r_min); AVLENS_FIELD(r_max);
    AVLENS_FIELD(mismatch_probability); AVLENS_FIELD(min_shift); AVLENS_FIELD(max_shift);
    AVLENS_FIELD(balance_classes); AVLENS_FIELD(jitter); AVLENS_FIELD(mirror); AVLENS_FIELD(capture_jitter); AVLENS_FIELD(twins); AVLENS_FIELD(keep_epochs);
    AVLENS_FIELD(device); AVLENS_FIELD(threads); AVLENS_FIELD(loader_workers); AVLENS_FIELD(progress);
    AVLENS_FIELD(backend); AVLENS_FIELD(world_size); AVLENS_FIELD(rank); AVLENS_FIELD(master_addr);
    AVLENS_FIELD(master_port);
#undef AVLENS_FIELD
    // The optimiser recipe (not `--preset`, which names a window geometry in prep and windows).
    Field recipe;
    recipe.get = [](const TrainConfig& c) { return nlohmann::json(c.recipe); };
    recipe.set = [](TrainConfig& c, const std::string& v) {
      if (v == "paper") c.lr = 1e-3;
      else if (v == "reference") c.lr = 1e-4;
      else bad("unknown recipe '" + v + "' (paper: Adam lr 1e-3; reference: lr 1e-4)");
      c.recipe = v;  // the recipes differ only in lr; decay 1e-5, batch 8, 100 epochs are shared defaults
    };
    t.emplace("recipe", recipe);
    return t;
  }();
  return table;
}

}  // namespace

void TrainConfig::set(const std::string& key, const std::string& value) {
  std::string k = key;
  for (auto& ch : k)
    if (ch == '-') ch = '_';
  auto it = fields().find(k);
  if (it == fields().end()) bad("unknown key '" + key + "'");
  it->second.set(*this, value);
}

void TrainConfig::apply(const nlohmann::json& j) {
  if (!j.is_object()) bad("expected a JSON object of key: value");
  auto text = [](const nlohmann::json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); };
  // "preset" is the recipe's name in config files written before it was renamed.
  for (const char* key : {"preset", "recipe"})
    if (j.contains(key)) set("recipe", text(j.at(key)));
  for (auto& [k, v] : j.items())
    if (k != "preset" && k != "recipe") set(k, text(v));
}

nlohmann::json TrainConfig::to_json() const {
  nlohmann::json j;
  for (const auto& [k, f] : fields()) j[k] = f.get(*this);
  return j;
}

std::vector<std::string> TrainConfig::keys() {
  std::vector<std::string> out;
  for (const auto& [k, f] : fields()) out.push_back(k);
  return out;
}

void TrainConfig::validate() const {
  if (!(lr > 0)) bad("lr must be > 0");
  if (weight_decay < 0) bad("weight_decay must be >= 0");
  if (batch < 1) bad("batch must be >= 1");
  if (epochs < 1) bad("epochs must be >= 1");
  if (!(val_fraction >= 0 && val_fraction < 1)) bad("val_fraction must be in [0, 1)");
  if (device != "auto" && device != "cpu" && device != "cuda") bad("device must be auto, cpu or cuda");
  if (backend != "auto" && backend != "gloo" && backend != "nccl") bad("backend must be auto, gloo or nccl");
  if (backend == "nccl" && device == "cpu") bad("backend nccl needs device cuda (or auto on a GPU machine)");
  if (world_size < 1 || rank < 0 || rank >= world_size) bad("rank must be in [0, world_size)");
  if (batch % world_size != 0) bad("batch must be a multiple of world_size");
  if (twins && (batch % 2 != 0 || (batch / 2) % world_size != 0))
    bad("with twins, batch must be even and batch / 2 a multiple of world_size");
  if (master_port < 1 || master_port > 65535) bad("master_port must be a TCP port");
  pseudo_fake_options().validate();
  mismatch_options().validate();
  model::distance_kind_from_name(distance);
  model::attention_scale_from_name(attention_scale);
  model::norm_kind_from_name(norm);
}

model::ModelConfig TrainConfig::model_config(const WindowGeometry& geometry) const {
  model::ModelConfig m;
  m.geometry = geometry;
  m.attention = attention;
  m.residual = residual;
  m.map_size = map_size;
  m.distance = model::distance_kind_from_name(distance);
  m.attention_scale = model::attention_scale_from_name(attention_scale);
  m.norm = model::norm_kind_from_name(norm);
  m.validate();
  return m;
}

PseudoFakeOptions TrainConfig::pseudo_fake_options() const {
  PseudoFakeOptions p;
  p.probability = pseudo_probability;
  p.r_min = r_min;
  p.r_max = r_max;
  return p;
}

MismatchOptions TrainConfig::mismatch_options() const {
  MismatchOptions m;
  m.probability = mismatch_probability;
  m.min_shift = min_shift;
  m.max_shift = max_shift;
  return m;
}

nlohmann::json read_config_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kFileNotFound, "cannot open config file '" + path + "'");
  try {
    return nlohmann::json::parse(in, nullptr, true, /*ignore_comments=*/true);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kInvalidArgument, "config file '" + path + "' is not valid JSON: " + e.what());
  }
}

}  // namespace avlens::train

#include "avlens/synth/dataset.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace avlens::synth {
namespace fs = std::filesystem;

KindMix KindMix::balanced() {
  KindMix m;
  for (FakeKind k : all_kinds()) m.weight[k] = k == FakeKind::kReal ? 0.5 : 0.1;
  return m;
}

KindMix KindMix::parse(const std::string& text) {
  KindMix m;
  for (FakeKind k : all_kinds()) m.weight[k] = 0;
  std::stringstream in(text);
  std::string item;
  double total = 0;
  while (std::getline(in, item, ',')) {
    const auto eq = item.find('=');
    if (eq == std::string::npos) throw std::invalid_argument("--mix item '" + item + "' is not KIND=WEIGHT");
    const FakeKind k = kind_from_name(item.substr(0, eq));
    double w = 0;
    try {
      size_t used = 0;
      w = std::stod(item.substr(eq + 1), &used);
      if (used != item.size() - eq - 1) throw std::invalid_argument("");
    } catch (...) {
      throw std::invalid_argument("--mix weight in '" + item + "' is not a number");
    }
    if (!(w >= 0) || !std::isfinite(w)) throw std::invalid_argument("--mix weight in '" + item + "' must be >= 0");
    m.weight[k] = w;
    total += w;
  }
  if (!(total > 0)) throw std::invalid_argument("--mix needs at least one positive weight");
  return m;
}

std::string KindMix::to_string() const {
  std::string s;
  for (FakeKind k : all_kinds()) {
    auto it = weight.find(k);
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s=%g", s.empty() ? "" : ",", kind_name(k), it == weight.end() ? 0.0 : it->second);
    s += buf;
  }
  return s;
}

std::vector<FakeKind> KindMix::assign(int count, uint64_t seed) const {
  double total = 0;
  for (const auto& [k, w] : weight) total += w;
  struct Share {
    FakeKind kind;
    int n;
    double rest;
  };
  std::vector<Share> shares;
  int given = 0;
  for (FakeKind k : all_kinds()) {
    auto it = weight.find(k);
    const double exact = it == weight.end() ? 0.0 : count * it->second / total;
    shares.push_back({k, static_cast<int>(std::floor(exact)), exact - std::floor(exact)});
    given += shares.back().n;
  }
  // Largest remainders first; ties by kind order (stable).
  std::vector<size_t> order(shares.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return shares[a].rest > shares[b].rest; });
  for (size_t i = 0; given < count; ++i, ++given) shares[order[i % order.size()]].n++;
  std::vector<FakeKind> kinds;
  for (const auto& s : shares) kinds.insert(kinds.end(), static_cast<size_t>(s.n), s.kind);
  Rng rng(derive_seed(seed, "kinds"));
  for (size_t i = kinds.size(); i > 1; --i) std::swap(kinds[i - 1], kinds[static_cast<size_t>(rng.integer(0, static_cast<int>(i) - 1))]);
  return kinds;
}

uint64_t clip_seed(uint64_t dataset_seed, Domain domain, int index) {
  return derive_seed(derive_seed(dataset_seed, std::string("domain:") + domain_name(domain)), static_cast<uint64_t>(index));
}

std::vector<DatasetItem> dataset_items(const DatasetOptions& o) {
  if (o.count < 1) throw std::invalid_argument("--count must be at least 1");
  const std::vector<FakeKind> kinds = o.mix.assign(o.count, derive_seed(o.seed, domain_name(o.domain)));
  std::vector<DatasetItem> items;
  const int digits = std::max(6, static_cast<int>(std::to_string(o.count - 1).size()));
  for (int i = 0; i < o.count; ++i) {
    DatasetItem it;
    std::string num = std::to_string(i);
    num.insert(0, static_cast<size_t>(digits) - num.size(), '0');
    // The name carries no label: a detector must not be able to read the answer off the path.
    it.path = std::string("videos/") + domain_name(o.domain) + "_" + num + ".mp4";
    it.spec.domain = o.domain;
    it.spec.kind = kinds[static_cast<size_t>(i)];
    it.spec.seed = clip_seed(o.seed, o.domain, i);
    it.spec.seconds = o.seconds;
    items.push_back(it);
  }
  return items;
}

namespace {

nlohmann::json options_json(const DatasetOptions& o) {
  return {{"generator", "avlens synth"}, {"format", 1},         {"domain", domain_name(o.domain)},
          {"count", o.count},            {"seed", o.seed},      {"seconds", o.seconds},
          {"mix", o.mix.to_string()}};
}

nlohmann::json item_json(const DatasetItem& it, const ClipPlan& plan) {
  const Manipulation& m = plan.manipulation;
  nlohmann::json j = {{"path", it.path},
                      {"label", it.spec.kind == FakeKind::kReal ? 0 : 1},
                      {"kind", kind_name(it.spec.kind)},
                      {"domain", domain_name(it.spec.domain)},
                      {"seed", it.spec.seed},
                      {"seconds", it.spec.seconds},
                      {"person", plan.person},
                      {"voice", domain_people(it.spec.domain)[static_cast<size_t>(plan.person)].voice.language + "+" +
                                    domain_people(it.spec.domain)[static_cast<size_t>(plan.person)].voice.variant},
                      {"sentence", plan.sentence},
                      {"speech_start", plan.speech_start},
                      {"crf", plan.encode.crf},
                      {"width", plan.encode.width},
                      {"height", plan.encode.height}};
  if (it.spec.kind != FakeKind::kReal) {
    j["fake_begin"] = m.begin;
    j["fake_end"] = m.end;
    if (m.other_person >= 0) j["other_person"] = m.other_person;
    if (!m.other_sentence.empty()) j["other_sentence"] = m.other_sentence;
    if (it.spec.kind == FakeKind::kDesync) j["audio_shift"] = m.audio_shift;
    if (!m.partial_part.empty()) j["partial_part"] = m.partial_part;
  }
  return j;
}

void write_atomically(const fs::path& path, const std::string& text) {
  const fs::path tmp = path.string() + ".part";
  {
    std::ofstream out(tmp, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, path);
}

}  // namespace

void generate_dataset(const DatasetOptions& o) {
  if (o.out_dir.empty()) throw std::invalid_argument("missing output directory");
  if (o.jobs < 1 || o.jobs > 256) throw std::invalid_argument("--jobs must be within 1..256");
  const std::vector<DatasetItem> items = dataset_items(o);
  const fs::path root(o.out_dir);
  fs::create_directories(root / "videos");

  // Resume only what was made with the same options.
  const nlohmann::json manifest = options_json(o);
  const fs::path manifest_path = root / "synth.json";
  if (fs::exists(manifest_path)) {
    std::ifstream in(manifest_path);
    nlohmann::json old;
    try {
      in >> old;
    } catch (const std::exception&) {
      throw std::runtime_error(manifest_path.string() + " is not valid JSON; remove it or use another --out");
    }
    if (old != manifest)
      throw std::runtime_error(o.out_dir + " holds a dataset made with other options (" + old.dump() +
                               "); use another --out");
  }
  write_atomically(manifest_path, manifest.dump(2) + "\n");

  std::vector<std::string> records(items.size());
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex lock;
  std::exception_ptr error;
  int done = 0;
  auto worker = [&] {
    for (;;) {
      const size_t i = next.fetch_add(1);
      if (i >= items.size() || failed) return;
      try {
        const DatasetItem& it = items[i];
        const ClipPlan plan = plan_clip(it.spec);
        const fs::path path = root / it.path;
        if (!fs::exists(path)) write_clip(plan, path.string());
        records[i] = item_json(it, plan).dump();
        std::lock_guard<std::mutex> g(lock);
        ++done;
        if (o.progress) o.progress(done, static_cast<int>(items.size()));
      } catch (...) {
        std::lock_guard<std::mutex> g(lock);
        if (!error) error = std::current_exception();
        failed = true;
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int j = 0; j < std::min<int>(o.jobs, static_cast<int>(items.size())); ++j) threads.emplace_back(worker);
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);

  std::string labels = "path,label,kind,domain,seed\n";
  std::string jsonl;
  for (size_t i = 0; i < items.size(); ++i) {
    const DatasetItem& it = items[i];
    labels += it.path + "," + (it.spec.kind == FakeKind::kReal ? "0" : "1") + "," + kind_name(it.spec.kind) + "," +
              domain_name(it.spec.domain) + "," + std::to_string(it.spec.seed) + "\n";
    jsonl += records[i] + "\n";
  }
  write_atomically(root / "labels.csv", labels);
  write_atomically(root / "clips.jsonl", jsonl);
}

}  // namespace avlens::synth

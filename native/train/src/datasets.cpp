#include "avlens/train/datasets.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include <nlohmann/json.hpp>

#include "avlens/error.hpp"

namespace avlens::train {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void bad_data(const std::string& what) { throw Error(ErrorCode::kInvalidArgument, what); }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r\n"), b = s.find_last_not_of(" \t\r\n");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

int parse_label(const std::string& text, const std::string& where) {
  const std::string v = lower(trim(text));
  if (v == "1" || v == "fake") return 1;
  if (v == "0" || v == "real") return 0;
  bad_data(where + ": label '" + text + "' is not 0/1/real/fake");
}

// Rows of a CSV file as header -> value maps; header names are trimmed and lower-cased.
struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<int> line_numbers;
};

CsvTable read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(ErrorCode::kFileNotFound, "cannot open '" + path + "'");
  CsvTable t;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trim(line).empty()) continue;
    auto cells = split_csv_line(line);
    if (t.header.empty()) {
      for (auto& c : cells) t.header.push_back(lower(trim(c)));
      continue;
    }
    t.rows.push_back(std::move(cells));
    t.line_numbers.push_back(number);
  }
  if (t.header.empty()) bad_data("'" + path + "' is empty (expected a header line)");
  return t;
}

int column(const CsvTable& t, const std::string& name, const std::string& path, bool required) {
  auto it = std::find(t.header.begin(), t.header.end(), name);
  if (it == t.header.end()) {
    if (required) bad_data("'" + path + "' has no '" + name + "' column");
    return -1;
  }
  return static_cast<int>(it - t.header.begin());
}

}  // namespace

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> cells(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cells.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cells.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      cells.emplace_back();
    } else {
      cells.back() += c;
    }
  }
  return cells;
}

std::vector<VideoItem> read_dfdc(const std::string& root) {
  if (!fs::is_directory(root)) throw Error(ErrorCode::kFileNotFound, "DFDC folder '" + root + "' does not exist");
  std::vector<fs::path> metadata_files;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.is_regular_file() && e.path().filename() == "metadata.json") metadata_files.push_back(e.path());
  std::sort(metadata_files.begin(), metadata_files.end());
  if (metadata_files.empty()) bad_data("no metadata.json under '" + root + "' (expected dfdc_train_part_N/metadata.json)");
  std::vector<VideoItem> items;
  for (const auto& file : metadata_files) {
    nlohmann::json meta;
    try {
      std::ifstream in(file);
      meta = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
      bad_data("'" + file.string() + "' is not valid JSON: " + e.what());
    }
    if (!meta.is_object()) bad_data("'" + file.string() + "' must map video names to entries");
    for (auto& [name, entry] : meta.items()) {
      const std::string where = file.string() + " entry '" + name + "'";
      if (!entry.is_object() || !entry.contains("label") || !entry["label"].is_string())
        bad_data(where + " has no string label");
      VideoItem item;
      item.path = fs::absolute(file.parent_path() / name).lexically_normal().string();
      item.label = parse_label(entry["label"].get<std::string>(), where);
      // A fake and its original stay together; an original is its own group.
      item.group = item.label == 1 && entry.contains("original") && entry["original"].is_string()
                       ? entry["original"].get<std::string>()
                       : name;
      items.push_back(item);
    }
  }
  return items;
}

std::vector<VideoItem> read_fakeavceleb(const std::string& root) {
  const fs::path csv = fs::path(root) / "meta_data.csv";
  CsvTable t = read_csv(csv.string());
  const int category = column(t, "category", csv.string(), true);
  const int file = column(t, "path", csv.string(), true);
  const int source = column(t, "source", csv.string(), false);
  const int race = column(t, "race", csv.string(), false);
  const int gender = column(t, "gender", csv.string(), false);
  // The folder is the last, unnamed column of the header "...,path,".
  const int folder = static_cast<int>(t.header.size()) - 1;
  if (!t.header.back().empty()) bad_data("'" + csv.string() + "': expected an unnamed last column holding the folder");
  std::vector<VideoItem> items;
  std::set<std::string> seen;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::string where = csv.string() + " line " + std::to_string(t.line_numbers[r]);
    if (static_cast<int>(row.size()) <= folder) bad_data(where + ": " + std::to_string(row.size()) + " columns, expected " +
                                                          std::to_string(folder + 1));
    const std::string cat = trim(row[category]);
    if (cat != "A" && cat != "B" && cat != "C" && cat != "D")
      bad_data(where + ": category '" + cat + "' is not A, B, C or D");
    // The folder column may start with the dataset's own folder name ("FakeAVCeleb/...").
    fs::path dir = trim(row[folder]);
    fs::path path = fs::path(root) / dir / trim(row[file]);
    if (!fs::exists(path) && dir.begin() != dir.end()) {
      fs::path rest;
      for (auto it = std::next(dir.begin()); it != dir.end(); ++it) rest /= *it;
      if (fs::exists(fs::path(root) / rest / trim(row[file]))) path = fs::path(root) / rest / trim(row[file]);
    }
    path = fs::absolute(path).lexically_normal();
    if (!seen.insert(path.string()).second) continue;  // repeated row
    VideoItem item;
    item.path = path.string();
    item.label = cat == "A" ? 0 : 1;
    item.group = source >= 0 ? trim(row[source]) : item.path;
    item.kind = cat;
    if (race >= 0 && gender >= 0) item.stratum = trim(row[race]) + "/" + trim(row[gender]);
    items.push_back(item);
  }
  return items;
}

std::vector<VideoItem> read_video_csv(const std::string& csv_path) {
  CsvTable t = read_csv(csv_path);
  const int path = column(t, "path", csv_path, true);
  const int label = column(t, "label", csv_path, true);
  const int group = column(t, "group", csv_path, false);
  int kind = column(t, "kind", csv_path, false);
  if (kind < 0) kind = column(t, "generator", csv_path, false);
  const fs::path base = fs::path(csv_path).parent_path();
  std::vector<VideoItem> items;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::string where = csv_path + " line " + std::to_string(t.line_numbers[r]);
    if (static_cast<int>(row.size()) <= std::max({path, label, group}))
      bad_data(where + ": too few columns");
    VideoItem item;
    fs::path p = trim(row[path]);
    item.path = fs::absolute(p.is_absolute() ? p : base / p).lexically_normal().string();
    item.label = parse_label(row[label], where);
    item.group = group >= 0 && !trim(row[group]).empty() ? trim(row[group]) : item.path;
    if (kind >= 0 && kind < static_cast<int>(row.size())) item.kind = trim(row[kind]);
    items.push_back(item);
  }
  return items;
}

void write_video_csv(const std::string& csv_path, const std::vector<VideoItem>& items) {
  auto quote = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    return q + "\"";
  };
  const std::string tmp = csv_path + ".tmp";
  {
    std::ofstream out(tmp);
    if (!out) throw Error(ErrorCode::kInternal, "cannot write '" + csv_path + "'");
    out << "path,label,group,kind\n";
    for (const auto& it : items)
      out << quote(fs::absolute(it.path).string()) << ',' << it.label << ',' << quote(it.group) << ',' << quote(it.kind)
          << '\n';
  }
  fs::rename(tmp, csv_path);
}

std::vector<VideoItem> read_dataset(const std::string& spec) {
  auto has_prefix = [&](const std::string& p) { return spec.rfind(p, 0) == 0; };
  if (has_prefix("dfdc:")) return read_dfdc(spec.substr(5));
  if (has_prefix("fakeavceleb:")) return read_fakeavceleb(spec.substr(12));
  if (has_prefix("csv:")) return read_video_csv(spec.substr(4));
  if (!fs::exists(spec)) throw Error(ErrorCode::kFileNotFound, "dataset '" + spec + "' does not exist");
  if (fs::is_regular_file(spec)) return read_video_csv(spec);
  if (fs::exists(fs::path(spec) / "meta_data.csv")) return read_fakeavceleb(spec);
  if (fs::exists(fs::path(spec) / "labels.csv")) return read_video_csv((fs::path(spec) / "labels.csv").string());
  return read_dfdc(spec);
}

namespace {
std::vector<VideoItem> take(std::vector<VideoItem>& pool, size_t n, const std::string& what) {
  if (pool.size() < n)
    bad_data("not enough " + what + " videos: need " + std::to_string(n) + ", have " + std::to_string(pool.size()));
  std::vector<VideoItem> out(pool.begin(), pool.begin() + n);
  pool.erase(pool.begin(), pool.begin() + n);
  return out;
}
}  // namespace

DatasetSplit dfdc_protocol(const std::vector<VideoItem>& items, uint64_t seed, const DfdcCounts& counts) {
  // Groups are shuffled, then dealt whole to test until its counts are met, the rest to train:
  // no original contributes to both sides.
  std::map<std::string, std::vector<VideoItem>> by_group;
  for (const auto& it : items) by_group[it.group].push_back(it);
  std::vector<std::string> groups;
  for (auto& [g, v] : by_group) groups.push_back(g);
  std::mt19937_64 rng(seed);
  std::shuffle(groups.begin(), groups.end(), rng);
  std::vector<VideoItem> test_real, test_fake, train_real, train_fake;
  for (const auto& g : groups) {
    auto& vids = by_group[g];
    size_t real = 0, fake = 0;
    for (const auto& v : vids) (v.label ? fake : real)++;
    const bool fits_test = test_real.size() + real <= counts.test_real && test_fake.size() + fake <= counts.test_fake;
    const bool test_needs = (real > 0 && test_real.size() < counts.test_real) || (fake > 0 && test_fake.size() < counts.test_fake);
    for (const auto& v : vids) {
      if (fits_test && test_needs) (v.label ? test_fake : test_real).push_back(v);
      else (v.label ? train_fake : train_real).push_back(v);
    }
  }
  if (test_real.size() < counts.test_real || test_fake.size() < counts.test_fake)
    bad_data("DFDC protocol: the test set needs " + std::to_string(counts.test_real) + " real + " +
             std::to_string(counts.test_fake) + " fake videos in whole groups, found " + std::to_string(test_real.size()) +
             " + " + std::to_string(test_fake.size()));
  std::shuffle(train_real.begin(), train_real.end(), rng);
  std::shuffle(train_fake.begin(), train_fake.end(), rng);
  DatasetSplit split;
  split.train = take(train_real, counts.train_real, "real training");
  auto fakes = take(train_fake, counts.train_fake, "fake training");
  split.train.insert(split.train.end(), fakes.begin(), fakes.end());
  split.test = test_real;
  split.test.insert(split.test.end(), test_fake.begin(), test_fake.end());
  return split;
}

std::vector<VideoItem> fakeavceleb_test_set(const std::vector<VideoItem>& items, uint64_t seed, size_t per_stratum) {
  // stratum -> identity -> category -> videos; std::map keeps the draw independent of file order.
  std::map<std::string, std::map<std::string, std::map<std::string, std::vector<const VideoItem*>>>> tree;
  for (const auto& it : items) {
    if (it.stratum.empty() || it.kind.empty())
      bad_data("FakeAVCeleb protocol: '" + it.path + "' has no race/gender or category (read it from meta_data.csv)");
    tree[it.stratum][it.group][it.kind].push_back(&it);
  }
  std::mt19937_64 rng(seed);
  auto pick = [&rng](const std::vector<const VideoItem*>& v) {
    return *v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(rng)];
  };
  std::vector<VideoItem> reals, fakes;
  for (auto& [stratum, identities] : tree) {
    std::vector<std::string> eligible;  // identities with a real video and at least one fake
    for (auto& [id, cats] : identities) {
      const bool has_fake = cats.count("B") || cats.count("C") || cats.count("D");
      if (cats.count("A") && has_fake) eligible.push_back(id);
    }
    if (eligible.size() < per_stratum)
      bad_data("FakeAVCeleb protocol: stratum '" + stratum + "' has " + std::to_string(eligible.size()) +
               " identities with a real and a fake video, need " + std::to_string(per_stratum));
    std::shuffle(eligible.begin(), eligible.end(), rng);
    for (size_t k = 0; k < per_stratum; ++k) {
      auto& cats = identities[eligible[k]];
      reals.push_back(pick(cats["A"]));
      std::vector<std::string> fake_cats;
      for (const char* c : {"B", "C", "D"})
        if (cats.count(c)) fake_cats.push_back(c);
      const std::string cat = fake_cats[std::uniform_int_distribution<size_t>(0, fake_cats.size() - 1)(rng)];
      fakes.push_back(pick(cats[cat]));
    }
  }
  reals.insert(reals.end(), fakes.begin(), fakes.end());
  return reals;
}

DatasetSplit group_protocol(const std::vector<VideoItem>& items, uint64_t seed, double test_fraction,
                            const std::vector<std::string>& holdout_kinds) {
  if (!(test_fraction > 0 && test_fraction < 1)) bad_data("group protocol: the test fraction must be in (0, 1)");
  const std::set<std::string> held(holdout_kinds.begin(), holdout_kinds.end());
  std::set<std::string> with_real;  // groups that have a real video, in a stable order
  for (const auto& it : items)
    if (it.label == 0) with_real.insert(it.group);
  std::vector<std::string> groups(with_real.begin(), with_real.end());
  std::mt19937_64 rng(seed);
  std::shuffle(groups.begin(), groups.end(), rng);
  const size_t n_test = std::max<size_t>(1, static_cast<size_t>(std::lround(test_fraction * groups.size())));
  if (groups.size() < 2) bad_data("group protocol: need real videos of at least 2 groups, found " + std::to_string(groups.size()));
  const std::set<std::string> test_groups(groups.begin(), groups.begin() + std::min(n_test, groups.size() - 1));
  DatasetSplit split;
  for (const auto& it : items)
    (test_groups.count(it.group) || (!it.kind.empty() && held.count(it.kind)) ? split.test : split.train).push_back(it);
  for (const auto& k : held) {
    const bool any = std::any_of(items.begin(), items.end(), [&](const VideoItem& v) { return v.kind == k; });
    if (!any) bad_data("group protocol: no video of the held-out kind '" + k + "'");
  }
  if (split.train.empty() || split.test.empty()) bad_data("group protocol: one side of the split is empty");
  return split;
}

}  // namespace avlens::train

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
      item.path = (file.parent_path() / name).string();
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
    if (!seen.insert(path.lexically_normal().string()).second) continue;  // repeated row
    VideoItem item;
    item.path = path.lexically_normal().string();
    item.label = cat == "A" ? 0 : 1;
    item.group = source >= 0 ? trim(row[source]) : item.path;
    items.push_back(item);
  }
  return items;
}

std::vector<VideoItem> read_video_csv(const std::string& csv_path) {
  CsvTable t = read_csv(csv_path);
  const int path = column(t, "path", csv_path, true);
  const int label = column(t, "label", csv_path, true);
  const int group = column(t, "group", csv_path, false);
  const fs::path base = fs::path(csv_path).parent_path();
  std::vector<VideoItem> items;
  for (size_t r = 0; r < t.rows.size(); ++r) {
    const auto& row = t.rows[r];
    const std::string where = csv_path + " line " + std::to_string(t.line_numbers[r]);
    if (static_cast<int>(row.size()) <= std::max({path, label, group}))
      bad_data(where + ": too few columns");
    VideoItem item;
    fs::path p = trim(row[path]);
    item.path = (p.is_absolute() ? p : base / p).lexically_normal().string();
    item.label = parse_label(row[label], where);
    item.group = group >= 0 && !trim(row[group]).empty() ? trim(row[group]) : item.path;
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
    out << "path,label,group\n";
    for (const auto& it : items) out << quote(fs::absolute(it.path).string()) << ',' << it.label << ',' << quote(it.group) << '\n';
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

std::vector<VideoItem> fakeavceleb_test_set(const std::vector<VideoItem>& items, uint64_t seed, size_t real, size_t fake) {
  std::vector<VideoItem> reals, fakes;
  for (const auto& it : items) (it.label ? fakes : reals).push_back(it);
  std::mt19937_64 rng(seed);
  std::shuffle(reals.begin(), reals.end(), rng);
  std::shuffle(fakes.begin(), fakes.end(), rng);
  auto out = take(reals, real, "real FakeAVCeleb");
  auto f = take(fakes, fake, "fake FakeAVCeleb");
  out.insert(out.end(), f.begin(), f.end());
  return out;
}

}  // namespace avlens::train

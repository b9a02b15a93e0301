#include "avlens/train/window_cache.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <mutex>
#include <thread>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "avlens/error.hpp"

namespace avlens::train {
namespace fs = std::filesystem;

namespace {
constexpr char kMagic[8] = {'A', 'V', 'L', 'W', 'I', 'N', '1', '\0'};

size_t crop_bytes(const WindowGeometry& g) { return static_cast<size_t>(g.frames) * g.height * g.width * 3; }
size_t window_size(const WindowGeometry& g) { return crop_bytes(g) + sizeof(int16_t) * g.samples(); }

std::map<std::string, std::string> to_string_map(const nlohmann::json& j) {
  std::map<std::string, std::string> m;
  for (auto& [k, v] : j.items()) m[k] = v.get<std::string>();
  return m;
}

[[noreturn]] void corrupt(const std::string& path, const std::string& why) {
  throw Error(ErrorCode::kUnreadable, "cache file '" + path + "' is not a complete avlens cache file: " + why);
}

// Reads the JSON trailer: [...windows][json][uint64 length][magic].
nlohmann::json read_trailer(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kFileNotFound, "cannot open cache file '" + path + "'");
  in.seekg(0, std::ios::end);
  const int64_t size = in.tellg();
  if (size < 24) corrupt(path, "too small");
  char magic[8];
  uint64_t length = 0;
  in.seekg(size - 16);
  in.read(reinterpret_cast<char*>(&length), 8);
  in.read(magic, 8);
  if (std::memcmp(magic, kMagic, 8) != 0) corrupt(path, "bad magic");
  if (length > static_cast<uint64_t>(size - 24)) corrupt(path, "bad trailer length");
  std::string text(length, '\0');
  in.seekg(size - 16 - static_cast<int64_t>(length));
  in.read(text.data(), static_cast<std::streamsize>(length));
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    corrupt(path, e.what());
  }
}
}  // namespace

std::string cache_item_id(const std::string& video_path) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : video_path) h = (h ^ c) * 1099511628211ull;
  std::string stem = fs::path(video_path).stem().string();
  for (auto& c : stem)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '_';
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return stem.substr(0, 60) + "-" + std::string(hex, 12);
}

CacheFileWriter::CacheFileWriter(const std::string& path, const WindowGeometry& geometry)
    : path_(path), tmp_(path + ".tmp." + std::to_string(::getpid())), geometry_(geometry) {
  file_ = std::fopen(tmp_.c_str(), "wb");
  if (!file_) throw Error(ErrorCode::kInternal, "cannot create '" + tmp_ + "': " + std::strerror(errno));
}

CacheFileWriter::~CacheFileWriter() {
  if (file_) {
    std::fclose(file_);
    std::remove(tmp_.c_str());
  }
}

void CacheFileWriter::add(const std::vector<uint8_t>& crops, const std::vector<float>& audio, float audio_low,
                          float audio_high, double start_time) {
  if (crops.size() != crop_bytes(geometry_) || audio.size() != static_cast<size_t>(geometry_.samples()))
    throw Error(ErrorCode::kInvalidArgument, "cache: window does not match the geometry");
  std::vector<int16_t> pcm(audio.size());
  for (size_t i = 0; i < audio.size(); ++i)
    pcm[i] = static_cast<int16_t>(std::lround(std::clamp(audio[i], -1.0f, 1.0f) * 32767.0f));
  if (std::fwrite(crops.data(), 1, crops.size(), file_) != crops.size() ||
      std::fwrite(pcm.data(), sizeof(int16_t), pcm.size(), file_) != pcm.size())
    throw Error(ErrorCode::kInternal, "cannot write '" + tmp_ + "' (disk full?)");
  start_times_.push_back(start_time);
  audio_ranges_.push_back({audio_low, audio_high});
  bytes_ += window_size(geometry_);
}

void CacheFileWriter::commit(const VideoItem& item) {
  nlohmann::json trailer = {{"geometry", geometry_.to_metadata()}, {"windows", start_times_.size()},
                            {"label", item.label},                 {"group", item.group},
                            // Absolute: the cache is read from any working directory.
                            {"source", fs::absolute(item.path).lexically_normal().string()},
                            {"start_times", start_times_},
                            {"audio_ranges", audio_ranges_},
                            {"audio", "int16"}};
  const std::string text = trailer.dump();
  const uint64_t length = text.size();
  bool ok = std::fwrite(text.data(), 1, text.size(), file_) == text.size() &&
            std::fwrite(&length, 8, 1, file_) == 1 && std::fwrite(kMagic, 1, 8, file_) == 8;
  ok = std::fflush(file_) == 0 && ::fsync(::fileno(file_)) == 0 && ok;
  ok = std::fclose(file_) == 0 && ok;
  file_ = nullptr;
  if (!ok) {
    std::remove(tmp_.c_str());
    throw Error(ErrorCode::kInternal, "cannot write '" + tmp_ + "' (disk full?)");
  }
  fs::rename(tmp_, path_);
}

std::shared_ptr<WindowCache> WindowCache::open(const std::string& dir, const std::vector<VideoItem>& only) {
  const fs::path items = fs::path(dir) / "items";
  if (!fs::is_directory(items))
    throw Error(ErrorCode::kFileNotFound, "'" + dir + "' is not a window cache (no items/ folder; run avlens prep)");
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(items))
    if (e.is_regular_file() && e.path().extension() == ".avw") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());

  std::map<std::string, const VideoItem*> wanted;
  for (const auto& it : only) wanted[fs::absolute(it.path).lexically_normal().string()] = &it;

  auto cache = std::shared_ptr<WindowCache>(new WindowCache());
  bool have_geometry = false;
  for (const auto& p : paths) {
    nlohmann::json t = read_trailer(p.string());
    const std::string source = t.at("source");
    const VideoItem* listed = nullptr;
    if (!only.empty()) {
      auto it = wanted.find(fs::absolute(source).lexically_normal().string());
      if (it == wanted.end()) continue;
      listed = it->second;
    }
    WindowGeometry g = WindowGeometry::from_metadata(to_string_map(t.at("geometry")));
    if (!have_geometry) {
      cache->geometry_ = g;
      have_geometry = true;
    } else if (g.to_metadata() != cache->geometry_.to_metadata()) {
      throw Error(ErrorCode::kInvalidArgument, "cache '" + dir + "' mixes window geometries ('" + p.string() + "')");
    }
    const std::vector<double> starts = t.at("start_times");
    const int64_t expected = static_cast<int64_t>(starts.size() * window_size(g));
    if (static_cast<int64_t>(fs::file_size(p)) < expected) corrupt(p.string(), "truncated");
    File f{p.string(), listed ? listed->label : t.at("label").get<int>(),
           listed && !listed->group.empty() ? listed->group : t.value("group", source)};
    const size_t file_index = cache->files_.size();
    cache->files_.push_back(f);
    cache->names_.push_back(source);
    cache->groups_.push_back(f.group);
    std::vector<std::array<float, 2>> ranges;
    if (t.contains("audio_ranges")) ranges = t.at("audio_ranges").get<std::vector<std::array<float, 2>>>();
    if (!ranges.empty() && ranges.size() != starts.size()) corrupt(p.string(), "audio ranges do not match the windows");
    const float unknown = std::numeric_limits<float>::quiet_NaN();
    for (size_t w = 0; w < starts.size(); ++w)
      cache->windows_.push_back({file_index, w, starts[w], ranges.empty() ? unknown : ranges[w][0],
                                 ranges.empty() ? unknown : ranges[w][1]});
  }
  if (!have_geometry)
    throw Error(ErrorCode::kInvalidArgument, "cache '" + dir + "' holds no " +
                                                 std::string(only.empty() ? "videos" : "videos of the given list"));
  return cache;
}

size_t WindowCache::window_bytes() const { return window_size(geometry_); }

void WindowCache::load(size_t i, WindowSample& out) const {
  const Entry& e = windows_.at(i);
  const File& f = files_[e.file];
  const size_t crops = crop_bytes(geometry_), samples = geometry_.samples();
  out.crops.resize(crops);
  std::vector<int16_t> pcm(samples);
  const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(ErrorCode::kFileNotFound, "cannot open cache file '" + f.path + "'");
  const off_t offset = static_cast<off_t>(e.index * window_size(geometry_));
  const bool ok = ::pread(fd, out.crops.data(), crops, offset) == static_cast<ssize_t>(crops) &&
                  ::pread(fd, pcm.data(), samples * 2, offset + crops) == static_cast<ssize_t>(samples * 2);
  ::close(fd);
  if (!ok) corrupt(f.path, "short read");
  out.audio.resize(samples);
  for (size_t s = 0; s < samples; ++s) out.audio[s] = pcm[s] / 32767.0f;
  out.audio_low = e.audio_low, out.audio_high = e.audio_high;
  out.label = f.label;
}

bool WindowCache::load_neighbour(size_t i, int offset, WindowSample& out) const {
  // A file's windows are stored in order and listed consecutively.
  const Entry& e = windows_.at(i);
  const int64_t j = static_cast<int64_t>(i) + offset;
  if (j < 0 || j >= static_cast<int64_t>(windows_.size())) return false;
  const Entry& n = windows_[static_cast<size_t>(j)];
  if (n.file != e.file || std::abs(n.start_time - (e.start_time + offset * geometry_.duration())) > 1e-6) return false;
  load(static_cast<size_t>(j), out);
  return true;
}

PrepSummary prepare_cache(const std::vector<VideoItem>& items, const PrepOptions& options) {
  options.maker.geometry.validate();
  const fs::path out(options.out), item_dir = out / "items", skip_dir = out / "skipped";
  fs::create_directories(item_dir);
  fs::create_directories(skip_dir);
  const auto start = std::chrono::steady_clock::now();

  PrepSummary summary;
  std::mutex mutex;
  std::atomic<size_t> next{0};
  size_t done = 0;
  auto report = [&](const VideoItem& item, const std::string& outcome) {
    std::lock_guard<std::mutex> lock(mutex);
    ++done;
    if (options.on_item) options.on_item(done, items.size(), item, outcome);
  };
  auto record_skip = [&](const VideoItem& item, const std::string& id, const std::string& code, const std::string& why) {
    nlohmann::json j = {{"source", item.path}, {"label", item.label}, {"code", code}, {"reason", why}};
    const std::string path = (skip_dir / (id + ".json")).string();
    std::ofstream(path + ".tmp") << j.dump() << "\n";
    fs::rename(path + ".tmp", path);
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++summary.skipped;
    }
    report(item, "skipped [" + code + "]: " + why);
  };

  auto work = [&] {
    for (size_t i = next++; i < items.size(); i = next++) {
      const VideoItem& item = items[i];
      const std::string id = cache_item_id(item.path);
      const fs::path target = item_dir / (id + ".avw"), skip = skip_dir / (id + ".json");
      if (fs::exists(target) || (fs::exists(skip) && !options.retry_skipped)) {
        {
          std::lock_guard<std::mutex> lock(mutex);
          ++summary.already;
        }
        report(item, "already done");
        continue;
      }
      fs::remove(skip);
      try {
        auto reader = ClipWindowReader::open_file(item.path, options.maker);
        CacheFileWriter writer(target.string(), options.maker.geometry);
        Window w;
        int without_face = 0;
        while (reader->next(w)) {
          if (!w.has_face()) {
            ++without_face;
            continue;
          }
          writer.add(w.crops, w.audio, w.audio_low, w.audio_high, w.start_time);
          if (options.max_windows_per_video > 0 && writer.windows() >= static_cast<size_t>(options.max_windows_per_video))
            break;
        }
        {
          std::lock_guard<std::mutex> lock(mutex);
          summary.windows_without_face += static_cast<size_t>(without_face);
        }
        if (writer.windows() == 0) {
          record_skip(item, id, error_code_name(ErrorCode::kNoFace),
                      "no window with a face (" + std::to_string(without_face) + " windows without one)");
          continue;
        }
        writer.commit(item);
        {
          std::lock_guard<std::mutex> lock(mutex);
          ++summary.cached;
          summary.windows += writer.windows();
          summary.bytes += writer.bytes();
        }
        report(item, "cached " + std::to_string(writer.windows()) + " windows" +
                         (without_face ? " (" + std::to_string(without_face) + " without a face, not cached)" : ""));
      } catch (const Error& e) {
        record_skip(item, id, error_code_name(e.code()), e.what());
      } catch (const std::exception& e) {
        record_skip(item, id, "internal", e.what());
      }
    }
  };
  int workers = options.workers > 0 ? options.workers : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  workers = std::min<int>(workers, std::max<size_t>(1, items.size()));
  std::vector<std::thread> threads;
  for (int t = 0; t < workers; ++t) threads.emplace_back(work);
  for (auto& t : threads) t.join();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace avlens::train

// A one-line progress bar on stderr: steps, loss, throughput and ETA. On a terminal it redraws
// in place; otherwise (logs, CI) it prints a line every 10 %.
#pragma once
#include <chrono>
#include <cstdio>
#include <string>
#include <unistd.h>

namespace avlens::train {

class ProgressBar {
 public:
  ProgressBar(std::string label, size_t total, bool enabled)
      : label_(std::move(label)), total_(total), enabled_(enabled), tty_(::isatty(2)),
        start_(std::chrono::steady_clock::now()) {}

  void update(size_t done, double loss, double items_per_second) {
    if (!enabled_ || total_ == 0) return;
    const auto now = std::chrono::steady_clock::now();
    const int decile = static_cast<int>(10 * done / total_);
    const bool due = tty_ ? now - last_ > std::chrono::milliseconds(200) || done == total_ : decile > last_decile_;
    if (!due) return;
    last_ = now;
    last_decile_ = decile;
    const double elapsed = std::chrono::duration<double>(now - start_).count();
    const double eta = done > 0 ? elapsed * (total_ - done) / done : 0;
    const int width = 24, filled = static_cast<int>(width * done / total_);
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "%s%s [%s] %zu/%zu loss %.4f  %.1f win/s  ETA %s%s", tty_ ? "\r" : "", label_.c_str(),
                 bar.c_str(), done, total_, loss, items_per_second, clock(eta).c_str(), tty_ ? "" : "\n");
    std::fflush(stderr);
  }
  void finish() {
    if (enabled_ && tty_) std::fprintf(stderr, "\n");
  }

  static std::string clock(double seconds) {
    const long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    return buf;
  }

 private:
  std::string label_;
  size_t total_;
  bool enabled_, tty_;
  std::chrono::steady_clock::time_point start_, last_{};
  int last_decile_ = -1;
};

}  // namespace avlens::train

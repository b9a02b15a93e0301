// eval's figures as a reader sees them: tick labels that differ, the ROC's operating point, heat
// maps over the face.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "avlens/train/metrics.hpp"
#include "avlens/train/plots.hpp"
#include "test_png.hpp"

using namespace avlens::train;
namespace fs = std::filesystem;

namespace {
fs::path out_dir() {
  fs::path p = fs::temp_directory_path() / ("avlens_plots_" + std::to_string(::getpid()));
  fs::create_directories(p);
  return p;
}
}  // namespace

TEST(Plots, TickLabelsOfANarrowRangeDiffer) {
  EXPECT_EQ(tick_decimals(0.25), 2);
  EXPECT_EQ(tick_decimals(0.0025), 4);
  EXPECT_EQ(tick_decimals(25), 0);
  // A histogram of mean Mhat between 0.4731 and 0.4858 once read "0.48" on all five ticks.
  const double lo = 0.4731, hi = 0.4858, step = (hi - lo) / 4;
  std::set<std::string> labels;
  for (int k = 0; k <= 4; ++k) {
    char b[32];
    std::snprintf(b, sizeof b, "%.*f", tick_decimals(step), lo + k * step);
    labels.insert(b);
  }
  EXPECT_EQ(labels.size(), 5u);
}

TEST(Plots, RocMarksTheOperatingPointInRed) {
  const std::vector<double> scores{0.1, 0.2, 0.3, 0.6, 0.7, 0.9};
  const std::vector<int> labels{0, 0, 1, 0, 1, 1};
  const std::string path = (out_dir() / "roc.png").string();
  plot_roc(path, roc_curve(scores, labels), roc_auc(scores, labels), "test", 0.65);
  const auto png = avlens::testing::read_png(path);
  // Threshold 0.65: videos 0.7 and 0.9 are called fake: TPR 2/3, FPR 0. The axes put (0, 2/3) at
  // x = 80, y = 64 + 400 - 2/3 * 400.
  const int x = 80, y = 64 + 400 - 400 * 2 / 3;
  const auto px = png.at(x, y);
  EXPECT_EQ(px, (std::array<uint8_t, 3>{214, 39, 40})) << "no red mark at the operating point";
  // Without a threshold there is no mark.
  plot_roc(path, roc_curve(scores, labels), roc_auc(scores, labels), "test", std::nan(""));
  EXPECT_NE(avlens::testing::read_png(path).at(x + 3, y + 3), (std::array<uint8_t, 3>{214, 39, 40}));
}

TEST(Plots, HeatMapIsDrawnOverTheFace) {
  const int h = 8, w = 8;
  std::vector<uint8_t> face(h * w * 3);
  for (int i = 0; i < h * w; ++i) face[i * 3] = 255, face[i * 3 + 1] = 0, face[i * 3 + 2] = 0;  // pure red face
  const std::vector<float> map{0, 0, 0, 0};  // flat: every patch gets the colour map's lowest colour
  const std::string bare = (out_dir() / "bare.png").string(), over = (out_dir() / "over.png").string();
  plot_heatmap(bare, map, 2, 2, "M", {});
  plot_heatmap(over, map, 2, 2, "M", {face.data(), h, w});
  const auto a = avlens::testing::read_png(bare), b = avlens::testing::read_png(over);
  const int x = 10 + 5, y = 40 + 5;  // inside the first patch
  const auto heat = a.at(x, y), mixed = b.at(x, y);
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(mixed[c], (face[c] + heat[c]) / 2.0, 1.0) << "channel " << c;
}

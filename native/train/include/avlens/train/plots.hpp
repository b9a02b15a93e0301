// PNG figures of `avlens eval`: the ROC curve, the histogram of mean Mhat for real vs fake
// videos (paper Fig. 7) and heat maps of M, A and Mhat (paper Fig. 8). Plain raster drawing
// (stb_easy_font for labels, stb_image_write for the file): no plotting library needed.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "avlens/train/metrics.hpp"

namespace avlens::train {

// threshold: the operating point to mark on the curve (NaN: none).
void plot_roc(const std::string& png_path, const std::vector<RocPoint>& curve, double auc, const std::string& title,
              double threshold);
// Decimals for tick labels `step` apart, so that neighbouring labels differ (0.475, 0.480, ...).
int tick_decimals(double step);
void plot_histogram(const std::string& png_path, const std::vector<double>& real, const std::vector<double>& fake,
                    const std::string& title);
// The face a heat map is drawn over: H x W x 3 RGB (a window's middle crop, as the page shows it).
struct FaceImage {
  const uint8_t* rgb = nullptr;
  int height = 0, width = 0;
};
// values: rows x cols, row-major, the map over the face's spatial patches; drawn with a perceptual
// colour map (min..max of the values), half transparent over the face when one is given.
void plot_heatmap(const std::string& png_path, const std::vector<float>& values, int rows, int cols,
                  const std::string& title, const FaceImage& face = {});

}  // namespace avlens::train

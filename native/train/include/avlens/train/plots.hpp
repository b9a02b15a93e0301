// PNG figures of `avlens eval`: the ROC curve, the histogram of mean Mhat for real vs fake
// videos (paper Fig. 7) and heat maps of M, A and Mhat (paper Fig. 8). Plain raster drawing
// (stb_easy_font for labels, stb_image_write for the file): no plotting library needed.
#pragma once
#include <string>
#include <vector>

#include "avlens/train/metrics.hpp"

namespace avlens::train {

void plot_roc(const std::string& png_path, const std::vector<RocPoint>& curve, double auc, const std::string& title);
void plot_histogram(const std::string& png_path, const std::vector<double>& real, const std::vector<double>& fake,
                    const std::string& title);
// values: rows x cols, row-major; drawn with a perceptual colour map, min..max of the values.
void plot_heatmap(const std::string& png_path, const std::vector<float>& values, int rows, int cols,
                  const std::string& title);

}  // namespace avlens::train

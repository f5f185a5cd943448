// Lagged windows: every run of P+1 consecutive frames inside one segment.
//
// A window z_t = (x_{t−P}, …, x_{t−1}, x_t) never crosses a segment boundary. Blocks are stored as
// separate N × n matrices (rows = windows) so that cross-block statistics are matrix products:
// block(0) is the future block x_t, block(r) the lag-r past block x_{t−r}. Every estimator (baselines,
// SBTG, the streaming engine's offline twin) builds its samples here, so windows mean the same thing
// everywhere. Plain value type.
#pragma once

#include <Eigen/Core>
#include <vector>

#include "sbtg/recording.hpp"

namespace sbtg {

struct WindowBlocks {
  int order = 1;                        // P: number of past blocks
  std::vector<Eigen::MatrixXd> blocks;  // P+1 matrices, N × n; blocks[r] holds x_{t−r}
  std::vector<Eigen::Index> segment;    // per window: index of its segment
  std::vector<Eigen::Index> frame;      // per window: frame index of x_t within its segment

  [[nodiscard]] Eigen::Index count() const { return blocks.empty() ? 0 : blocks.front().rows(); }
  [[nodiscard]] const Eigen::MatrixXd& future() const { return blocks.front(); }
  [[nodiscard]] const Eigen::MatrixXd& lag(int r) const { return blocks.at(static_cast<size_t>(r)); }
  // The past blocks side by side, N × (P·n), columns ordered lag 1 first: [x_{t−1}, …, x_{t−P}].
  [[nodiscard]] Eigen::MatrixXd PastDesign() const;
};

// Builds all windows of `order` past blocks. Segments shorter than order+1 frames contribute none.
// Throws SetupError if order < 1.
WindowBlocks BuildWindows(const Recording& rec, int order);

// Per-neuron mean and standard deviation pooled over all frames of all segments.
struct Standardizer {
  Eigen::RowVectorXd mean;
  Eigen::RowVectorXd scale;  // standard deviation; constant neurons get scale 1
  static Standardizer Fit(const Recording& rec);
  [[nodiscard]] Recording Apply(const Recording& rec) const;
};

}  // namespace sbtg

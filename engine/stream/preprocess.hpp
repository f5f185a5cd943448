// Per-frame preprocessing on the pipeline thread: online standardization, causal smoothing and window
// assembly (P+1 consecutive frames, future block first). Nothing here allocates after construction.
#pragma once

#include <Eigen/Core>

#include "sbtg/stream.hpp"

namespace sbtg::stream {

class OnlineStandardizer {
 public:
  OnlineStandardizer(Eigen::Index n, const PreprocessOptions& options);
  // Feeds x into the statistics (running/exponential) and writes the standardized frame to `out`.
  // Returns false while warming up (the frame should not form windows yet).
  bool Apply(const Eigen::Ref<const Eigen::VectorXf>& x, Eigen::Ref<Eigen::VectorXf> out);
  [[nodiscard]] const Eigen::VectorXd& mean() const { return mean_; }
  [[nodiscard]] const Eigen::VectorXd& scale() const { return scale_; }
  [[nodiscard]] std::uint64_t frames() const { return count_; }

 private:
  void UpdateScale();
  PreprocessOptions options_;
  Eigen::VectorXd mean_, m2_, scale_, delta_;
  std::uint64_t count_ = 0;
  double decay_ = 0;  // exponential: weight of the newest frame
};

// Causal exponential smoothing, restarted at every break.
class CausalSmoother {
 public:
  CausalSmoother(Eigen::Index n, double weight) : weight_(weight), state_(n) {}
  void Reset() { primed_ = false; }
  void Apply(Eigen::Ref<Eigen::VectorXf> x);

 private:
  float weight_;
  Eigen::VectorXf state_;
  bool primed_ = false;
};

// The last P+1 frames of the current run; a window is ready once P+1 frames arrived since the last
// break. Window layout: [x_t, x_{t−1}, …, x_{t−P}] (future block first, as the score models expect).
class WindowAssembler {
 public:
  WindowAssembler(Eigen::Index n, int lags) : n_(n), lags_(lags), frames_(n, lags + 1) {}
  void Reset() { filled_ = 0; }
  // Adds a frame; true when a full window is available.
  bool Push(const Eigen::Ref<const Eigen::VectorXf>& x);
  // Writes the current window (length n·(P+1)).
  void Window(Eigen::Ref<Eigen::VectorXf> z) const;

 private:
  Eigen::Index n_;
  int lags_;
  Eigen::MatrixXf frames_;  // ring of P+1 columns
  int next_ = 0;            // column the next frame goes to
  int filled_ = 0;
};

}  // namespace sbtg::stream

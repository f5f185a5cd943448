// Helpers for the streaming tests: an in-memory Source and frame construction.
#pragma once

#include <Eigen/Core>
#include <atomic>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "sbtg/recording.hpp"
#include "sbtg/stream.hpp"

namespace sbtg::testing {

// Plays rows of a matrix as frames, as fast as the queue accepts. `sequence[t]` and `segment[t]`
// (when given) replace the default consecutive numbering and the single segment, so tests can inject
// gaps, duplicates, out-of-order frames and segment changes. Records what the queue did with each push.
class VectorSource final : public Source {
 public:
  VectorSource(Eigen::MatrixXd rows, double frame_period = 0.05)
      : rows_(std::move(rows)) {
    info_.n = rows_.cols();
    info_.names = DefaultNeuronNames(rows_.cols());
    info_.frame_period = frame_period;
    info_.description = "test vector source";
  }
  std::vector<std::uint64_t> sequence;
  std::vector<std::string> segment;
  int repeat = 1;                       // play the rows this many times (sequence continues)
  std::function<void(std::size_t)> before_push;  // test hook, called with the row index

  [[nodiscard]] const SourceInfo& info() const override { return info_; }
  Status Run(SourceContext& ctx) override {
    std::uint64_t seq = 0;
    for (int rep = 0; rep < repeat; ++rep) {
      for (Eigen::Index t = 0; t < rows_.rows(); ++t) {
        if (ctx.stop_requested()) return Status::Ok();
        const FrameHandle h = ctx.Acquire();
        if (h == kNoFrame) continue;
        Frame& f = ctx.frame(h);
        const auto k = static_cast<std::size_t>(t);
        f.sequence = sequence.empty() ? seq : sequence[k];
        f.source_time = static_cast<double>(f.sequence) * info_.frame_period;
        f.arrival_ns = 0;
        f.SetSegment(segment.empty() ? "s" : segment[k]);
        Eigen::Map<Eigen::VectorXf>(f.values, info_.n) = rows_.row(t).transpose().cast<float>();
        if (before_push) before_push(k);
        const PushOutcome o = ctx.Push(h);
        pushed.fetch_add(1);
        if (o == PushOutcome::kDroppedNew || o == PushOutcome::kQueuedDroppedOld) dropped.fetch_add(1);
        if (o == PushOutcome::kCancelled) return Status::Ok();
        ++seq;
      }
    }
    return Status::Ok();
  }
  std::atomic<std::uint64_t> pushed{0}, dropped{0};

 private:
  Eigen::MatrixXd rows_;
  SourceInfo info_;
};

// A seeded VAR(1) series (T × n) with a few couplings, for tests that need structure.
inline Eigen::MatrixXd Var1Series(Eigen::Index t_len, Eigen::Index n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd;
  Eigen::MatrixXd a = 0.5 * Eigen::MatrixXd::Identity(n, n);
  for (Eigen::Index j = 1; j < n; ++j) a(j, j - 1) = (j % 2 == 0) ? 0.3 : -0.3;
  Eigen::MatrixXd x(t_len, n);
  Eigen::VectorXd s = Eigen::VectorXd::Zero(n);
  for (Eigen::Index t = 0; t < t_len; ++t) {
    Eigen::VectorXd e(n);
    for (Eigen::Index j = 0; j < n; ++j) e[j] = nd(rng);
    s = a * s + e;
    x.row(t) = (2.0 + s.array()).matrix().transpose();  // offset so standardization matters
  }
  return x;
}

// Standardized float windows (future block first) of rows [begin, end) exactly as the pipeline forms
// them: values travel as float, are standardized in double and stored as float.
inline Eigen::MatrixXf OfflineWindows(const Eigen::MatrixXd& x, Eigen::Index begin, Eigen::Index end, int p,
                                      const Eigen::VectorXd& mean, const Eigen::VectorXd& scale) {
  using Eigen::Index;
  using Eigen::MatrixXf;
  const Index n = x.cols();
  MatrixXf std_rows(end - begin, n);
  for (Index t = begin; t < end; ++t) {
    const Eigen::VectorXf v = x.row(t).transpose().cast<float>();
    std_rows.row(t - begin) = ((v.cast<double>() - mean).cwiseQuotient(scale)).cast<float>().transpose();
  }
  MatrixXf z(std::max<Index>(0, end - begin - p), n * (p + 1));
  for (Index w = 0; w < z.rows(); ++w) {
    for (int r = 0; r <= p; ++r) z.block(w, r * n, 1, n) = std_rows.row(w + p - r);
  }
  return z;
}

}  // namespace sbtg::testing

// GraphSnapshot: the publisher's conversion of the pipeline's sums into a graph (z, p, q, effects).
#include <Eigen/Cholesky>
#include <cmath>

#include "engine/estimator/lag_test.hpp"
#include "engine/stream/shared.hpp"
#include "engine/stream/wire.hpp"
#include "sbtg/distributions.hpp"

namespace sbtg::stream {

using Eigen::MatrixXd;

std::shared_ptr<GraphSnapshot> BuildSnapshot(const SnapshotBuffer& b, const EngineOptions& o,
                                             const std::vector<std::string>& names, double frame_period,
                                             std::uint64_t seq) {
  auto g = std::make_shared<GraphSnapshot>();
  g->seq = seq;
  g->final = b.final;
  g->names = names;
  g->frame_period = frame_period;
  g->first_sequence = b.first_sequence;
  g->last_sequence = b.last_sequence;
  g->first_time = b.first_time;
  g->last_time = b.last_time;
  g->windows = b.moments.count;
  g->runs = b.moments.runs;
  g->model_version = b.model_version;
  g->newest_arrival_ns = b.newest_arrival_ns;
  g->computed_ns = b.computed_ns;
  g->test = o.estimator;
  g->model = o.trainer.model;
  g->train = o.trainer.train;
  // effect in original units: J[j,i] = J̃[j,i]·scale_j/scale_i (as the offline fit).
  const MatrixXd unit = b.scale * b.scale.cwiseInverse().transpose();
  for (const LagMoments& lm : b.moments.lags) {
    LagGraph lag;
    lag.lag = lm.lag;
    lag.mu = lm.mean;
    lag.variance = lm.variance;
    lag.bandwidth = lm.bandwidth;
    lag.bandwidth_capped = lm.bandwidth_capped;
    lag.z = (lm.mean.array() / lm.variance.array().sqrt()).matrix();
    if (o.estimator.pvalue == PValueMode::kHacNull) {
      lag.null_scale = est::EmpiricalNullScale(lag.z);
      lag.z /= lag.null_scale;
    }
    lag.p = NormalTwoSidedP(lag.z);
    lag.q = AdjustOffDiagonal(lag.p, o.estimator.fdr);
    MatrixXd effect_std;
    if (o.estimator.correction == Correction::kFull) {
      effect_std = -b.moments.sf_moment.ldlt().solve(lm.mean);
    } else {
      effect_std = -(b.moments.sf_moment.col(0).cwiseInverse().asDiagonal() * lm.mean);
    }
    lag.effect = effect_std.cwiseProduct(unit);
    lag.selected = SelectEdges(lag.effect, lag.q, o.estimator.alpha);
    g->lags.push_back(std::move(lag));
  }
  return g;
}

}  // namespace sbtg::stream

namespace sbtg {

FitResult GraphSnapshot::ToFitResult() const {
  FitResult r;
  r.method = "sbtg_stream";
  r.names = names;
  r.frame_period = frame_period;
  r.windows = windows;
  r.settings = {{"model_version", model_version}, {"snapshot_seq", seq}};
  for (const LagGraph& g : lags) {
    LagResult lr;
    lr.lag = g.lag;
    lr.effect = g.effect;
    lr.p = g.p;
    lr.q = g.q;
    lr.selected = g.selected;
    lr.extra["mu"] = g.mu;
    lr.extra["z"] = g.z;
    lr.extra["variance"] = g.variance;
    r.lags.push_back(std::move(lr));
  }
  return r;
}

}  // namespace sbtg

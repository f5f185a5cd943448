// Acceptance 1 at the estimator level: the incremental sliding-window sums give the same μ̂, HAC
// variance and bandwidth as the offline ProductTest (uncentred) on the ring's windows, after the ring
// has wrapped many times, with breaks (new runs) inside the ring, for batched and single adds.
#include <doctest/doctest.h>

#include <random>

#include "engine/stream/sliding_estimator.hpp"
#include "sbtg/cross_block.hpp"
#include "support/heap_watch.hpp"

using Eigen::Index;
using Eigen::MatrixXd;
using sbtg::stream::SlidingEstimator;
using sbtg::stream::SlidingMoments;
using sbtg::stream::SlidingOptions;

namespace {

// Max |a − b| relative to max |b|: the sums are O(1) in every entry, so entry-wise relative error of
// near-zero means would only measure cancellation, not the algorithm.
double RelErr(const MatrixXd& a, const MatrixXd& b) { return (a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff(); }

struct Stream {
  MatrixXd rows;                  // windows × dim, AR(1)-correlated so the HAC lags matter
  std::vector<std::uint64_t> run;
};

Stream MakeStream(Index windows, Index dim, std::uint64_t seed, double break_prob) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd;
  std::uniform_real_distribution<double> u;
  Stream s;
  s.rows.resize(windows, dim);
  s.run.resize(static_cast<size_t>(windows));
  std::uint64_t run = 0;
  for (Index t = 0; t < windows; ++t) {
    const bool brk = t > 0 && u(rng) < break_prob;
    if (brk) ++run;
    for (Index c = 0; c < dim; ++c) {
      const double prev = (t > 0 && !brk) ? s.rows(t - 1, c) : 0.0;
      s.rows(t, c) = 0.7 * prev + nd(rng) + 0.3 * (c % 3 == 0 ? s.rows(t, 0) : 0.0);
    }
    s.run[static_cast<size_t>(t)] = run;
  }
  return s;
}

void CheckAgainstOffline(SlidingEstimator& est, double bandwidth, double tol) {
  const auto& o = est.options();
  SlidingMoments mom;
  mom.Resize(o.n, o.lags, o.full_correction);
  est.Compute(bandwidth, mom);
  const MatrixXd z = est.OrderedScores();
  const std::vector<Index> runs = est.RunStarts();
  CHECK(mom.count == z.rows());
  CHECK(mom.runs == static_cast<Index>(runs.size()));
  for (int r = 1; r <= o.lags; ++r) {
    sbtg::HacOptions hac;
    hac.centred = false;
    hac.bandwidth = static_cast<int>(bandwidth);
    hac.max_bandwidth = std::min(sbtg::stream::DefaultBandwidthCap(z.rows()), o.max_lag + 1);
    const auto pm = sbtg::ProductTest(z.leftCols(o.n), z.middleCols(r * o.n, o.n), runs, hac);
    const auto& lm = mom.lags[static_cast<size_t>(r - 1)];
    CHECK(lm.bandwidth == doctest::Approx(pm.bandwidth).epsilon(1e-12));
    CHECK(RelErr(lm.mean, pm.mean) < tol);
    CHECK(RelErr(lm.variance, pm.variance) < tol);
    // Entry-wise on z-scores as well: the p-values are a function of them.
    const MatrixXd zs = lm.mean.array() / lm.variance.array().sqrt();
    CHECK(RelErr(zs, pm.ZScores()) < tol);
  }
}

}  // namespace

TEST_SUITE("SlidingEstimator") {
  TEST_CASE("SlidingEstimator.MatchesProductTestAfterManyWraps") {
    SlidingOptions o;
    o.n = 6;
    o.lags = 2;
    o.capacity = 80;
    o.max_lag = 9;
    o.max_batch = 8;
    SlidingEstimator est(o);
    const Stream s = MakeStream(3000, o.n * 3, 11, 0.01);  // ~30 breaks, ~37 wraps
    std::mt19937_64 rng(5);
    std::uniform_int_distribution<Index> batch(1, o.max_batch);
    Index t = 0;
    int checks = 0;
    while (t < s.rows.rows()) {
      const Index k = std::min(batch(rng), s.rows.rows() - t);
      const MatrixXd cols = s.rows.middleRows(t, k).transpose();
      est.Add(cols, s.run.data() + t);
      t += k;
      if (t > 1000 && t % 7 == 0) {
        CheckAgainstOffline(est, -1, 1e-11);
        ++checks;
      }
    }
    CHECK(checks > 10);
    CHECK(est.reanchors() > 5);  // the rolling re-anchor swapped rebuilt sums in
    CheckAgainstOffline(est, -1, 1e-11);
    CheckAgainstOffline(est, 5, 1e-11);  // a fixed bandwidth
    CheckAgainstOffline(est, 0, 1e-11);    // no lag terms
  }

  TEST_CASE("SlidingEstimator.BreakInsideTheRingNeverPairsAcrossIt") {
    SlidingOptions o;
    o.n = 4;
    o.lags = 1;
    o.capacity = 40;
    o.max_lag = 5;
    o.max_batch = 1;
    SlidingEstimator est(o);
    // A run of 25 windows, a break, a run of 15: the ring holds both runs.
    const Stream s = MakeStream(40, o.n * 2, 3, 0.0);
    std::vector<std::uint64_t> runs(40, 0);
    for (size_t k = 25; k < 40; ++k) runs[k] = 1;
    for (Index t = 0; t < 40; ++t) {
      const MatrixXd col = s.rows.row(t).transpose();
      est.Add(col, runs.data() + t);
    }
    CHECK(est.RunStarts() == std::vector<Index>{0, 25});
    CheckAgainstOffline(est, 5, 1e-12);
    // The same windows as one run give a different variance: the break mattered.
    SlidingEstimator one(o);
    const std::vector<std::uint64_t> zeros(40, 0);
    for (Index t = 0; t < 40; ++t) {
      const MatrixXd col = s.rows.row(t).transpose();
      one.Add(col, zeros.data() + t);
    }
    SlidingMoments a, b;
    a.Resize(o.n, 1, false);
    b.Resize(o.n, 1, false);
    est.Compute(5, a);
    one.Compute(5, b);
    CHECK(RelErr(a.lags[0].mean, b.lags[0].mean) < 1e-14);
    CHECK(RelErr(a.lags[0].variance, b.lags[0].variance) > 1e-6);
  }

  TEST_CASE("SlidingEstimator.RecomputeEqualsIncremental") {
    SlidingOptions o;
    o.n = 5;
    o.lags = 1;
    o.capacity = 50;
    o.max_lag = 4;
    o.max_batch = 16;
    o.full_correction = true;
    SlidingEstimator est(o);
    const Stream s = MakeStream(777, o.n * 2, 8, 0.02);
    for (Index t = 0; t < s.rows.rows(); t += 16) {
      const Index k = std::min<Index>(16, s.rows.rows() - t);
      const MatrixXd cols = s.rows.middleRows(t, k).transpose();
      est.Add(cols, s.run.data() + t);
    }
    SlidingMoments inc, full;
    inc.Resize(o.n, 1, true);
    full.Resize(o.n, 1, true);
    est.Compute(-1, inc);
    est.Recompute();
    est.Compute(-1, full);
    CHECK(RelErr(inc.lags[0].mean, full.lags[0].mean) < 1e-12);
    CHECK(RelErr(inc.lags[0].variance, full.lags[0].variance) < 1e-12);
    const MatrixXd z = est.OrderedScores();
    const MatrixXd sf = z.leftCols(o.n);
    CHECK(RelErr(inc.sf_moment, sf.transpose() * sf / static_cast<double>(z.rows())) < 1e-12);
  }

  TEST_CASE("SlidingEstimator.AndrewsWithoutTemporariesMatchesReference") {
    const MatrixXd g0 = MatrixXd::Random(7, 7).cwiseAbs() + MatrixXd::Constant(7, 7, 0.1);
    const MatrixXd g1 = 0.5 * MatrixXd::Random(7, 7).cwiseProduct(g0);
    CHECK(sbtg::stream::AndrewsBandwidthNoAlloc(g0, g1, 500) ==
          doctest::Approx(sbtg::AndrewsBartlettBandwidth(g0, g1, 500)).epsilon(1e-14));
  }

  TEST_CASE("SlidingEstimator.AddAndComputeDoNotAllocate") {
    SlidingOptions o;
    o.n = 150;  // large enough that an untiled GEMM would need heap packing buffers
    o.lags = 1;
    o.capacity = 64;
    o.max_lag = 3;
    o.max_batch = 32;
    SlidingEstimator est(o);
    const Stream s = MakeStream(200, o.n * 2, 4, 0.05);
    SlidingMoments mom;
    mom.Resize(o.n, 1, false);
    MatrixXd cols(o.n * 2, 32);
    long allocations = 0;
    for (Index t = 0; t + 32 <= s.rows.rows(); t += 32) {
      cols = s.rows.middleRows(t, 32).transpose();
      const sbtg::testing::HeapWatch watch;
      est.Add(cols, s.run.data() + t);
      allocations += watch.Allocations();
    }
    {
      const sbtg::testing::HeapWatch watch;
      est.Compute(-1, mom);
      allocations += watch.Allocations();
    }
    CHECK(allocations == 0);
    CHECK(mom.count == 64);
  }
}

// The GEMM-formulated HAC test against a plain per-pair computation, and the bandwidth rule.
#include <doctest/doctest.h>

#include <random>

#include "sbtg/cross_block.hpp"

using Eigen::Index;
using Eigen::MatrixXd;

namespace {

// Newey–West long-run variance of the mean of one series y (Bartlett weights 1 − ℓ/S), lagged pairs
// restricted to runs; centred by the overall mean, divided by N. Written as plainly as possible.
double NaiveHacVariance(const std::vector<double>& y, const std::vector<Index>& run_of, double bandwidth) {
  const auto n = static_cast<Index>(y.size());
  double mean = 0;
  for (double v : y) mean += v;
  mean /= static_cast<double>(n);
  double lrv = 0;
  for (Index t = 0; t < n; ++t) lrv += (y[t] - mean) * (y[t] - mean);
  for (Index lag = 1; static_cast<double>(lag) < bandwidth; ++lag) {
    double g = 0;
    for (Index t = lag; t < n; ++t) {
      if (run_of[t] == run_of[t - lag]) g += (y[t] - mean) * (y[t - lag] - mean);
    }
    lrv += 2.0 * (1.0 - static_cast<double>(lag) / bandwidth) * g;
  }
  return lrv / static_cast<double>(n) / static_cast<double>(n);
}

}  // namespace

TEST_SUITE("Hac") {
  TEST_CASE("Hac.MatchesPlainPerPairComputation") {
    std::mt19937_64 rng(4);
    std::normal_distribution<double> nd;
    const Index n = 300;
    MatrixXd a(n, 3), b(n, 4);
    // Autocorrelated columns so the lag terms matter.
    for (Index c = 0; c < 3; ++c) {
      double x = 0;
      for (Index t = 0; t < n; ++t) a(t, c) = x = 0.6 * x + nd(rng);
    }
    for (Index c = 0; c < 4; ++c) {
      double x = 0;
      for (Index t = 0; t < n; ++t) b(t, c) = x = 0.5 * x + nd(rng) + 0.3 * a(t, c % 3);
    }
    const std::vector<Index> starts{0, 120, 121, 200};  // includes a one-row run
    std::vector<Index> run_of(n);
    for (Index t = 0, r = 0; t < n; ++t) {
      if (r + 1 < static_cast<Index>(starts.size()) && t >= starts[static_cast<size_t>(r + 1)]) ++r;
      run_of[static_cast<size_t>(t)] = r;
    }
    for (bool centred : {false, true}) {
      CAPTURE(centred);
      sbtg::HacOptions opt;
      opt.centred = centred;
      opt.bandwidth = 6;
      const auto pm = sbtg::ProductTest(a, b, starts, opt);
      MatrixXd ac = a, bc = b;
      if (centred) {
        ac.rowwise() -= ac.colwise().mean();
        bc.rowwise() -= bc.colwise().mean();
      }
      for (Index j = 0; j < 3; ++j) {
        for (Index i = 0; i < 4; ++i) {
          std::vector<double> y(static_cast<size_t>(n));
          double mean = 0;
          for (Index t = 0; t < n; ++t) mean += (y[static_cast<size_t>(t)] = ac(t, j) * bc(t, i));
          CHECK(pm.mean(j, i) == doctest::Approx(mean / static_cast<double>(n)).epsilon(1e-12));
          CHECK(pm.variance(j, i) == doctest::Approx(NaiveHacVariance(y, run_of, 6.0)).epsilon(1e-10));
        }
      }
    }
  }

  TEST_CASE("Hac.BandwidthFollowsAutocorrelation") {
    // White products need (almost) no lags; strongly autocorrelated products need many.
    MatrixXd g0 = MatrixXd::Ones(5, 5);
    const double white = sbtg::AndrewsBartlettBandwidth(g0, MatrixXd::Zero(5, 5), 5000);
    const double slow = sbtg::AndrewsBartlettBandwidth(g0, 0.9 * MatrixXd::Ones(5, 5), 5000);
    CHECK(white < 1.0);
    CHECK(slow > 20.0);
    // AR(1) with ρ = 0.5: α = 4ρ²/((1−ρ)²(1+ρ)²) = 1/(0.25·2.25) = 1.7778; S = 1.1447 (α N)^{1/3}.
    const double mid = sbtg::AndrewsBartlettBandwidth(g0, 0.5 * MatrixXd::Ones(5, 5), 1000);
    CHECK(mid == doctest::Approx(1.1447 * std::cbrt(1.7777777777777777 * 1000)).epsilon(1e-9));
  }

  TEST_CASE("Hac.ShiftNullScaleMatchesIndependentSeries") {
    // For independent white series the sd of μ̂ under shifts is ≈ 1/√N (σ_a σ_b / √N).
    std::mt19937_64 rng(8);
    std::normal_distribution<double> nd;
    MatrixXd a(4000, 2), b(4000, 2);
    for (Index k = 0; k < a.size(); ++k) {
      a.data()[k] = nd(rng);
      b.data()[k] = nd(rng);
    }
    const MatrixXd sd = sbtg::ShiftNullSd(a, b, {}, 400, 20, 3);
    // 400 shifts: the relative standard error of an sd estimate is ≈ 1/√(2·400) = 3.5%; allow 15%.
    CHECK((sd.array() * std::sqrt(4000.0)).minCoeff() > 0.85);
    CHECK((sd.array() * std::sqrt(4000.0)).maxCoeff() < 1.15);
  }
}

// Calibration of the baselines' p-values on null data: independent, calcium-like AR(1) neurons.
#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "sbtg/baselines.hpp"
#include "support/test_support.hpp"
#include "tests/baselines/baselines_test_util.hpp"

namespace {

using sbtg::BaselineMethod;

struct NullShares {
  double per_lag = 0;      // share of off-diagonal per-lag p < 0.05
  double joint = 0;        // same for extra["p_joint"] (Granger methods)
  double uncorrected = 0;  // same for extra["p_uncorrected"] (Pearson)
};

double ShareBelow(const Eigen::MatrixXd& p, double level, double& count) {
  double hits = 0;
  for (Eigen::Index i = 0; i < p.cols(); ++i) {
    for (Eigen::Index j = 0; j < p.rows(); ++j) {
      if (i == j) continue;
      hits += p(j, i) < level ? 1 : 0;
      count += 1;
    }
  }
  return hits;
}

NullShares MeasureNull(BaselineMethod method, Eigen::Index n, Eigen::Index frames, int lags,
                       int seeds) {
  double hits = 0, joint = 0, uncorrected = 0, count = 0;
  for (int s = 0; s < seeds; ++s) {
    const sbtg::Recording rec = sbtg::testing::MakeRecording(
        {sbtg::testing::SimulateIndependentAr1(n, 0.95, frames, 9000 + static_cast<unsigned>(s))});
    sbtg::BaselineOptions o;
    o.lags = lags;
    const auto fit = sbtg::FitBaseline(rec, method, o);
    REQUIRE_MESSAGE(fit.ok(), fit.status().ToString());
    for (const auto& lag : fit->lags) {
      double unused = 0;
      hits += ShareBelow(lag.p, 0.05, count);
      if (lag.extra.count("p_joint")) joint += ShareBelow(lag.extra.at("p_joint"), 0.05, unused);
      if (lag.extra.count("p_uncorrected")) {
        uncorrected += ShareBelow(lag.extra.at("p_uncorrected"), 0.05, unused);
      }
    }
  }
  return {hits / count, joint / count, uncorrected / count};
}

// Tolerance for a pooled share: 3.5 standard deviations of the pooled mean plus an allowance for
// the method's measured finite-sample bias (0.005 unless stated). The per-seed standard deviations
// were measured over 200–400 seeds of exactly these designs (they exceed the binomial value because
// pairs sharing a neuron are dependent and Pearson's lag-1 and lag-2 correlations of slow neurons
// nearly coincide).
double Tolerance(double per_seed_sd, int seeds, double bias = 0.005) {
  return bias + 3.5 * per_seed_sd / std::sqrt(static_cast<double>(seeds));
}

}  // namespace

TEST_SUITE("Baselines") {
  TEST_CASE("Baselines.NullCalibrationLagOne") {
    // n = 10, T = 4000, P = 1, φ = 0.95. Measured over 400 seeds: per-seed SD 0.032 (pearson) and
    // 0.025 (regressions; 90 pairs, binomial 0.023); mean shares pearson 0.051, var 0.058, granger
    // 0.056, granger_pairwise 0.052, uncorrected pearson 0.66. The conditional regressions' level
    // test is mildly inflated with persistent regressors (docs/baselines-methods.md): bias 0.01.
    const int seeds = sbtg::testing::SmallScale() ? 8 : 24;
    for (auto method : {BaselineMethod::kPearson, BaselineMethod::kVar, BaselineMethod::kGranger,
                        BaselineMethod::kGrangerPairwise}) {
      CAPTURE(sbtg::ToString(method));
      const NullShares s = MeasureNull(method, 10, 4000, 1, seeds);
      const bool conditional = method == BaselineMethod::kVar || method == BaselineMethod::kGranger;
      const double tol = Tolerance(method == BaselineMethod::kPearson ? 0.032 : 0.025, seeds,
                                   conditional ? 0.01 : 0.005);
      MESSAGE(sbtg::ToString(method) << " P=1 null p<0.05 share " << s.per_lag);
      CHECK(std::abs(s.per_lag - 0.05) <= tol);
      if (method == BaselineMethod::kPearson) {
        // Without the effective-sample-size correction the t-test is wildly anti-conservative.
        CHECK(s.uncorrected > 0.4);
      }
    }
  }

  TEST_CASE("Baselines.NullCalibrationLagTwo") {
    // n = 20, T = 3000, P = 2, φ = 0.95, shares pooled over both lags. Measured over 200 seeds:
    // per-seed SD 0.016 (pearson) and 0.010 (regressions); means pearson 0.050, var 0.050, granger
    // 0.050, granger_pairwise 0.049 (joint 0.051). Granger's conditional joint test is inflated
    // (0.061): it tests the persistent "level" of the source given 40 persistent regressors, the
    // failure mode documented in docs/baselines-methods.md, so it gets a looser bound.
    const int seeds = sbtg::testing::SmallScale() ? 3 : 8;
    for (auto method : {BaselineMethod::kPearson, BaselineMethod::kVar, BaselineMethod::kGranger,
                        BaselineMethod::kGrangerPairwise}) {
      CAPTURE(sbtg::ToString(method));
      const NullShares s = MeasureNull(method, 20, 3000, 2, seeds);
      const double tol = Tolerance(method == BaselineMethod::kPearson ? 0.016 : 0.010, seeds);
      MESSAGE(sbtg::ToString(method)
              << " P=2 null p<0.05 share " << s.per_lag << " joint " << s.joint);
      CHECK(std::abs(s.per_lag - 0.05) <= tol);
      if (method == BaselineMethod::kGrangerPairwise) CHECK(std::abs(s.joint - 0.05) <= tol);
      if (method == BaselineMethod::kGranger) CHECK(std::abs(s.joint - 0.061) <= tol);
      if (method == BaselineMethod::kPearson) CHECK(s.uncorrected > 0.4);
    }
  }

  TEST_CASE("Baselines.PearsonAcfTruncationFollowsData") {
    // The truncation lag K is where |ρ̂(k)| first drops below 2/√T (for the slowest neuron):
    // for AR(1) with φ = 0.9 and T = 20000 that is ln(0.0141)/ln(0.9) ≈ 40, for φ = 0.5 about 6.
    auto k_for = [](double phi) {
      const sbtg::Recording rec =
          sbtg::testing::MakeRecording({sbtg::testing::SimulateIndependentAr1(3, phi, 20000, 21)});
      const auto fit = sbtg::FitBaseline(rec, BaselineMethod::kPearson, {});
      REQUIRE(fit.ok());
      return fit->settings.at("acf_lags").get<int>();
    };
    const int slow = k_for(0.9);
    const int fast = k_for(0.5);
    CHECK(slow >= 30);
    CHECK(slow <= 80);
    CHECK(fast >= 4);
    CHECK(fast <= 20);
  }
}

// Exact-value checks of the baselines against plainly written reference computations (small n,
// per-pair loops), orientation/sign, segment boundaries, options and result metadata.
#include "sbtg/baselines.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <string>

#include "sbtg/distributions.hpp"
#include "tests/baselines/baselines_test_util.hpp"

namespace {

using sbtg::BaselineMethod;
using sbtg::testing::BuildHandWindows;
using sbtg::testing::FitOls;
using sbtg::testing::MakeRecording;

// Relative closeness that also works for tiny p-values (doctest::Approx is absolute near 0).
bool Close(double a, double b, double rel = 1e-7) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= rel * std::max(std::abs(a), std::abs(b)) + 1e-300;
}

sbtg::FitResult Fit(const sbtg::Recording& rec, BaselineMethod method, int lags,
                    double ridge = 1e-3, bool standardize = true) {
  sbtg::BaselineOptions o;
  o.lags = lags;
  o.ridge = ridge;
  o.standardize = standardize;
  auto r = sbtg::FitBaseline(rec, method, o);
  REQUIRE_MESSAGE(r.ok(), r.status().ToString());
  return std::move(r).value();
}

// Four coupled neurons with different autocorrelations, in two segments.
sbtg::Recording CoupledRecording(Eigen::Index frames_a, Eigen::Index frames_b) {
  Eigen::MatrixXd a(4, 4);
  a << 0.9, 0, 0, 0,      //
      0.3, 0.6, 0, 0,     //
      0, -0.3, 0.8, 0.1,  //
      0.1, 0, 0, 0.3;
  return MakeRecording(
      {sbtg::testing::SimulateVar1(a, frames_a, 11), sbtg::testing::SimulateVar1(a, frames_b, 12)});
}

// Past design [x_{t−1}, …, x_{t−P}] from hand-built windows; column (r−1)·n + i.
Eigen::MatrixXd HandDesign(const sbtg::testing::HandWindows& w, int lags) {
  const Eigen::Index n = w.lagged[0].cols();
  Eigen::MatrixXd z(w.lagged[0].rows(), n * lags);
  for (int r = 1; r <= lags; ++r) z.middleCols((r - 1) * n, n) = w.lagged[static_cast<size_t>(r)];
  return z;
}

std::vector<Eigen::Index> AllBut(Eigen::Index count, const std::vector<Eigen::Index>& drop) {
  std::vector<Eigen::Index> keep;
  for (Eigen::Index k = 0; k < count; ++k) {
    if (std::find(drop.begin(), drop.end(), k) == drop.end()) keep.push_back(k);
  }
  return keep;
}

double SignedGc(double beta, double rss_restricted, double rss_full) {
  return (beta > 0 ? 1.0 : -1.0) * std::log(rss_restricted / rss_full);
}

}  // namespace

TEST_SUITE("Baselines") {
  TEST_CASE("Baselines.ParsesMethodNames") {
    for (auto m : {BaselineMethod::kPearson, BaselineMethod::kVar, BaselineMethod::kGranger,
                   BaselineMethod::kGrangerPairwise}) {
      auto parsed = sbtg::ParseBaselineMethod(sbtg::ToString(m));
      REQUIRE(parsed.ok());
      CHECK(*parsed == m);
    }
    CHECK(sbtg::ParseBaselineMethod("Granger_Pairwise").ok());
    const auto bad = sbtg::ParseBaselineMethod("lasso");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message().find("lasso") != std::string::npos);
    CHECK(bad.status().message().find("granger_pairwise") != std::string::npos);
  }

  TEST_CASE("Baselines.PearsonMatchesHandFormula") {
    const sbtg::Recording rec = CoupledRecording(300, 250);
    const int lags = 2;
    const sbtg::FitResult fit = Fit(rec, BaselineMethod::kPearson, lags);
    const auto w = BuildHandWindows(rec, lags);
    const Eigen::Index n = rec.n();
    const auto big_n = static_cast<double>(w.lagged[0].rows());
    REQUIRE(fit.windows == w.lagged[0].rows());
    // Pooled-mean autocorrelations within segments, summed up to the reported K.
    const int k_max = fit.settings.at("acf_lags").get<int>();
    CHECK(k_max >= 5);
    CHECK(k_max <= 60);
    Eigen::MatrixXd rho(k_max, n);
    for (Eigen::Index j = 0; j < n; ++j) {
      double mean = 0, count = 0;
      for (const auto& s : rec.segments) {
        mean += s.x.col(j).sum();
        count += static_cast<double>(s.x.rows());
      }
      mean /= count;
      double var = 0;
      for (const auto& s : rec.segments) var += (s.x.col(j).array() - mean).square().sum();
      for (int k = 1; k <= k_max; ++k) {
        double acc = 0;
        for (const auto& s : rec.segments) {
          for (Eigen::Index t = 0; t + k < s.x.rows(); ++t)
            acc += (s.x(t, j) - mean) * (s.x(t + k, j) - mean);
        }
        rho(k - 1, j) = acc / var;
      }
    }
    for (int r = 1; r <= lags; ++r) {
      const auto& lag = fit.lags[static_cast<size_t>(r - 1)];
      CHECK(lag.lag == r);
      for (Eigen::Index j = 0; j < n; ++j) {
        for (Eigen::Index i = 0; i < n; ++i) {
          Eigen::VectorXd y = w.lagged[0].col(j).array() - w.lagged[0].col(j).mean();
          Eigen::VectorXd x = w.lagged[static_cast<size_t>(r)].col(i).array() -
                              w.lagged[static_cast<size_t>(r)].col(i).mean();
          const double corr = y.dot(x) / std::sqrt(y.squaredNorm() * x.squaredNorm());
          CHECK(Close(lag.effect(j, i), corr, 1e-10));
          if (i == j) {
            CHECK(std::isnan(lag.p(j, i)));
            CHECK(std::isnan(lag.q(j, i)));
            continue;
          }
          double sum = 0;
          for (int k = 0; k < k_max; ++k) sum += rho(k, i) * rho(k, j);
          const double n_eff = std::max(3.0, big_n / std::max(1.0, 1.0 + 2.0 * sum));
          CHECK(Close(lag.extra.at("n_eff")(j, i), n_eff, 1e-8));
          const double t = corr * std::sqrt((n_eff - 2) / (1 - corr * corr));
          CHECK(Close(lag.p(j, i), sbtg::StudentTwoSidedP(t, n_eff - 2), 1e-6));
          const double t_raw = corr * std::sqrt((big_n - 2) / (1 - corr * corr));
          CHECK(Close(lag.extra.at("p_uncorrected")(j, i), sbtg::StudentTwoSidedP(t_raw, big_n - 2),
                      1e-6));
        }
      }
    }
  }

  TEST_CASE("Baselines.VarWithoutRidgeIsOls") {
    const sbtg::Recording rec = CoupledRecording(200, 150);
    const int lags = 2;
    const sbtg::FitResult fit =
        Fit(rec, BaselineMethod::kVar, lags, /*ridge=*/0.0, /*standardize=*/false);
    const auto w = BuildHandWindows(rec, lags);
    const Eigen::MatrixXd z = HandDesign(w, lags);
    const Eigen::Index n = rec.n();
    const double df = static_cast<double>(z.rows() - z.cols() - 1);
    for (Eigen::Index j = 0; j < n; ++j) {
      const auto ols = FitOls(w.lagged[0].col(j), z);
      const double sigma2 = ols.rss / df;
      for (int r = 1; r <= lags; ++r) {
        for (Eigen::Index i = 0; i < n; ++i) {
          const Eigen::Index c = (r - 1) * n + i;
          const auto& lag = fit.lags[static_cast<size_t>(r - 1)];
          CHECK(Close(lag.effect(j, i), ols.beta[c], 1e-8));
          const double t = ols.beta[c] / std::sqrt(sigma2 * ols.inv_diag[c]);
          CHECK(Close(lag.p(j, i), sbtg::StudentTwoSidedP(t, df), 1e-6));
        }
      }
    }
  }

  TEST_CASE("Baselines.VarRidgeMatchesSandwichFormula") {
    const sbtg::Recording rec = CoupledRecording(150, 0);
    const int lags = 1;
    const double ridge = 0.05;
    const sbtg::FitResult fit = Fit(rec, BaselineMethod::kVar, lags, ridge, /*standardize=*/false);
    const auto w = BuildHandWindows(rec, lags);
    Eigen::MatrixXd x = HandDesign(w, lags);
    x.rowwise() -= x.colwise().mean();
    const Eigen::MatrixXd g = x.transpose() * x;
    const double lambda = ridge * g.trace() / static_cast<double>(g.rows());
    const Eigen::MatrixXd h =
        (g + lambda * Eigen::MatrixXd::Identity(g.rows(), g.cols())).inverse();
    const Eigen::MatrixXd sandwich = h * g * h;
    const double df = static_cast<double>(x.rows() - x.cols() - 1);
    CHECK(fit.settings.at("ridge_lambda").get<double>() == doctest::Approx(lambda));
    for (Eigen::Index j = 0; j < rec.n(); ++j) {
      const Eigen::VectorXd y = w.lagged[0].col(j).array() - w.lagged[0].col(j).mean();
      const Eigen::VectorXd beta = h * x.transpose() * y;
      const double sigma2 = (y - x * beta).squaredNorm() / df;
      for (Eigen::Index i = 0; i < rec.n(); ++i) {
        CHECK(Close(fit.lags[0].effect(j, i), beta[i], 1e-9));
        const double t = beta[i] / std::sqrt(sigma2 * sandwich(i, i));
        CHECK(Close(fit.lags[0].p(j, i), sbtg::StudentTwoSidedP(t, df), 1e-6));
      }
    }
  }

  TEST_CASE("Baselines.GrangerMatchesExplicitRegressions") {
    const sbtg::Recording rec = CoupledRecording(220, 180);
    const int lags = 2;
    const sbtg::FitResult fit = Fit(rec, BaselineMethod::kGranger, lags);
    const auto w = BuildHandWindows(rec, lags);
    const Eigen::MatrixXd z = HandDesign(w, lags);
    const Eigen::Index n = rec.n();
    const Eigen::Index cols = z.cols();
    const double df = static_cast<double>(z.rows() - cols - 1);
    for (Eigen::Index j = 0; j < n; ++j) {
      const Eigen::VectorXd y = w.lagged[0].col(j);
      const auto full = FitOls(y, z);
      for (Eigen::Index i = 0; i < n; ++i) {
        std::vector<Eigen::Index> source_cols;
        for (int r = 1; r <= lags; ++r) source_cols.push_back((r - 1) * n + i);
        const auto joint = FitOls(y, sbtg::testing::Columns(z, AllBut(cols, source_cols)));
        const double f_joint = (joint.rss - full.rss) / lags / (full.rss / df);
        for (int r = 1; r <= lags; ++r) {
          const Eigen::Index c = (r - 1) * n + i;
          const auto restricted = FitOls(y, sbtg::testing::Columns(z, AllBut(cols, {c})));
          const double f = (restricted.rss - full.rss) / (full.rss / df);
          const auto& lag = fit.lags[static_cast<size_t>(r - 1)];
          CHECK(Close(lag.p(j, i), sbtg::FisherUpperP(f, 1, df), 1e-6));
          CHECK(Close(lag.effect(j, i), SignedGc(full.beta[c], restricted.rss, full.rss), 1e-6));
          CHECK(Close(lag.extra.at("p_joint")(j, i), sbtg::FisherUpperP(f_joint, lags, df), 1e-6));
          CHECK(Close(lag.extra.at("gc_joint")(j, i), std::log(joint.rss / full.rss), 1e-6));
        }
      }
    }
  }

  TEST_CASE("Baselines.PairwiseGrangerMatchesExplicitRegressions") {
    const sbtg::Recording rec = CoupledRecording(220, 180);
    for (int lags : {1, 2, 3}) {
      CAPTURE(lags);
      const sbtg::FitResult fit = Fit(rec, BaselineMethod::kGrangerPairwise, lags);
      const auto w = BuildHandWindows(rec, lags);
      const Eigen::MatrixXd z = HandDesign(w, lags);
      const Eigen::Index n = rec.n();
      const auto rows = static_cast<double>(z.rows());
      for (Eigen::Index j = 0; j < n; ++j) {
        const Eigen::VectorXd y = w.lagged[0].col(j);
        std::vector<Eigen::Index> own;
        for (int r = 1; r <= lags; ++r) own.push_back((r - 1) * n + j);
        const auto own_fit = FitOls(y, sbtg::testing::Columns(z, own));
        const double tss = (y.array() - y.mean()).matrix().squaredNorm();
        for (Eigen::Index i = 0; i < n; ++i) {
          CAPTURE(j);
          CAPTURE(i);
          // Off-diagonal: [own lags, source lags] vs own lags. Diagonal: own lags vs intercept.
          std::vector<Eigen::Index> cols = own;
          std::vector<Eigen::Index> tested;
          if (i != j) {
            for (int r = 1; r <= lags; ++r) tested.push_back((r - 1) * n + i);
            cols.insert(cols.end(), tested.begin(), tested.end());
          } else {
            tested = own;
          }
          const auto full = FitOls(y, sbtg::testing::Columns(z, cols));
          const double rss_restricted = i != j ? own_fit.rss : tss;
          const double df = rows - static_cast<double>(cols.size()) - 1;
          const double f_joint = (rss_restricted - full.rss) / lags / (full.rss / df);
          for (int r = 1; r <= lags; ++r) {
            std::vector<Eigen::Index> drop_one = cols;
            drop_one.erase(
                std::find(drop_one.begin(), drop_one.end(), tested[static_cast<size_t>(r - 1)]));
            const auto restricted = FitOls(y, sbtg::testing::Columns(z, drop_one));
            const double f = (restricted.rss - full.rss) / (full.rss / df);
            const double beta =
                full.beta[static_cast<Eigen::Index>(cols.size() - tested.size()) + r - 1];
            const auto& lag = fit.lags[static_cast<size_t>(r - 1)];
            CHECK(Close(lag.p(j, i), sbtg::FisherUpperP(f, 1, df), 1e-6));
            CHECK(Close(lag.effect(j, i), SignedGc(beta, restricted.rss, full.rss), 1e-6));
            CHECK(
                Close(lag.extra.at("p_joint")(j, i), sbtg::FisherUpperP(f_joint, lags, df), 1e-6));
            CHECK(Close(lag.extra.at("gc_joint")(j, i), std::log(rss_restricted / full.rss), 1e-6));
          }
        }
      }
    }
  }

  TEST_CASE("Baselines.OrientationAndSign") {
    // One excitatory edge 0 → 1 and one inhibitory edge 1 → 2, [target, source].
    Eigen::MatrixXd a(3, 3);
    a << 0.5, 0, 0,   //
        0.4, 0.5, 0,  //
        0, -0.4, 0.5;
    const sbtg::Recording rec = MakeRecording({sbtg::testing::SimulateVar1(a, 3000, 7)});
    for (auto method : {BaselineMethod::kPearson, BaselineMethod::kVar, BaselineMethod::kGranger,
                        BaselineMethod::kGrangerPairwise}) {
      CAPTURE(sbtg::ToString(method));
      const sbtg::FitResult fit = Fit(rec, method, 1);
      const auto& lag = fit.lags[0];
      CHECK(lag.effect(1, 0) > 0);
      CHECK(lag.selected(1, 0) == 1);
      CHECK(lag.effect(2, 1) < 0);
      CHECK(lag.selected(2, 1) == -1);
      // The reverse directions carry no lag-1 coupling in the conditional regressions.
      if (method == BaselineMethod::kVar || method == BaselineMethod::kGranger) {
        CHECK(lag.selected(0, 1) == 0);
        CHECK(lag.selected(1, 2) == 0);
        CHECK(lag.selected(2, 0) == 0);
      }
    }
  }

  TEST_CASE("Baselines.NeverCrossesSegments") {
    // Segment A ends with a spike in neuron 0 and segment B starts with one in neuron 1: only a
    // window spanning the boundary pairs them, which would fake a strong 0 → 1 lag-1 edge.
    Eigen::MatrixXd seg_a = sbtg::testing::SimulateIndependentAr1(2, 0.5, 60, 3);
    Eigen::MatrixXd seg_b = sbtg::testing::SimulateIndependentAr1(2, 0.5, 60, 4);
    seg_a(seg_a.rows() - 1, 0) = 50;
    seg_b(0, 1) = 50;
    Eigen::MatrixXd joined(120, 2);
    joined << seg_a, seg_b;
    const sbtg::Recording split = MakeRecording({seg_a, seg_b});
    const sbtg::Recording crossed = MakeRecording({joined});
    for (auto method : {BaselineMethod::kPearson, BaselineMethod::kVar, BaselineMethod::kGranger,
                        BaselineMethod::kGrangerPairwise}) {
      CAPTURE(sbtg::ToString(method));
      const sbtg::FitResult a = Fit(split, method, 1);
      const sbtg::FitResult b = Fit(crossed, method, 1);
      CHECK(a.windows == 118);
      CHECK(a.segments == 2);
      CHECK(b.windows == 119);
      CHECK(std::abs(a.lags[0].effect(1, 0)) < 0.3);
      CHECK(b.lags[0].effect(1, 0) > 0.5);
    }
  }

  TEST_CASE("Baselines.RejectsBadOptionsAndData") {
    const sbtg::Recording rec = CoupledRecording(100, 0);
    auto fails_with = [&](const sbtg::Recording& r, sbtg::BaselineOptions o,
                          const std::string& word) {
      const auto res = sbtg::FitBaseline(r, BaselineMethod::kVar, o);
      REQUIRE_FALSE(res.ok());
      CHECK(res.status().code() == sbtg::Status::Code::kInvalidArgument);
      CHECK_MESSAGE(res.status().message().find(word) != std::string::npos, res.status().message());
    };
    sbtg::BaselineOptions o;
    o.lags = 0;
    fails_with(rec, o, "lags");
    o = {};
    o.alpha = 0;
    fails_with(rec, o, "alpha");
    o.alpha = 1;
    fails_with(rec, o, "alpha");
    o.alpha = 1.5;
    fails_with(rec, o, "alpha");
    o = {};
    o.ridge = -1;
    fails_with(rec, o, "ridge");
    o = {};
    o.lags = 30;  // 4·30 + 2 > 70 windows
    fails_with(rec, o, "windows");
    sbtg::Recording constant = rec;
    constant.segments[0].x.col(2).setConstant(1.5);
    fails_with(constant, {}, "n002");
    sbtg::Recording nan = rec;
    nan.segments[0].x(5, 1) = std::nan("");
    fails_with(nan, {}, "NaN");
  }

  TEST_CASE("Baselines.ResultMetadata") {
    sbtg::Recording rec = CoupledRecording(200, 100);
    rec.frame_period = 0.5;
    sbtg::BaselineOptions o;
    o.lags = 2;
    o.fdr = sbtg::FdrMethod::kBY;
    o.alpha = 0.05;
    const auto res = sbtg::FitBaseline(rec, BaselineMethod::kGranger, o);
    REQUIRE(res.ok());
    const sbtg::FitResult& fit = *res;
    CHECK(fit.method == "granger");
    CHECK(fit.names == rec.names);
    CHECK(fit.frame_period == 0.5);
    CHECK(fit.frames == 300);
    CHECK(fit.segments == 2);
    CHECK(fit.windows == 296);
    REQUIRE(fit.lags.size() == 2);
    CHECK(fit.settings.at("fdr") == "by");
    CHECK(fit.settings.at("alpha").get<double>() == 0.05);
    CHECK(fit.settings.at("lags") == 2);
    CHECK(fit.settings.contains("ridge"));
    CHECK(fit.settings.at("standardize") == true);
    CHECK(fit.timings.at("total").get<double>() >= 0);
    for (const auto& lag : fit.lags) {
      const Eigen::MatrixXd q = sbtg::AdjustOffDiagonal(lag.p, sbtg::FdrMethod::kBY);
      for (Eigen::Index j = 0; j < 4; ++j) {
        for (Eigen::Index i = 0; i < 4; ++i) CHECK(Close(lag.q(j, i), q(j, i), 1e-12));
      }
      CHECK(lag.selected == sbtg::SelectEdges(lag.effect, lag.q, 0.05));
      const auto& counts = fit.counts.at("per_lag").at(std::to_string(lag.lag));
      CHECK(counts.at("selected").get<long>() == (lag.selected.array() != 0).count());
      CHECK(counts.at("excitatory").get<long>() == (lag.selected.array() > 0).count());
      CHECK(counts.at("tested").get<long>() == 12);
      CHECK(fit.counts.at("untestable_per_lag").at(std::to_string(lag.lag)).get<long>() == 0);
      CHECK(lag.p.diagonal().allFinite());  // self-lag tests are defined for regressions
    }
    // P = 1: the joint test of one lag is the per-lag test.
    const auto one = sbtg::FitBaseline(rec, BaselineMethod::kGranger, {});
    REQUIRE(one.ok());
    for (Eigen::Index j = 0; j < 4; ++j) {
      for (Eigen::Index i = 0; i < 4; ++i) {
        CHECK(Close(one->lags[0].extra.at("p_joint")(j, i), one->lags[0].p(j, i), 1e-9));
      }
    }
  }
}

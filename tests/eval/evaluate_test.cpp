#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "sbtg/eval.hpp"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Three neurons A, B, C; every matrix is [target, source].
// Truth at lag 1 (edges C→A 0.5, A→B 1.0, B→C −0.7):
//   target A: (diag, B→A undefined (NaN), C→A 0.5)
//   target B: (A→B 1.0, diag, C→B 0)
//   target C: (A→C 0, B→C −0.7, diag)
// Evaluated pairs (off-diagonal, defined): C→A, A→B, C→B, A→C, B→C = 5; positives 3, negatives 2.
sbtg::Truth TinyTruth() {
  sbtg::Truth truth;
  truth.names = {"A", "B", "C"};
  Eigen::MatrixXd t(3, 3);
  t << 0, kNaN, 0.5,  //
      1.0, 0, 0,      //
      0, -0.7, 0;
  truth.lags = {t};
  truth.description = "tiny";
  return truth;
}

// Diagonal entries (9, 99, ...) and the undefined pair B→A are extreme on purpose: if they were
// evaluated, every metric below would change.
sbtg::FitResult TinyResult() {
  sbtg::FitResult r;
  r.method = "test";
  r.names = {"A", "B", "C"};
  sbtg::LagResult lag;
  lag.lag = 1;
  lag.effect.resize(3, 3);
  lag.effect << 9.0, 5.0, 0.4,  //
      0.8, 99.0, 0.1,           //
      -0.5, 0.6, 0.0;
  lag.p.resize(3, 3);
  lag.p << 0.0, 0.001, 0.02,  //
      0.0, 0.5, 0.04,         //
      0.5, 0.008, 0.9;
  lag.selected.resize(3, 3);
  lag.selected << 0, 1, 1,  //
      1, 0, 1,              //
      0, 1, 0;
  r.lags.push_back(lag);
  sbtg::LagResult lag2 = lag;  // lag 2: the truth has no lag-2 edges
  lag2.lag = 2;
  r.lags.push_back(lag2);
  return r;
}

}  // namespace

TEST_SUITE("Eval") {
  TEST_CASE("Eval.TinyResultHandComputed") {
    const auto report = sbtg::Evaluate(TinyResult(), TinyTruth());
    REQUIRE(report.ok());
    REQUIRE(report->lags.size() == 2);
    const sbtg::LagMetrics& m = report->lags[0];
    CHECK(m.lag == 1);
    CHECK(m.pairs == 5);
    CHECK(m.positives == 3);
    // |effect|: positives C→A 0.4, A→B 0.8, B→C 0.6; negatives C→B 0.1, A→C 0.5.
    // Pairs won: 0.4 beats 0.1 only (1 of 2), 0.8 and 0.6 beat both → 5/6.
    CHECK(m.auroc_effect == doctest::Approx(5.0 / 6.0));
    // Descending 0.8 p (R 1/3, P 1), 0.6 p (R 2/3, P 1), 0.5 n, 0.4 p (R 1, P 3/4), 0.1 n:
    // AP = 1/3 + 1/3 + 1/3·3/4 = 11/12.
    CHECK(m.auprc_effect == doctest::Approx(11.0 / 12.0));
    // −log p: positives 0.02, 0 (→ +inf), 0.008; negatives 0.04, 0.5: every positive ranks higher.
    CHECK(m.auroc_logp == doctest::Approx(1.0));
    CHECK(m.auprc_logp == doctest::Approx(1.0));
    // Selected among evaluated pairs: C→A, A→B, C→B, B→C = 4 (B→A is undefined, not counted);
    // true: C→A, A→B, B→C = 3. Precision 3/4, recall 3/3, F1 = 2·3/(4+3) = 6/7, FDR 1/4.
    CHECK(m.selected == 4);
    CHECK(m.true_selected == 3);
    CHECK(m.precision == doctest::Approx(0.75));
    CHECK(m.recall == doctest::Approx(1.0));
    CHECK(m.f1 == doctest::Approx(6.0 / 7.0));
    CHECK(m.realized_fdr == doctest::Approx(0.25));
    // Sign on true edges: C→A (+0.4 vs +0.5) ok, A→B (+0.8 vs +1) ok, B→C (+0.6 vs −0.7) wrong →
    // 2/3.
    CHECK(m.sign_evaluated == 3);
    CHECK(m.sign_accuracy == doctest::Approx(2.0 / 3.0));
    // p over the 5 pairs: 0.02, 0, 0.04, 0.5, 0.008 → p < .05: 4/5; p < .01: 2/5.
    CHECK(m.p_defined == 5);
    CHECK(m.frac_p05 == doctest::Approx(0.8));
    CHECK(m.frac_p01 == doctest::Approx(0.4));
  }

  TEST_CASE("Eval.LagWithoutTruthEdges") {
    // Lag 2 is beyond the truth's lags: zeros, i.e. no edges. Rank metrics and recall are
    // undefined; every selected pair is a false discovery (FDR 5/5).
    const auto report = sbtg::Evaluate(TinyResult(), TinyTruth());
    REQUIRE(report.ok());
    const sbtg::LagMetrics& m = report->lags[1];
    CHECK(m.lag == 2);
    CHECK(m.pairs == 6);  // all off-diagonal pairs are defined (zeros)
    CHECK(m.positives == 0);
    CHECK(std::isnan(m.auroc_effect));
    CHECK(std::isnan(m.auprc_effect));
    CHECK(std::isnan(m.recall));
    CHECK(m.selected == 5);
    CHECK(m.precision == doctest::Approx(0.0));
    CHECK(m.realized_fdr == doctest::Approx(1.0));
    CHECK(m.f1 == doctest::Approx(0.0));
  }

  TEST_CASE("Eval.NothingSelectedAndMissingMatrices") {
    sbtg::FitResult r = TinyResult();
    r.lags.resize(1);
    r.lags[0].selected.setZero();
    auto report = sbtg::Evaluate(r, TinyTruth());
    REQUIRE(report.ok());
    CHECK(report->lags[0].selected == 0);
    CHECK(report->lags[0].realized_fdr == 0.0);  // V / max(R, 1)
    CHECK(std::isnan(report->lags[0].precision));
    CHECK(report->lags[0].f1 == 0.0);  // edges exist, none found
    // A method without p-values or a selected set: those metrics are n/a, the rest still computed.
    r.lags[0].p.resize(0, 0);
    r.lags[0].selected.resize(0, 0);
    report = sbtg::Evaluate(r, TinyTruth());
    REQUIRE(report.ok());
    CHECK(std::isnan(report->lags[0].auroc_logp));
    CHECK(std::isnan(report->lags[0].frac_p05));
    CHECK(std::isnan(report->lags[0].realized_fdr));
    CHECK(report->lags[0].auroc_effect == doctest::Approx(5.0 / 6.0));
  }

  TEST_CASE("Eval.NaNPValuesLeaveTheCalibrationDenominator") {
    sbtg::FitResult r = TinyResult();
    r.lags.resize(1);
    r.lags[0].p(0, 2) = kNaN;  // C→A
    const auto report = sbtg::Evaluate(r, TinyTruth());
    REQUIRE(report.ok());
    // Remaining p: 0, 0.04, 0.5, 0.008 → 3/4 below 0.05, 2/4 below 0.01.
    CHECK(report->lags[0].p_defined == 4);
    CHECK(report->lags[0].frac_p05 == doctest::Approx(0.75));
    CHECK(report->lags[0].frac_p01 == doctest::Approx(0.5));
  }

  TEST_CASE("Eval.UnsignedTruthHasNoSignAccuracy") {
    sbtg::Truth truth = TinyTruth();
    truth.signed_truth = false;
    const auto report = sbtg::Evaluate(TinyResult(), truth);
    REQUIRE(report.ok());
    CHECK(std::isnan(report->lags[0].sign_accuracy));
    CHECK(report->lags[0].sign_evaluated == 0);
  }

  TEST_CASE("Eval.AnyLagTruthAppliesToEveryLag") {
    sbtg::Truth truth = TinyTruth();
    truth.any_lag = truth.lags[0];
    truth.lags.clear();
    const auto report = sbtg::Evaluate(TinyResult(), truth);
    REQUIRE(report.ok());
    CHECK(report->lags[1].positives == 3);
    CHECK(report->lags[1].auroc_effect == doctest::Approx(5.0 / 6.0));
    const Eigen::MatrixXd at7 = truth.AtLag(7, 3);
    const Eigen::MatrixXd& any = *truth.any_lag;
    CHECK((at7.array() == any.array() || (at7.array().isNaN() && any.array().isNaN())).all());
    CHECK(TinyTruth().AtLag(7, 3).isZero());  // no lag-7 truth and no lag-agnostic one: no edges
  }

  TEST_CASE("Eval.IncompatibleTruthIsAnError") {
    sbtg::Truth truth = TinyTruth();
    truth.names = {"A", "C", "B"};
    auto report = sbtg::Evaluate(TinyResult(), truth);
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().message().find("neuron 1 is 'B' in the result but 'C'") !=
          std::string::npos);
    truth.names = {"A", "B"};
    report = sbtg::Evaluate(TinyResult(), truth);
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().message().find("2 neurons") != std::string::npos);
    truth = TinyTruth();
    truth.lags[0] = Eigen::MatrixXd::Zero(2, 2);
    CHECK_FALSE(sbtg::Evaluate(TinyResult(), truth).ok());
    sbtg::FitResult r = TinyResult();
    r.lags[1].p = Eigen::MatrixXd::Zero(3, 2);
    report = sbtg::Evaluate(r, TinyTruth());
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().message().find("lag 2: p is 3x2") != std::string::npos);
  }

  TEST_CASE("Eval.ReportJsonAndTable") {
    const auto report = sbtg::Evaluate(TinyResult(), TinyTruth());
    REQUIRE(report.ok());
    const nlohmann::json j = report->ToJson();
    CHECK(j["schema"] == "sbtg.eval/1");
    CHECK(j["method"] == "test");
    CHECK(j["lags"].size() == 2);
    CHECK(j["lags"][0]["auroc_effect"].get<double>() == doctest::Approx(5.0 / 6.0));
    CHECK(j["lags"][0]["prevalence"].get<double>() == doctest::Approx(0.6));
    CHECK(j["lags"][1]["auroc_effect"].is_null());  // undefined → null, never NaN in JSON
    CHECK(j.dump().find("NaN") == std::string::npos);
    const std::string table = report->ToTable();
    CHECK(table.find("n/a") != std::string::npos);
    CHECK(table.find("0.833") != std::string::npos);  // AUROC|e| of lag 1
    CHECK(table.find("\n    1 ") != std::string::npos);
    CHECK(table.find("\n    2 ") != std::string::npos);
  }

  TEST_CASE("Eval.NullResultIsChanceAndCalibrated") {
    // n = 60 → 3540 off-diagonal pairs, 10% true edges; effects and p-values independent of the
    // truth (uniform p). Expected: AUROC 1/2 with sd sqrt((P+N+1)/(12PN)) ≈ 0.016 (P = 354,
    // N = 3186); p < 0.05 share 0.05 with sd sqrt(0.05·0.95/3540) ≈ 0.0037. Tolerances are 4 sd.
    std::mt19937 rng(11);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    const Eigen::Index n = 60;
    sbtg::Truth truth;
    sbtg::FitResult r;
    for (Eigen::Index k = 0; k < n; ++k) r.names.push_back("N" + std::to_string(k));
    truth.names = r.names;
    Eigen::MatrixXd t(n, n), e(n, n), p(n, n);
    for (Eigen::Index k = 0; k < n * n; ++k) {
      t.data()[k] = u(rng) < 0.1 ? 1.0 : 0.0;
      e.data()[k] = u(rng) - 0.5;
      p.data()[k] = u(rng);
    }
    truth.lags = {t};
    sbtg::LagResult lag;
    lag.effect = e;
    lag.p = p;
    r.lags = {lag};
    const auto report = sbtg::Evaluate(r, truth);
    REQUIRE(report.ok());
    const sbtg::LagMetrics& m = report->lags[0];
    CHECK(m.pairs == 3540);
    CHECK(std::abs(m.auroc_effect - 0.5) < 0.064);
    CHECK(std::abs(m.auroc_logp - 0.5) < 0.064);
    CHECK(std::abs(m.frac_p05 - 0.05) < 0.015);
    CHECK(std::abs(m.frac_p01 - 0.01) < 0.007);  // sd sqrt(0.01·0.99/3540) ≈ 0.0017
  }
}

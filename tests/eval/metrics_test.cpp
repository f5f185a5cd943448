#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>

#include "sbtg/eval.hpp"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Eigen::VectorXd Scores(std::initializer_list<double> v) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index k = 0;
  for (double x : v) out[k++] = x;
  return out;
}

Eigen::VectorXi Labels(std::initializer_list<int> v) {
  Eigen::VectorXi out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index k = 0;
  for (int x : v) out[k++] = x;
  return out;
}

// Brute force over every positive/negative pair: 1 if the positive scores higher, 1/2 on a tie.
double AurocByPairs(const Eigen::VectorXd& s, const Eigen::VectorXi& y) {
  double wins = 0.0, pairs = 0.0;
  for (Eigen::Index a = 0; a < s.size(); ++a) {
    for (Eigen::Index b = 0; b < s.size(); ++b) {
      if (y[a] == 0 || y[b] != 0) continue;
      pairs += 1.0;
      wins += s[a] > s[b] ? 1.0 : (s[a] == s[b] ? 0.5 : 0.0);
    }
  }
  return wins / pairs;
}

}  // namespace

TEST_SUITE("Eval") {
  TEST_CASE("Eval.AurocAuprcPerfectAndInverted") {
    const Eigen::VectorXi y = Labels({1, 1, 0, 0});
    // Perfect: both positives above both negatives; every threshold has precision 1.
    CHECK(sbtg::Auroc(Scores({0.9, 0.8, 0.3, 0.1}), y) == doctest::Approx(1.0));
    CHECK(sbtg::Auprc(Scores({0.9, 0.8, 0.3, 0.1}), y) == doctest::Approx(1.0));
    // Inverted: scores (0.1, 0.2 | 0.8, 0.9). AUROC = 0 of 4 pairs won = 0.
    // AUPRC, descending 0.9(n) 0.8(n) 0.2(p) 0.1(p): recall steps at 0.2 (R 0→1/2, P = 1/3) and at
    // 0.1 (R 1/2→1, P = 2/4): AP = 1/2·1/3 + 1/2·1/2 = 5/12.
    CHECK(sbtg::Auroc(Scores({0.1, 0.2, 0.8, 0.9}), y) == doctest::Approx(0.0));
    CHECK(sbtg::Auprc(Scores({0.1, 0.2, 0.8, 0.9}), y) == doctest::Approx(5.0 / 12.0));
  }

  TEST_CASE("Eval.AurocAuprcTiesAreOneGroup") {
    // Scores (0.9 p, 0.5 p, 0.5 n, 0.2 n). AUROC pairs: 0.9>0.5 (1), 0.9>0.2 (1), 0.5=0.5 (1/2),
    // 0.5>0.2 (1) → 3.5/4 = 0.875.
    // AUPRC: threshold 0.9: TP 1, FP 0, R 1/2, P 1 → 1/2; threshold 0.5 (both tied entries at
    // once): TP 2, FP 1, R 1, P 2/3 → 1/2·2/3 = 1/3; threshold 0.2: R unchanged. AP = 5/6.
    // Processing the tied entries one by one in input order (positive first) would give P = 2/2 at
    // R = 1, AP = 1.
    const Eigen::VectorXi y = Labels({1, 1, 0, 0});
    CHECK(sbtg::Auroc(Scores({0.9, 0.5, 0.5, 0.2}), y) == doctest::Approx(0.875));
    CHECK(sbtg::Auprc(Scores({0.9, 0.5, 0.5, 0.2}), y) == doctest::Approx(5.0 / 6.0));
    // The same scores in other input orders: the 0.5 group still enters at once, AP = 5/6.
    CHECK(sbtg::Auprc(Scores({0.5, 0.9, 0.5, 0.2}), Labels({1, 1, 0, 0})) ==
          doctest::Approx(5.0 / 6.0));
    CHECK(sbtg::Auprc(Scores({0.5, 0.9, 0.5, 0.2}), Labels({0, 1, 1, 0})) ==
          doctest::Approx(5.0 / 6.0));
  }

  TEST_CASE("Eval.AllTiedIsChance") {
    // Every score equal: AUROC = 1/2 (all pairs tie); AUPRC = one group, R 0→1 at P = 1/4 =
    // prevalence.
    const Eigen::VectorXd s = Eigen::VectorXd::Constant(4, 0.5);
    CHECK(sbtg::Auroc(s, Labels({1, 0, 0, 0})) == doctest::Approx(0.5));
    CHECK(sbtg::Auprc(s, Labels({1, 0, 0, 0})) == doctest::Approx(0.25));
  }

  TEST_CASE("Eval.UndefinedRankMetricsAreNaN") {
    const Eigen::VectorXd s = Scores({0.3, 0.2, 0.1});
    CHECK(std::isnan(sbtg::Auroc(s, Labels({0, 0, 0}))));  // no positives
    CHECK(std::isnan(sbtg::Auprc(s, Labels({0, 0, 0}))));
    CHECK(std::isnan(sbtg::Auroc(s, Labels({1, 1, 1}))));  // no negatives
    // Without negatives precision is 1 at every threshold: AP = 1 is defined.
    CHECK(sbtg::Auprc(s, Labels({1, 1, 1})) == doctest::Approx(1.0));
    CHECK(std::isnan(sbtg::Auroc(Eigen::VectorXd(), Eigen::VectorXi())));
    CHECK_THROWS_AS((void)sbtg::Auroc(s, Labels({1, 0})), sbtg::SetupError);
  }

  TEST_CASE("Eval.NaNScoresRankLowestInfHighest") {
    // (NaN p, 0.3 n, 0.1 n): the NaN positive ranks below both negatives → AUROC 0;
    // AUPRC: only the last group (NaN) adds recall: R 0→1 at P = 1/3.
    const Eigen::VectorXi y = Labels({1, 0, 0});
    CHECK(sbtg::Auroc(Scores({kNaN, 0.3, 0.1}), y) == doctest::Approx(0.0));
    CHECK(sbtg::Auprc(Scores({kNaN, 0.3, 0.1}), y) == doctest::Approx(1.0 / 3.0));
    // (inf p, inf n, 1.0 n): inf = inf ties (1/2), inf > 1 (1) → 0.75; AUPRC: group inf TP 1 FP 1 →
    // 1/2.
    CHECK(sbtg::Auroc(Scores({kInf, kInf, 1.0}), y) == doctest::Approx(0.75));
    CHECK(sbtg::Auprc(Scores({kInf, kInf, 1.0}), y) == doctest::Approx(0.5));
  }

  TEST_CASE("Eval.AurocMatchesPairCountWithManyTies") {
    // Scores on a coarse grid (10 values for 300 items) force many ties; the mid-rank formula must
    // equal the brute-force pair count exactly (up to rounding).
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> grid(0, 9), coin(0, 3);
    Eigen::VectorXd s(300);
    Eigen::VectorXi y(300);
    for (Eigen::Index k = 0; k < 300; ++k) {
      y[k] = coin(rng) == 0 ? 1 : 0;
      s[k] = grid(rng) + (y[k] ? 2 : 0);
    }
    CHECK(sbtg::Auroc(s, y) == doctest::Approx(AurocByPairs(s, y)).epsilon(1e-12));
  }
}

#include <doctest/doctest.h>

#include <cmath>

#include "sbtg/multitest.hpp"

using sbtg::FdrMethod;

TEST_SUITE("MultiTest") {
  TEST_CASE("MultiTest.BenjaminiHochbergHandComputed") {
    // p = (0.01, 0.04, 0.03, 0.005), m = 4. Sorted ranks: 0.005→1, 0.01→2, 0.03→3, 0.04→4.
    // Raw m·p/rank = 0.02, 0.02, 0.04, 0.04; the step-up minimum leaves them unchanged.
    Eigen::VectorXd p(4);
    p << 0.01, 0.04, 0.03, 0.005;
    const Eigen::VectorXd q = sbtg::AdjustPValues(p, FdrMethod::kBH);
    CHECK(q[0] == doctest::Approx(0.02).epsilon(1e-12));
    CHECK(q[1] == doctest::Approx(0.04).epsilon(1e-12));
    CHECK(q[2] == doctest::Approx(0.04).epsilon(1e-12));
    CHECK(q[3] == doctest::Approx(0.02).epsilon(1e-12));
  }

  TEST_CASE("MultiTest.StepUpMinimumAndCap") {
    // p = (0.9, 0.8): raw 2·0.8/1 = 1.6 is capped to 1, then the running minimum from the top (0.9)
    // applies to it as well.
    Eigen::VectorXd p(2);
    p << 0.9, 0.8;
    const Eigen::VectorXd q = sbtg::AdjustPValues(p, FdrMethod::kBH);
    CHECK(q[0] == doctest::Approx(0.9));
    CHECK(q[1] == doctest::Approx(0.9));
    // p = (0.01, 0.02, 0.03, 0.5): raw 0.04, 0.04, 0.04, 0.5.
    Eigen::VectorXd p2(4);
    p2 << 0.5, 0.03, 0.01, 0.02;
    const Eigen::VectorXd q2 = sbtg::AdjustPValues(p2, FdrMethod::kBH);
    CHECK(q2[0] == doctest::Approx(0.5));
    CHECK(q2[1] == doctest::Approx(0.04));
    CHECK(q2[2] == doctest::Approx(0.04));
    CHECK(q2[3] == doctest::Approx(0.04));
  }

  TEST_CASE("MultiTest.BenjaminiYekutieliHandComputed") {
    // c(4) = 1 + 1/2 + 1/3 + 1/4 = 25/12; BY = min(1, c·BH) for this example.
    Eigen::VectorXd p(4);
    p << 0.01, 0.04, 0.03, 0.005;
    const Eigen::VectorXd q = sbtg::AdjustPValues(p, FdrMethod::kBY);
    CHECK(q[0] == doctest::Approx(0.02 * 25.0 / 12.0).epsilon(1e-12));
    CHECK(q[1] == doctest::Approx(0.04 * 25.0 / 12.0).epsilon(1e-12));
    CHECK(q[2] == doctest::Approx(0.04 * 25.0 / 12.0).epsilon(1e-12));
    CHECK(q[3] == doctest::Approx(0.02 * 25.0 / 12.0).epsilon(1e-12));
  }

  TEST_CASE("MultiTest.NanExcludedFromCount") {
    Eigen::VectorXd p(3);
    p << 0.01, std::nan(""), 0.02;
    const Eigen::VectorXd q = sbtg::AdjustPValues(p, FdrMethod::kBH);
    CHECK(std::isnan(q[1]));
    CHECK(q[0] == doctest::Approx(0.02));  // m = 2
    CHECK(q[2] == doctest::Approx(0.02));
  }

  TEST_CASE("MultiTest.OffDiagonalOnly") {
    // 2 × 2: only (1,0) and (0,1) are tested; m = 2.
    Eigen::MatrixXd p(2, 2);
    p << 1e-9, 0.01, 0.04, 1e-9;
    const Eigen::MatrixXd q = sbtg::AdjustOffDiagonal(p, FdrMethod::kBH);
    CHECK(std::isnan(q(0, 0)));
    CHECK(std::isnan(q(1, 1)));
    CHECK(q(0, 1) == doctest::Approx(0.02));
    CHECK(q(1, 0) == doctest::Approx(0.04));
    Eigen::MatrixXd effect(2, 2);
    effect << 1.0, -0.5, 0.3, 1.0;
    const sbtg::Int8Matrix sel = sbtg::SelectEdges(effect, q, 0.03);
    CHECK(sel(0, 1) == -1);
    CHECK(sel(1, 0) == 0);
    CHECK(sel(0, 0) == 0);
  }

  TEST_CASE("MultiTest.UnknownMethodIsAnError") {
    CHECK(sbtg::ParseFdrMethod("BH").ok());
    CHECK(sbtg::ParseFdrMethod("by").ok());
    const auto bad = sbtg::ParseFdrMethod("bonferroni");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message().find("bonferroni") != std::string::npos);
  }
}

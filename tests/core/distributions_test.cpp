#include <doctest/doctest.h>

#include <cmath>

#include "sbtg/distributions.hpp"

TEST_SUITE("Distributions") {
  TEST_CASE("Distributions.KnownCriticalValues") {
    // Textbook critical values at the 5% level.
    CHECK(sbtg::NormalTwoSidedP(1.959963984540054) == doctest::Approx(0.05).epsilon(1e-9));
    CHECK(sbtg::NormalTwoSidedP(-2.5758293035489) == doctest::Approx(0.01).epsilon(1e-9));
    CHECK(sbtg::StudentTwoSidedP(2.228138851986, 10) == doctest::Approx(0.05).epsilon(1e-8));
    CHECK(sbtg::FisherUpperP(4.964602743730, 1, 10) == doctest::Approx(0.05).epsilon(1e-8));
    CHECK(sbtg::FisherUpperP(-1.0, 2, 10) == 1.0);
    CHECK(std::isnan(sbtg::NormalTwoSidedP(std::nan(""))));
    // Far tail keeps relative precision (no rounding to 0).
    CHECK(sbtg::NormalTwoSidedP(10.0) > 0.0);
    CHECK(sbtg::NormalTwoSidedP(10.0) < 1e-22);
  }
}

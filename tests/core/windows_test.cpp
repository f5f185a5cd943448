#include <doctest/doctest.h>

#include "sbtg/status.hpp"
#include "sbtg/windows.hpp"

TEST_SUITE("Windows") {
  TEST_CASE("Windows.NeverCrossSegments") {
    sbtg::Recording rec;
    rec.names = {"a", "b"};
    Eigen::MatrixXd x0(4, 2);
    x0 << 0, 10, 1, 11, 2, 12, 3, 13;
    Eigen::MatrixXd x1(2, 2);
    x1 << 100, 200, 101, 201;
    rec.segments = {{"s0", x0, {}}, {"s1", x1, {}}};
    const sbtg::WindowBlocks w = sbtg::BuildWindows(rec, 2);
    REQUIRE(w.count() == 2);  // segment 1 is too short for a 3-frame window
    CHECK(w.future()(0, 0) == 2);
    CHECK(w.lag(1)(0, 0) == 1);
    CHECK(w.lag(2)(0, 0) == 0);
    CHECK(w.future()(1, 1) == 13);
    CHECK(w.lag(2)(1, 1) == 11);
    CHECK(w.frame[1] == 3);
    CHECK(w.segment[1] == 0);
    const Eigen::MatrixXd design = w.PastDesign();
    CHECK(design.cols() == 4);
    CHECK(design(1, 0) == 2);  // lag-1 block first
    CHECK(design(1, 2) == 1);  // then lag 2
    CHECK_THROWS_AS(sbtg::BuildWindows(rec, 0), sbtg::SetupError);
  }

  TEST_CASE("Windows.StandardizerPoolsSegments") {
    sbtg::Recording rec;
    rec.names = {"a"};
    rec.segments = {{"s0", Eigen::MatrixXd::Constant(2, 1, 1.0), {}},
                    {"s1", Eigen::MatrixXd::Constant(2, 1, 3.0), {}}};
    const auto st = sbtg::Standardizer::Fit(rec);
    CHECK(st.mean[0] == doctest::Approx(2.0));
    CHECK(st.scale[0] == doctest::Approx(std::sqrt(4.0 / 3.0)));
    const auto z = st.Apply(rec);
    CHECK(z.segments[1].x(0, 0) == doctest::Approx(1.0 / std::sqrt(4.0 / 3.0)));
  }

  TEST_CASE("Windows.DefaultNames") {
    const auto names = sbtg::DefaultNeuronNames(1200);
    CHECK(names.front() == "n0000");
    CHECK(names.back() == "n1199");
    CHECK(sbtg::DefaultNeuronNames(5).back() == "n004");
  }
}

// SimFamily names and SimOptions::Validate messages.
#include <doctest/doctest.h>

#include <string>

#include "sbtg/simulate.hpp"

namespace {

// The Status of Validate() and of Simulate() for options changed by `edit`; both must fail and
// name `field`.
template <typename Edit>
void ExpectRejected(sbtg::SimFamily family, Edit edit, const std::string& field) {
  sbtg::SimOptions o;
  o.family = family;
  edit(o);
  const sbtg::Status status = o.Validate();
  CAPTURE(field);
  CHECK_FALSE(status.ok());
  CHECK(status.code() == sbtg::Status::Code::kInvalidArgument);
  CHECK(status.message().find(field) != std::string::npos);
  auto sim = sbtg::Simulate(o);
  CHECK_FALSE(sim.ok());
}

}  // namespace

TEST_SUITE("Simulator") {
  TEST_CASE("Simulator.FamilyNamesRoundTrip") {
    for (const char* name : {"var", "tanh", "tanh_lag2", "gated", "poisson", "hawkes", "calcium",
                             "null", "connectome"}) {
      auto family = sbtg::ParseSimFamily(name);
      REQUIRE(family.ok());
      CHECK(sbtg::ToString(*family) == name);
    }
    auto bad = sbtg::ParseSimFamily("lorenz");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message().find("lorenz") != std::string::npos);
    CHECK(bad.status().message().find("tanh_lag2") != std::string::npos);  // lists the known ones
    CHECK(sbtg::AllSimFamilies().size() == 8);                             // all but connectome
  }

  TEST_CASE("Simulator.DefaultsAreValid") {
    for (sbtg::SimFamily f : sbtg::AllSimFamilies()) {
      sbtg::SimOptions o;
      o.family = f;
      CHECK(o.Validate().ok());
    }
  }

  TEST_CASE("Simulator.ValidateNamesTheField") {
    using F = sbtg::SimFamily;
    using O = sbtg::SimOptions;
    ExpectRejected(
        F::kVar, [](O& o) { o.n = 1; }, "n");
    ExpectRejected(
        F::kVar, [](O& o) { o.frames = 5; }, "frames");
    ExpectRejected(
        F::kVar, [](O& o) { o.segments = 0; }, "segments");
    ExpectRejected(
        F::kVar, [](O& o) { o.burn_in = -1; }, "burn_in");
    ExpectRejected(
        F::kVar, [](O& o) { o.density = 0.0; }, "density");
    ExpectRejected(
        F::kTanh, [](O& o) { o.density = 1.5; }, "density");
    ExpectRejected(
        F::kVar, [](O& o) { o.excitatory_fraction = -0.1; }, "excitatory_fraction");
    ExpectRejected(
        F::kVar, [](O& o) { o.noise = -1.0; }, "noise");
    ExpectRejected(
        F::kVar, [](O& o) { o.frame_period = 0.0; }, "frame_period");
    ExpectRejected(
        F::kTanh, [](O& o) { o.spectral_radius = 0.0; }, "spectral_radius");
    ExpectRejected(
        F::kVar, [](O& o) { o.spectral_radius = 1.2; }, "spectral_radius");
    ExpectRejected(
        F::kHawkes, [](O& o) { o.spectral_radius = 1.0; }, "spectral_radius");
    ExpectRejected(
        F::kVar, [](O& o) { o.order = 0; }, "order");
    ExpectRejected(
        F::kTanh, [](O& o) { o.gain = 0.0; }, "gain");
    ExpectRejected(
        F::kTanh, [](O& o) { o.leak = 1.5; }, "leak");
    ExpectRejected(
        F::kGated, [](O& o) { o.gate_dwell = 1.0; }, "gate_dwell");
    ExpectRejected(
        F::kNull, [](O& o) { o.ar_coefficient = 1.0; }, "ar_coefficient");
    ExpectRejected(
        F::kConnectome, [](O& o) { o.connectome_path.clear(); }, "connectome_path");
    ExpectRejected(
        F::kCalcium, [](O& o) { o.calcium_decay = 0.01; }, "calcium_decay");
    ExpectRejected(
        F::kCalcium, [](O& o) { o.calcium_rise = 0.0; }, "calcium_rise");
    ExpectRejected(
        F::kCalcium, [](O& o) { o.calcium_saturation = 0.0; }, "calcium_saturation");
    ExpectRejected(
        F::kCalcium, [](O& o) { o.downsample = 0; }, "downsample");
    ExpectRejected(
        F::kCalcium, [](O& o) { o.fluorescence_noise = -0.1; }, "fluorescence_noise");
    ExpectRejected(
        F::kPoisson, [](O& o) { o.baseline_rate = 0.0; }, "baseline_rate");
    ExpectRejected(
        F::kCalcium, [](O& o) { o.calcium_baseline_rate = -1.0; }, "calcium_baseline_rate");
    ExpectRejected(
        F::kVar, [](O& o) { o.var_coefficients = {Eigen::MatrixXd::Zero(3, 3)}; },
        "var_coefficients");
  }

  TEST_CASE("Simulator.RejectsUnreadableConnectome") {
    sbtg::SimOptions o;
    o.family = sbtg::SimFamily::kConnectome;
    o.connectome_path = "/nonexistent/connectome.csv";
    CHECK(o.Validate().ok());  // the path is only opened by Simulate
    auto sim = sbtg::Simulate(o);
    REQUIRE_FALSE(sim.ok());
    CHECK(sim.status().message().find("connectome_path") != std::string::npos);
  }

  TEST_CASE("Simulator.RejectsNonStationaryExplicitVar") {
    sbtg::SimOptions o;
    o.family = sbtg::SimFamily::kVar;
    o.n = 2;
    o.var_coefficients = {Eigen::MatrixXd::Identity(2, 2) * 1.01};
    auto sim = sbtg::Simulate(o);
    REQUIRE_FALSE(sim.ok());
    CHECK(sim.status().message().find("var_coefficients") != std::string::npos);
  }
}

// Ground-truth orientation: the truth is [target, source] and the data agree with it. Each test
// here would fail if the truth (or the dynamics) were transposed.
#include <doctest/doctest.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <string>

#include "sbtg/simulate.hpp"
#include "support/test_support.hpp"

namespace {

// Least-squares coefficients of x_{t, target} on the centred previous frame x_{t−1} (all neurons).
Eigen::VectorXd LaggedRegression(const Eigen::MatrixXd& x, Eigen::Index target) {
  const Eigen::MatrixXd c = x.rowwise() - x.colwise().mean();
  const Eigen::Index t = c.rows();
  const Eigen::MatrixXd past = c.topRows(t - 1);
  const Eigen::VectorXd future = c.col(target).tail(t - 1);
  return (past.transpose() * past).ldlt().solve(past.transpose() * future);
}

// Correlation of x_{t, target} with x_{t−1, source}.
double LaggedCorrelation(const Eigen::MatrixXd& x, Eigen::Index target, Eigen::Index source) {
  const Eigen::Index t = x.rows();
  const Eigen::VectorXd a = x.col(target).tail(t - 1).array() - x.col(target).tail(t - 1).mean();
  const Eigen::VectorXd b = x.col(source).head(t - 1).array() - x.col(source).head(t - 1).mean();
  return a.dot(b) / std::sqrt(a.squaredNorm() * b.squaredNorm());
}

// The strongest off-diagonal edge (target j, source i) whose reverse (i, j) is empty.
std::pair<Eigen::Index, Eigen::Index> StrongestOneWayEdge(const Eigen::MatrixXd& truth) {
  std::pair<Eigen::Index, Eigen::Index> best{-1, -1};
  double best_value = 0.0;
  for (Eigen::Index i = 0; i < truth.cols(); ++i) {
    for (Eigen::Index j = 0; j < truth.rows(); ++j) {
      if (i == j || truth(i, j) != 0.0 || std::abs(truth(j, i)) <= best_value) continue;
      best_value = std::abs(truth(j, i));
      best = {j, i};
    }
  }
  return best;
}

Eigen::Index IndexOf(const std::vector<std::string>& names, const std::string& name) {
  const auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<Eigen::Index>(it - names.begin());
}

}  // namespace

TEST_SUITE("Simulator") {
  TEST_CASE("Simulator.VarTruthIsTargetSource") {
    // One strong edge 0 → 1: A(1, 0) = 0.8 in [target, source].
    sbtg::SimOptions o;
    o.family = sbtg::SimFamily::kVar;
    o.n = 3;
    o.frames = 4000;
    Eigen::MatrixXd a = 0.3 * Eigen::MatrixXd::Identity(3, 3);
    a(1, 0) = 0.8;
    o.var_coefficients = {a};
    auto sim = sbtg::Simulate(o);
    REQUIRE(sim.ok());
    const Eigen::MatrixXd& truth = sim->truth.at(0);
    CHECK(truth(1, 0) == doctest::Approx(0.8));
    CHECK(truth(0, 1) == 0.0);
    // OLS standard error here ≈ 1/sqrt(T · var(x)) < 0.02, so 0.1 is > 5 SE either way.
    const Eigen::MatrixXd& x = sim->recording.segments.at(0).x;
    const Eigen::VectorXd into1 = LaggedRegression(x, 1);
    const Eigen::VectorXd into0 = LaggedRegression(x, 0);
    CHECK(into1[0] == doctest::Approx(0.8).epsilon(0.125));
    CHECK(std::abs(into0[1]) < 0.1);
  }

  TEST_CASE("Simulator.RandomVarDataFollowTruth") {
    sbtg::SimOptions o;
    o.family = sbtg::SimFamily::kVar;
    o.n = 8;
    o.density = 0.25;
    o.frames = 4000;
    o.seed = 3;
    auto sim = sbtg::Simulate(o);
    REQUIRE(sim.ok());
    const auto [j, i] = StrongestOneWayEdge(sim->truth[0]);
    REQUIRE(j >= 0);
    const Eigen::MatrixXd& x = sim->recording.segments[0].x;
    // Same 0.1 tolerance as above (standard errors < 0.02 at T = 4000, unit innovations).
    CHECK(std::abs(LaggedRegression(x, j)[i] - sim->truth[0](j, i)) < 0.1);
    CHECK(std::abs(LaggedRegression(x, i)[j]) < 0.1);
  }

  TEST_CASE("Simulator.TanhTruthIsTargetSource") {
    // Near-linear regime (gain 1) so a linear regression reads the coupling cleanly; the truth
    // λ·g·W is the Jacobian at the origin.
    sbtg::SimOptions o;
    o.family = sbtg::SimFamily::kTanh;
    o.n = 8;
    o.density = 0.25;
    o.gain = 1.0;
    o.noise = 3.0;
    o.frames = 4000;
    o.seed = 5;
    auto sim = sbtg::Simulate(o);
    REQUIRE(sim.ok());
    const Eigen::MatrixXd& truth = sim->truth[0];
    const auto [j, i] = StrongestOneWayEdge(truth);
    REQUIRE(j >= 0);
    CHECK(truth(j, j) == doctest::Approx(1.0 - o.leak));  // self-term of the leak
    const Eigen::MatrixXd& x = sim->recording.segments[0].x;
    const double forward = LaggedRegression(x, j)[i];
    const double backward = LaggedRegression(x, i)[j];
    CHECK(forward * truth(j, i) > 0.0);  // same sign
    CHECK(std::abs(forward) > 0.3 * std::abs(truth(j, i)));
    CHECK(std::abs(backward) < 0.5 * std::abs(forward));
  }

  TEST_CASE("Simulator.HawkesTruthIsTargetSource") {
    sbtg::SimOptions o;
    o.family = sbtg::SimFamily::kHawkes;
    o.n = 8;
    o.density = 0.25;
    o.excitatory_fraction = 1.0;
    o.frames = 5000;
    o.seed = 2;
    auto sim = sbtg::Simulate(o);
    REQUIRE(sim.ok());
    const auto [j, i] = StrongestOneWayEdge(sim->truth[0]);
    REQUIRE(j >= 0);
    const Eigen::MatrixXd& y = sim->recording.segments[0].x;
    // A null correlation has SE ≈ 1/sqrt(T) ≈ 0.014; an excitatory count coupling gives far more.
    CHECK(LaggedCorrelation(y, j, i) > 0.1);
    CHECK(LaggedCorrelation(y, j, i) > LaggedCorrelation(y, i, j) + 0.05);
  }

  TEST_CASE("Simulator.ConnectomeTruthFollowsCookOrientation") {
    const auto dir = sbtg::testing::SharedDataOrSkip("connectome");
    if (!dir) return;
    // The Cook et al. file (row = presynaptic) has AVAL→DA01 = 6 and DA01→AVAL = 0.
    sbtg::SimOptions o;
    o.family = sbtg::SimFamily::kConnectome;
    o.connectome_path = (*dir / "herm_chem_cells.csv").string();
    o.frames = 20;
    o.burn_in = 0;
    auto sim = sbtg::Simulate(o);
    REQUIRE(sim.ok());
    const auto& names = sim->recording.names;
    const Eigen::Index aval = IndexOf(names, "AVAL");
    const Eigen::Index da01 = IndexOf(names, "DA01");
    REQUIRE(aval >= 0);
    REQUIRE(da01 >= 0);
    CHECK(sim->truth[0](da01, aval) != 0.0);
    CHECK(sim->truth[0](aval, da01) == 0.0);
    CHECK(sim->meta["n"].get<Eigen::Index>() == static_cast<Eigen::Index>(names.size()));

    // Declaring the file [target, source] must flip the edge.
    o.connectome_rows_are_sources = false;
    auto flipped = sbtg::Simulate(o);
    REQUIRE(flipped.ok());
    CHECK(flipped->truth[0](aval, da01) != 0.0);
    CHECK(flipped->truth[0](da01, aval) == 0.0);
  }

  TEST_CASE("Simulator.ConnectomeKeepsMostConnectedAndCellTypeSigns") {
    const auto dir = sbtg::testing::SharedDataOrSkip();
    if (!dir) return;
    sbtg::SimOptions o;
    o.family = sbtg::SimFamily::kConnectome;
    o.connectome_path = (*dir / "connectome" / "herm_chem_cells.csv").string();
    o.connectome_cell_types_path =
        (*dir / "celegans_connectome_and_celltypes" / "nemanode_cells.csv").string();
    o.connectome_max_neurons = 60;
    o.frames = 20;
    o.burn_in = 0;
    auto sim = sbtg::Simulate(o);
    REQUIRE(sim.ok());
    CHECK(sim->recording.n() == 60);
    // AVAL is a hub: it survives the degree cut. It is cholinergic (NemaNode code "a"), so its
    // outgoing couplings (column AVAL) are excitatory.
    const Eigen::Index aval = IndexOf(sim->recording.names, "AVAL");
    REQUIRE(aval >= 0);
    const Eigen::VectorXd out = sim->truth[0].col(aval);
    long positive = 0;
    long negative = 0;
    for (Eigen::Index j = 0; j < out.size(); ++j) {
      if (j == aval) continue;
      positive += out[j] > 0.0 ? 1 : 0;
      negative += out[j] < 0.0 ? 1 : 0;
    }
    CHECK(positive > 0);
    CHECK(negative == 0);
  }
}

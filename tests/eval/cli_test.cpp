// Files written by the io subsystem, read back by the eval loaders and by `sbtg eval`.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "sbtg/eval.hpp"
#include "sbtg/io.hpp"
#include "support/test_support.hpp"

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The tiny example of evaluate_test.cpp in the on-disk form (q = p, NaN on the diagonal).
sbtg::FitResult TinyResult() {
  sbtg::FitResult r;
  r.method = "test";
  r.names = {"AVAL", "DA01", "ASHL"};
  sbtg::LagResult lag;
  lag.effect.resize(3, 3);
  lag.effect << 9.0, 5.0, 0.4,  //
      0.8, 99.0, 0.1,           //
      -0.5, 0.6, 0.0;
  lag.p.resize(3, 3);
  lag.p << 0.0, 0.001, 0.02,  //
      0.0, 0.5, 0.04,         //
      0.5, 0.008, 0.9;
  lag.q = lag.p;
  lag.q.diagonal().setConstant(kNaN);
  lag.selected.resize(3, 3);
  lag.selected << 0, 1, 1,  //
      1, 0, 1,              //
      0, 1, 0;
  r.lags.push_back(lag);
  return r;
}

Eigen::MatrixXd TinyTruthMatrix() {
  Eigen::MatrixXd t(3, 3);
  t << 0, kNaN, 0.5,  //
      1.0, 0, 0,      //
      0, -0.7, 0;
  return t;
}

struct Run {
  int exit_code = -1;
  std::string err;
};

// Runs `sbtg <args>` with stdout and stderr captured in files under `dir`.
Run Sbtg(const std::filesystem::path& dir, const std::string& args) {
  const auto out = dir / "stdout.txt", err = dir / "stderr.txt";
  const std::string cmd = sbtg::testing::ToolPath("sbtg").string() + " " + args + " >" +
                          out.string() + " 2>" + err.string();
  Run run;
  const int status = std::system(cmd.c_str());
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::stringstream ss;
  ss << std::ifstream(err).rdbuf();
  run.err = ss.str();
  return run;
}

}  // namespace

TEST_SUITE("EvalCli") {
  TEST_CASE("EvalCli.SimulationTruthRoundTrip") {
    const auto dir = sbtg::testing::ScratchDir("eval_sim_truth");
    const std::vector<std::string> names = {"AVAL", "DA01", "ASHL"};
    REQUIRE(sbtg::WriteTruth(dir, {TinyTruthMatrix(), Eigen::MatrixXd::Zero(3, 3)}, names).ok());
    const auto truth = sbtg::LoadSimulationTruth(dir);
    REQUIRE(truth.ok());
    CHECK(truth->names == names);
    REQUIRE(truth->lags.size() == 2);
    CHECK(truth->lags[0](1, 0) == 1.0);
    CHECK(std::isnan(truth->lags[0](0, 1)));
    CHECK(truth->signed_truth);
    std::filesystem::remove(dir / "names.txt");
    CHECK(sbtg::LoadSimulationTruth(dir).status().message().find("names.txt") != std::string::npos);
    const auto empty = sbtg::testing::ScratchDir("eval_sim_truth_empty");
    std::ofstream(empty / "names.txt") << "A\nB\n";
    CHECK(sbtg::LoadSimulationTruth(empty).status().message().find("truth_lag1.npy") !=
          std::string::npos);
  }

  TEST_CASE("EvalCli.EvalWritesTableAndJson") {
    const auto dir = sbtg::testing::ScratchDir("eval_cli");
    REQUIRE(sbtg::WriteFitResult(dir / "result", TinyResult()).ok());
    REQUIRE(sbtg::WriteTruth(dir / "truth", {TinyTruthMatrix()}, TinyResult().names).ok());
    const Run run =
        Sbtg(dir, "eval --result " + (dir / "result").string() + " --truth-sim " +
                      (dir / "truth").string() + " --json " + (dir / "eval.json").string());
    INFO(run.err);
    REQUIRE(run.exit_code == 0);
    std::ifstream in(dir / "eval.json");
    const nlohmann::json j = nlohmann::json::parse(in);
    CHECK(j["lags"][0]["auroc_effect"].get<double>() ==
          doctest::Approx(5.0 / 6.0));  // as in-memory
    CHECK(j["lags"][0]["realized_fdr"].get<double>() == doctest::Approx(0.25));
    std::stringstream table;
    table << std::ifstream(dir / "stdout.txt").rdbuf();
    CHECK(table.str().find("AUROC|e|") != std::string::npos);
  }

  TEST_CASE("EvalCli.ClearErrors") {
    const auto dir = sbtg::testing::ScratchDir("eval_cli_errors");
    REQUIRE(sbtg::WriteFitResult(dir / "result", TinyResult()).ok());
    REQUIRE(sbtg::WriteTruth(dir / "truth", {TinyTruthMatrix()}, {"AVAL", "DA01", "RIML"}).ok());
    const std::string result = " --result " + (dir / "result").string();
    Run run = Sbtg(dir, "eval" + result + " --truth-sim " + (dir / "truth").string());
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("neuron 2 is 'ASHL' in the result but 'RIML' in the truth") !=
          std::string::npos);
    REQUIRE(
        sbtg::WriteTruth(dir / "truth4", {Eigen::MatrixXd::Zero(4, 4)}, {"A", "B", "C", "D"}).ok());
    run = Sbtg(dir, "eval" + result + " --truth-sim " + (dir / "truth4").string());
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("the truth has 4 neurons, the result 3") != std::string::npos);
    std::ofstream(dir / "cook.csv") << "pre\\post,AVAL,DA01\nAVAL,0,6\nDA01,0,0\n";
    run = Sbtg(dir, "eval" + result + " --truth-matrix " + (dir / "cook.csv").string());
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("--orientation is required") != std::string::npos);
    run =
        Sbtg(dir, "eval" + result + " --truth-sim " + (dir / "truth").string() + " --class-level");
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("apply only to") != std::string::npos);
    run = Sbtg(dir, "eval" + result + " --truth-matrix " + (dir / "absent.csv").string() +
                        " --orientation rows-are-sources");
    CHECK(run.exit_code == 1);
    CHECK(run.err.find("absent.csv") != std::string::npos);
    run = Sbtg(dir, "eval" + result + " --truth-matrix " + (dir / "cook.csv").string() +
                        " --orientation rows-are-sources --class-level --json " +
                        (dir / "c.json").string());
    INFO(run.err);
    CHECK(run.exit_code == 0);
    std::ifstream in(dir / "c.json");
    const nlohmann::json j = nlohmann::json::parse(in);
    CHECK(j["class_level"] == true);
    CHECK(j["lags"][0]["positives"] == 1);  // AVA → DA; ASH is not in the truth
  }
}

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "io/io_test_util.hpp"
#include "sbtg/io.hpp"
#include "support/test_support.hpp"

using sbtg::testing::BitEqual;
using sbtg::testing::CheckError;
using sbtg::testing::ReadFile;
using sbtg::testing::ScratchDir;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A result that satisfies the FitResult contract, with awkward values: NaN p-values, names that
// need CSV quoting, p ties, -0.
sbtg::FitResult MakeResult(unsigned seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  sbtg::FitResult r;
  r.method = "sbtg";
  r.names = {"AVAL", "AVAR", "name, with comma", "DA01"};
  r.frame_period = 1.0 / 1.67;
  r.frames = 800;
  r.segments = 2;
  r.windows = 796;
  r.settings = {{"alpha", 0.05}, {"fdr", "bh"}, {"sigma", 0.1 + 0.2}, {"nested", {{"folds", 5}}}};
  r.timings = {{"train_s", 1.0 / 3.0}};
  r.counts = {{"pairs_with_nan_p", 1}};
  for (const int lag : {1, 2}) {
    sbtg::LagResult l;
    l.lag = lag;
    l.effect = Eigen::MatrixXd::NullaryExpr(4, 4, [&] { return uniform(rng) - 0.5; });
    l.p = Eigen::MatrixXd::NullaryExpr(4, 4, [&] { return uniform(rng); });
    l.q = l.p.cwiseMin(1.0) * 1.5;
    l.selected = sbtg::Int8Matrix::Zero(4, 4);
    for (Eigen::Index j = 0; j < 4; ++j) l.q(j, j) = kNaN;
    l.p(3, 0) = kNaN;  // an untestable pair: NaN p sorts last in edges.csv
    l.q(3, 0) = kNaN;
    l.p(0, 1) = l.p(1, 0) = 1e-9;  // a tie, broken by target then source
    l.q(0, 1) = l.q(1, 0) = 1e-8;
    l.selected(0, 1) = 1;  // selected = sign(effect) where selected
    l.selected(1, 0) = -1;
    l.selected(2, 1) = 1;
    l.effect(0, 1) = std::abs(l.effect(0, 1));
    l.effect(1, 0) = -std::abs(l.effect(1, 0));
    l.effect(2, 1) = std::abs(l.effect(2, 1));
    l.effect(0, 2) = -0.0;
    l.extra["mu"] = -l.effect * 2.0;
    r.lags.push_back(l);
  }
  return r;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

}  // namespace

TEST_SUITE("ResultDir") {
  TEST_CASE("ResultDir.RoundTripIsBitExact") {
    const sbtg::FitResult r = MakeResult(11);
    const auto dir = ScratchDir("result_roundtrip") / "out" / "nested";  // created by the writer
    REQUIRE(sbtg::WriteFitResult(dir, r).ok());
    auto back = sbtg::ReadFitResult(dir);
    REQUIRE_MESSAGE(back.ok(), back.status().ToString());
    CHECK(back->method == r.method);
    CHECK(back->names == r.names);
    CHECK(back->frame_period == r.frame_period);
    CHECK(back->frames == r.frames);
    CHECK(back->segments == r.segments);
    CHECK(back->windows == r.windows);
    CHECK(back->settings == r.settings);
    CHECK(back->timings == r.timings);
    REQUIRE(back->lags.size() == 2);
    for (size_t k = 0; k < 2; ++k) {
      CAPTURE(k);
      const auto& a = r.lags[k];
      const auto& b = back->lags[k];
      CHECK(b.lag == a.lag);
      CHECK(BitEqual(b.effect, a.effect));
      CHECK(BitEqual(b.p, a.p));
      CHECK(BitEqual(b.q, a.q));
      CHECK(b.selected == a.selected);
      REQUIRE(b.extra.size() == 1);
      CHECK(BitEqual(b.extra.at("mu"), a.extra.at("mu")));
    }
    // counts = the method's own counts plus per-lag counts computed by the writer from `selected`.
    CHECK(back->counts["pairs_with_nan_p"] == 1);
    const auto& lag1 = back->counts["per_lag"]["1"];
    CHECK(lag1["tested"] == 12);
    CHECK(lag1["selected"] == 3);
    CHECK(lag1["excitatory"] == 2);
    CHECK(lag1["inhibitory"] == 1);
    // Writing what was read gives the same bytes: nothing drifts through a round trip.
    const auto again = ScratchDir("result_roundtrip_again");
    REQUIRE(sbtg::WriteFitResult(again, *back).ok());
    for (const char* file :
         {"summary.json", "edges.csv", "effect_lag2.npy", "q_lag1.npy", "mu_lag2.npy"}) {
      CAPTURE(file);
      CHECK(ReadFile(again / file) == ReadFile(dir / file));
    }
  }

  TEST_CASE("ResultDir.FileLayoutEdgesAndSummary") {
    const sbtg::FitResult r = MakeResult(5);
    const auto dir = ScratchDir("result_layout");
    REQUIRE(sbtg::WriteFitResult(dir, r).ok());
    for (const int lag : {1, 2}) {
      for (const char* stem : {"effect", "p", "q", "selected", "mu"}) {
        CHECK(std::filesystem::exists(dir /
                                      (std::string(stem) + "_lag" + std::to_string(lag) + ".npy")));
      }
    }
    const auto lines = Lines(ReadFile(dir / "edges.csv"));
    REQUIRE(lines.size() == 1 + 2 * 12);  // header + n(n-1) off-diagonal pairs per lag
    CHECK(lines[0] == "lag,target,source,target_name,source_name,effect,p,q,selected");
    // Lag 1 first; the two 1e-9 p-values lead, tie broken target-major: (0,1) then (1,0).
    CHECK(lines[1].starts_with("1,0,1,AVAL,AVAR,"));
    CHECK(lines[1].ends_with(",1e-09,1e-08,1"));
    CHECK(lines[2].starts_with("1,1,0,AVAR,AVAL,"));
    CHECK(lines[2].ends_with(",-1"));
    CHECK(lines[12].starts_with("1,3,0,DA01,AVAL,"));  // NaN p last within lag 1
    CHECK(lines[12].find(",nan,nan,0") != std::string::npos);
    CHECK(lines[13].starts_with("2,0,1,"));
    // p ascending within each lag.
    double previous = -1;
    for (size_t k = 1; k <= 11; ++k) {
      std::vector<std::string> fields;
      std::stringstream line(lines[k]);
      for (std::string f; std::getline(line, f, ',');) fields.push_back(f);
      const double p = std::stod(fields[fields.size() - 3]);
      CHECK(p >= previous);
      previous = p;
    }
    CHECK(ReadFile(dir / "edges.csv").find("\"name, with comma\"") != std::string::npos);

    const auto summary = nlohmann::json::parse(ReadFile(dir / "summary.json"));
    CHECK(summary["format"] == "sbtg-result/1");
    CHECK(summary["lags"] == nlohmann::json::array({1, 2}));
    CHECK(summary["extras"]["2"] == nlohmann::json::array({"mu"}));
    CHECK(summary["n"] == 4);
    CHECK(summary["orientation"] == "[target, source]");
    CHECK(summary["frame_period"].get<double>() == 1.0 / 1.67);
    CHECK(summary["settings"]["sigma"].get<double>() == 0.1 + 0.2);  // 0.30000000000000004 survives
  }

  TEST_CASE("ResultDir.WriterValidatesTheContract") {
    const auto dir = ScratchDir("result_invalid");
    sbtg::FitResult r = MakeResult(1);
    r.lags[1].p.resize(3, 4);
    CheckError(sbtg::WriteFitResult(dir / "a", r), {"FitResult.lags[1].p", "3×4", "4×4"});
    CHECK_FALSE(std::filesystem::exists(dir / "a"));  // nothing written for an invalid result
    r = MakeResult(1);
    r.lags[0].selected(2, 2) = 1;
    CheckError(sbtg::WriteFitResult(dir / "b", r), {"FitResult.lags[0]", "diagonal entry 2"});
    r = MakeResult(1);
    r.lags[0].q(1, 1) = 0.5;
    CheckError(sbtg::WriteFitResult(dir / "b", r), {"diagonal entry 1", "q = NaN"});
    r = MakeResult(1);
    r.lags[0].extra["../escape"] = r.lags[0].effect;
    CheckError(sbtg::WriteFitResult(dir / "c", r), {"extra['../escape']"});
    r = MakeResult(1);
    r.lags[0].extra["p"] = r.lags[0].effect;
    CheckError(sbtg::WriteFitResult(dir / "c", r), {"extra['p']"});
    r = MakeResult(1);
    r.lags[1].lag = 1;
    CheckError(sbtg::WriteFitResult(dir / "d", r), {"FitResult.lags[1].lag = 1 repeats"});
    r = MakeResult(1);
    r.lags[0].selected(0, 2) = 3;
    CheckError(sbtg::WriteFitResult(dir / "e", r), {"selected(0, 2) = 3"});
    r = MakeResult(1);
    r.counts = nlohmann::json::array();
    CheckError(sbtg::WriteFitResult(dir / "f", r), {"FitResult.counts"});
  }

  TEST_CASE("ResultDir.ReaderErrorsNameTheFile") {
    const auto root = ScratchDir("result_read_errors");
    CheckError(sbtg::ReadFitResult(root / "absent").status(), {"summary.json", "no such file"});
    const auto dir = root / "res";
    REQUIRE(sbtg::WriteFitResult(dir, MakeResult(2)).ok());
    const std::string good_summary = ReadFile(dir / "summary.json");

    auto summary = nlohmann::json::parse(good_summary);
    summary["format"] = "sbtg-result/2";
    sbtg::testing::WriteFile(dir / "summary.json", summary.dump());
    CheckError(sbtg::ReadFitResult(dir).status(), {"summary.json", "'format'", "sbtg-result/2"});

    summary = nlohmann::json::parse(good_summary);
    summary["n"] = 5;
    sbtg::testing::WriteFile(dir / "summary.json", summary.dump());
    CheckError(sbtg::ReadFitResult(dir).status(), {"summary.json", "'n'"});

    summary = nlohmann::json::parse(good_summary);
    summary.erase("frames");
    sbtg::testing::WriteFile(dir / "summary.json", summary.dump());
    CheckError(sbtg::ReadFitResult(dir).status(), {"'frames' is missing"});

    sbtg::testing::WriteFile(dir / "summary.json", "{ not json");
    CheckError(sbtg::ReadFitResult(dir).status(), {"summary.json", "not valid JSON"});

    sbtg::testing::WriteFile(dir / "summary.json", good_summary);
    REQUIRE(sbtg::WriteNpy(dir / "q_lag2.npy", Eigen::MatrixXd(Eigen::MatrixXd::Zero(3, 3))).ok());
    CheckError(sbtg::ReadFitResult(dir).status(), {"q_lag2.npy", "3×3", "4×4"});
    std::filesystem::remove(dir / "q_lag2.npy");
    CheckError(sbtg::ReadFitResult(dir).status(), {"q_lag2.npy", "no such file"});
  }

  TEST_CASE("ResultDir.TruthDirectory") {
    const auto dir = ScratchDir("truth") / "sim";
    Eigen::MatrixXd a1(2, 2), a2(2, 2);
    a1 << 0.5, 0, 0.4, 0.3;  // [target, source]: 0 → 1 at lag 1
    a2 << 0, 0, 0.45, 0;
    REQUIRE(sbtg::WriteTruth(dir, {a1, a2}, {"n0", "n1"}).ok());
    CHECK(ReadFile(dir / "names.txt") == "n0\nn1\n");
    CHECK(sbtg::ReadNpyMatrix(dir / "truth_lag1.npy").value() == a1);
    CHECK(sbtg::ReadNpyMatrix(dir / "truth_lag2.npy").value() == a2);
    CheckError(sbtg::WriteTruth(dir, {a1}, {"n0", "n1", "n2"}), {"truth[0]", "2×2", "3×3"});
    CheckError(sbtg::WriteTruth(dir, {a1}, {"n0", "bad\nname"}), {"line break"});
    CheckError(sbtg::WriteTruth(dir, {}, {"n0"}), {"no lags"});
  }
}

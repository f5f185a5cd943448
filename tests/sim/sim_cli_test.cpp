// `sbtg simulate`: the files it writes read back to exactly what Simulate() returns in-process.
#include <doctest/doctest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "sbtg/io.hpp"
#include "sbtg/simulate.hpp"
#include "support/test_support.hpp"

namespace {

int RunSbtg(const std::filesystem::path& dir, const std::string& args) {
  const std::string cmd = sbtg::testing::ToolPath("sbtg").string() + " " + args + " >" +
                          (dir / "stdout.txt").string() + " 2>" + (dir / "stderr.txt").string();
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_SUITE("SimulateCli") {
  TEST_CASE("SimulateCli.WritesWhatSimulateReturns") {
    const auto dir = sbtg::testing::ScratchDir("sim_cli");
    REQUIRE(RunSbtg(dir,
                    "simulate --family tanh_lag2 --n 6 --frames 80 --segments 2 --density 0.3 "
                    "--seed 7 --burn-in 50 --out " +
                        (dir / "out").string()) == 0);
    sbtg::SimOptions o;
    o.family = sbtg::SimFamily::kTanhLag2;
    o.n = 6;
    o.frames = 80;
    o.segments = 2;
    o.density = 0.3;
    o.seed = 7;
    o.burn_in = 50;
    auto expected = sbtg::Simulate(o);
    REQUIRE(expected.ok());

    sbtg::ReadOptions read;
    read.segment_column = "segment";
    auto rec = sbtg::ReadCsvRecording(dir / "out" / "data.csv", read);
    REQUIRE(rec.ok());
    CHECK(rec->names == expected->recording.names);
    REQUIRE(rec->segments.size() == 2);
    for (size_t k = 0; k < 2; ++k) CHECK(rec->segments[k].x == expected->recording.segments[k].x);
    for (int lag = 1; lag <= 2; ++lag) {
      auto truth = sbtg::ReadNpyMatrix(dir / "out" / ("truth_lag" + std::to_string(lag) + ".npy"));
      REQUIRE(truth.ok());
      CHECK(*truth == expected->truth[static_cast<size_t>(lag - 1)]);
    }
    std::ifstream meta_file(dir / "out" / "meta.json");
    const nlohmann::json meta = nlohmann::json::parse(meta_file);
    CHECK(meta["family"] == "tanh_lag2");
    CHECK(meta["options"]["seed"] == 7);
    CHECK(meta["edges"].size() == 2);
  }

  TEST_CASE("SimulateCli.NpyFormatAndLatentFiles") {
    const auto dir = sbtg::testing::ScratchDir("sim_cli_npy");
    REQUIRE(
        RunSbtg(dir, "simulate --family gated --n 5 --frames 60 --segments 2 --format npy --out " +
                         (dir / "out").string()) == 0);
    for (const char* file : {"data_seg0.npy", "data_seg1.npy", "latent_seg0.npy", "latent_seg1.npy",
                             "truth_lag1.npy", "names.txt", "meta.json"}) {
      CAPTURE(file);
      CHECK(std::filesystem::exists(dir / "out" / file));
    }
    auto x = sbtg::ReadNpyMatrix(dir / "out" / "data_seg1.npy");
    REQUIRE(x.ok());
    CHECK(x->rows() == 60);
    CHECK(x->cols() == 5);
  }

  TEST_CASE("SimulateCli.BadOptionIsAnErrorNamingTheField") {
    const auto dir = sbtg::testing::ScratchDir("sim_cli_bad");
    CHECK(RunSbtg(dir, "simulate --family var --density 2 --out " + (dir / "out").string()) == 1);
    std::ifstream err(dir / "stderr.txt");
    const std::string text((std::istreambuf_iterator<char>(err)), std::istreambuf_iterator<char>());
    CHECK(text.find("density") != std::string::npos);
    CHECK_FALSE(std::filesystem::exists(dir / "out" / "meta.json"));
  }
}

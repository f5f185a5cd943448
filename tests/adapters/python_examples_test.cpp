// The Python examples in tools/examples (pyzmq + numpy), exercised against a live engine: one sends
// frames into a zmq source, the other subscribes to the graphs. Skipped cleanly without pyzmq/numpy
// unless SBTG_REQUIRE_DATA=1 (CI installs them).
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "adapters/adapter_test_util.hpp"
#include "adapters/zmq/zmq_source.hpp"
#include "engine/estimator/score_model.hpp"
#include "support/test_support.hpp"

namespace {

std::string Example(const std::string& name) { return std::string(SBTG_SOURCE_DIR) + "/tools/examples/" + name; }

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

}  // namespace

TEST_SUITE("PythonExamples") {
  TEST_CASE("PythonExamples.SendFramesFeedsAZmqSource" * doctest::timeout(60)) {
    if (!sbtg::testing::PythonWithZmqOrSkip()) return;
    sbtg::adapters::ZmqIngestOptions zo;
    zo.endpoint = "tcp://127.0.0.1:*";
    zo.n = 7;
    zo.frame_period = 0.05;
    auto src = sbtg::adapters::ZmqSource::Create(zo);
    REQUIRE(src.ok());
    const std::string endpoint = (*src)->endpoint();
    sbtg::EngineOptions o;
    o.trainer.model.kind = sbtg::ScoreModelKind::kGaussian;
    // A frozen model scores from the first window, so the final snapshot exists however fast the sender is.
    o.trainer.enabled = false;
    o.initial_model = std::make_shared<sbtg::est::ScoreModel>(o.trainer.model, 7, 1, 1);
    o.estimator.window = 200;
    auto engine = sbtg::Engine::Create(o, std::move(*src));
    REQUIRE(engine.ok());
    REQUIRE((*engine)->Start().ok());
    const auto dir = sbtg::testing::ScratchDir("py_send");
    sbtg::testing::Child py({"/usr/bin/python3", Example("send_frames.py"), "--endpoint", endpoint, "--n", "7",
                             "--frames", "400", "--rate", "0", "--names"},
                            (dir / "log.txt").string());
    CHECK(py.Wait(std::chrono::seconds(40)) == 0);
    sbtg::EngineStats s;
    for (int k = 0; k < 1000 && s.frames_processed < 400; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      s = (*engine)->Stats();
    }
    (*engine)->Stop();
    CAPTURE(Slurp(dir / "log.txt"));
    CHECK(s.frames_processed == 400);
    CHECK(s.rejected_total() == 0);
    CHECK(s.gaps == 0);
    const auto snap = (*engine)->Latest();
    REQUIRE(snap);
    CHECK(snap->names.front() == "neuron0");  // from the metadata message
  }

  TEST_CASE("PythonExamples.SubscribeGraphsDecodesTheGraphs" * doctest::timeout(60)) {
    if (!sbtg::testing::PythonWithZmqOrSkip()) return;
    const auto dir = sbtg::testing::ScratchDir("py_sub");
    const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(sbtg::testing::FreePort());
    sbtg::testing::Child stream({sbtg::testing::ToolPath("sbtg").string(), "stream", "--source",
                                 "sim:var?n=6&rate=500&frames=100000", "--model", "gaussian", "--window", "300",
                                 "--publish", endpoint, "--snapshot-interval", "0.1", "--status-interval", "0"},
                                (dir / "stream.txt").string());
    sbtg::testing::Child py({"/usr/bin/python3", Example("subscribe_graphs.py"), "--endpoint", endpoint, "--count",
                             "3", "--timeout", "20"},
                            (dir / "py.txt").string());
    CHECK(py.Wait(std::chrono::seconds(40)) == 0);
    stream.Signal(SIGINT);
    CHECK(stream.Wait(std::chrono::seconds(20)) == 0);
    const auto out = Slurp(dir / "py.txt");
    CAPTURE(out);
    CHECK(out.find("graph/lag1 seq") != std::string::npos);
    CHECK(out.find("edges selected") != std::string::npos);
  }
}

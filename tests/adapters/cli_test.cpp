// `sbtg stream` and `sbtg tail` as processes: SIGINT/SIGTERM stop every thread, publish a final
// snapshot and exit 0 (acceptance 5); a replay runs to its end; tail prints what the engine publishes.
#include <doctest/doctest.h>

#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <zmq.hpp>

#include "adapters/adapter_test_util.hpp"
#include "sbtg/io.hpp"
#include "support/test_support.hpp"

using sbtg::testing::Child;

namespace {

std::string Slurp(const std::filesystem::path& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

std::vector<std::string> Receive(zmq::socket_t& s) {
  std::vector<std::string> parts;
  zmq::message_t m;
  bool more = true;
  while (more) {
    if (!s.recv(m, zmq::recv_flags::none)) return {};
    parts.emplace_back(m.data<char>(), m.size());
    more = m.more();
  }
  return parts;
}

void StopsCleanlyOn(int sig) {
  const auto dir = sbtg::testing::ScratchDir(sig == SIGINT ? "cli_sigint" : "cli_sigterm");
  const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(sbtg::testing::FreePort());
  zmq::context_t ctx(1);
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::rcvtimeo, 10000);
  sub.set(zmq::sockopt::subscribe, "");
  sub.connect(endpoint);
  Child child({sbtg::testing::ToolPath("sbtg").string(), "stream", "--source",
               "sim:tanh?n=8&rate=200&speed=1&frames=200000", "--model", "gaussian", "--window", "200",
               "--max-hac-lag", "8", "--publish", endpoint, "--snapshot-interval", "0.1", "--status-interval", "0"},
              (dir / "log.txt").string());
  REQUIRE(child.started());
  // Wait until graphs flow, then interrupt.
  bool graph = false;
  for (int k = 0; k < 200 && !graph; ++k) {
    const auto parts = Receive(sub);
    REQUIRE_MESSAGE(!parts.empty(), Slurp(dir / "log.txt"));
    graph = parts[0] == "graph/lag1";
  }
  REQUIRE(graph);
  child.Signal(sig);
  CHECK(child.Wait(std::chrono::seconds(20)) == 0);
  // The final snapshot and the final stats were published before exit.
  bool final_graph = false, final_stats = false;
  for (int k = 0; k < 500 && !(final_graph && final_stats); ++k) {
    const auto parts = Receive(sub);
    if (parts.size() < 2) break;
    const auto h = nlohmann::json::parse(parts[1]);
    if (parts[0] == "graph/lag1" && h.value("final", false)) final_graph = true;
    if (parts[0] == "stats" && h.value("final", false)) final_stats = true;
  }
  CHECK(final_graph);
  CHECK(final_stats);
  CHECK(Slurp(dir / "log.txt").find("received, stopping") != std::string::npos);
}

}  // namespace

TEST_SUITE("StreamCli") {
  TEST_CASE("StreamCli.SigintStopsCleanlyWithFinalSnapshot" * doctest::timeout(60)) { StopsCleanlyOn(SIGINT); }
  TEST_CASE("StreamCli.SigtermStopsCleanlyWithFinalSnapshot" * doctest::timeout(60)) { StopsCleanlyOn(SIGTERM); }

  TEST_CASE("StreamCli.ReplayRunsToTheEndAndWritesStats" * doctest::timeout(60)) {
    const auto dir = sbtg::testing::ScratchDir("cli_replay");
    sbtg::Recording rec;
    rec.names = sbtg::DefaultNeuronNames(5);
    rec.segments.push_back({"s", Eigen::MatrixXd::Random(600, 5), {}});
    REQUIRE(sbtg::WriteNpy(dir / "x.npy", rec.segments[0].x).ok());
    Child child({sbtg::testing::ToolPath("sbtg").string(), "stream", "--source",
                 "replay:" + (dir / "x.npy").string() + "?speed=50&period=0.05", "--model", "gaussian",
                 "--init-windows", "50", "--window", "200", "--status-interval", "0.2", "--stats-json",
                 (dir / "stats.json").string(), "--save-checkpoint", (dir / "m.ckpt").string()},
                (dir / "log.txt").string());
    CHECK(child.Wait(std::chrono::seconds(40)) == 0);
    const auto log = Slurp(dir / "log.txt");
    CAPTURE(log);
    const auto stats = nlohmann::json::parse(Slurp(dir / "stats.json"));
    CHECK(stats["frames_processed"] == 600);
    CHECK(stats["source_finished"] == true);
    CHECK(log.find("summary: 600 frames") != std::string::npos);
    CHECK(std::filesystem::exists(dir / "m.ckpt"));
    // The checkpoint warm-starts a frozen run on the same file.
    Child again({sbtg::testing::ToolPath("sbtg").string(), "stream", "--source",
                 "replay:" + (dir / "x.npy").string() + "?speed=fast&period=0.05", "--checkpoint",
                 (dir / "m.ckpt").string(), "--no-train", "--window", "200", "--status-interval", "0"},
                (dir / "log2.txt").string());
    CHECK(again.Wait(std::chrono::seconds(40)) == 0);
    CHECK(Slurp(dir / "log2.txt").find("lag 1:") != std::string::npos);
  }

  TEST_CASE("StreamCli.TailPrintsGraphsAndStats" * doctest::timeout(60)) {
    const auto dir = sbtg::testing::ScratchDir("cli_tail");
    const std::string endpoint = "tcp://127.0.0.1:" + std::to_string(sbtg::testing::FreePort());
    Child stream({sbtg::testing::ToolPath("sbtg").string(), "stream", "--source",
                  "sim:var?n=6&rate=500&frames=100000", "--model", "gaussian", "--window", "200", "--publish",
                  endpoint, "--snapshot-interval", "0.1", "--heartbeat", "0.2", "--status-interval", "0"},
                 (dir / "stream.txt").string());
    Child tail({sbtg::testing::ToolPath("sbtg").string(), "tail", endpoint, "--count", "6", "--timeout", "20"},
               (dir / "tail.txt").string());
    CHECK(tail.Wait(std::chrono::seconds(40)) == 0);
    stream.Signal(SIGTERM);
    CHECK(stream.Wait(std::chrono::seconds(20)) == 0);
    const auto out = Slurp(dir / "tail.txt");
    CAPTURE(out);
    CHECK(out.find("graph/lag1 seq") != std::string::npos);
    CHECK(out.find("stats seq") != std::string::npos);
  }

  TEST_CASE("StreamCli.BadSourceIsAnError") {
    const auto dir = sbtg::testing::ScratchDir("cli_bad");
    Child child({sbtg::testing::ToolPath("sbtg").string(), "stream", "--source", "bogus:x"}, (dir / "log.txt").string());
    CHECK(child.Wait(std::chrono::seconds(20)) == 1);
    CHECK(Slurp(dir / "log.txt").find("unknown kind 'bogus'") != std::string::npos);
  }

  TEST_CASE("StreamCli.DemoRefusesOptionsItWouldIgnore") {
    // --demo runs its own simulator and engine settings; an engine option it would not use is an
    // error, never silently dropped. A bad value of an option it does take is an error too.
    const auto dir = sbtg::testing::ScratchDir("cli_demo_options");
    Child ignored({sbtg::testing::ToolPath("sbtg").string(), "stream", "--demo", "--queue", "5"},
                  (dir / "ignored.txt").string());
    CHECK(ignored.Wait(std::chrono::seconds(20)) != 0);
    CHECK(Slurp(dir / "ignored.txt").find("--demo excludes --queue") != std::string::npos);
    Child bad_model({sbtg::testing::ToolPath("sbtg").string(), "stream", "--demo", "--model", "nonsense"},
                    (dir / "model.txt").string());
    CHECK(bad_model.Wait(std::chrono::seconds(20)) == 1);
    CHECK(Slurp(dir / "model.txt").find("unknown score model 'nonsense'") != std::string::npos);
  }
}

// The threaded engine: equivalence through the threads (acceptance 1), overflow counters equal the
// frames actually dropped (acceptance 3), start/stop repeated 100 times (acceptance 5; run under ASan
// for leaks), the publisher's topics and late-joiner cache, and model checkpoints.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>
#include <zmq.hpp>

#include "engine/estimator/checkpoint.hpp"
#include "engine/estimator/lag_test.hpp"
#include "engine/stream/wire.hpp"
#include "stream/stream_test_util.hpp"
#include "support/test_support.hpp"

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::MatrixXf;
using sbtg::Engine;
using sbtg::EngineOptions;
using sbtg::testing::VectorSource;

namespace {

std::shared_ptr<sbtg::est::ScoreModel> GaussianModel(const MatrixXd& x, int p, const Eigen::VectorXd& mean,
                                                     const Eigen::VectorXd& scale) {
  auto m = std::make_shared<sbtg::est::ScoreModel>(sbtg::ModelOptions{sbtg::ScoreModelKind::kGaussian}, x.cols(), p, 1);
  m->FitGaussian(sbtg::testing::OfflineWindows(x, 0, x.rows(), p, mean, scale).cast<double>(), 1e-3);
  return m;
}

std::unique_ptr<Engine> MakeEngine(const EngineOptions& o, std::unique_ptr<sbtg::Source> src) {
  auto e = Engine::Create(o, std::move(src));
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  return std::move(*e);
}

std::vector<std::string> ReceiveMultipart(zmq::socket_t& s) {
  std::vector<std::string> parts;
  zmq::message_t msg;
  bool more = true;
  while (more) {
    if (!s.recv(msg, zmq::recv_flags::none)) return {};
    parts.emplace_back(msg.data<char>(), msg.size());
    more = msg.more();
  }
  return parts;
}

}  // namespace

TEST_SUITE("Engine") {
  TEST_CASE("Engine.FrozenModelThroughThreadsMatchesOffline" * doctest::timeout(30)) {
    const Index n = 5, t_len = 1500;
    const MatrixXd x = sbtg::testing::Var1Series(t_len, n, 9);
    const Eigen::VectorXd mean = x.colwise().mean().transpose();
    const Eigen::VectorXd scale = Eigen::VectorXd::Constant(n, 1.3);
    auto model = GaussianModel(x, 1, mean, scale);
    EngineOptions o;
    o.estimator.window = 250;  // six wraps
    o.estimator.max_hac_lag = 23;  // ≥ ProductTest's default cap for 250 windows − 1
    o.preprocess.standardize = sbtg::StandardizeMode::kFixed;
    o.preprocess.fixed_mean = mean;
    o.preprocess.fixed_scale = scale;
    o.trainer.enabled = false;
    o.initial_model = model;
    o.publish.interval = 0.01;
    auto src = std::make_unique<VectorSource>(x);
    // A segment change 100 frames before the end: a break inside the final ring.
    src->segment.assign(static_cast<size_t>(t_len), "first");
    for (Index t = t_len - 100; t < t_len; ++t) src->segment[static_cast<size_t>(t)] = "second";
    auto engine = MakeEngine(o, std::move(src));
    REQUIRE(engine->Start().ok());
    REQUIRE(engine->WaitUntilDrained(std::chrono::seconds(20)));
    engine->Stop();
    const auto snap = engine->Latest();
    REQUIRE(snap);
    CHECK(snap->final);
    CHECK(snap->windows == 250);
    CHECK(snap->runs == 2);
    // Offline: the same 250 windows (150 from the first segment's end, 99 … from the second).
    const MatrixXf second = sbtg::testing::OfflineWindows(x, t_len - 100, t_len, 1, mean, scale);
    const MatrixXf first = sbtg::testing::OfflineWindows(x, 0, t_len - 100, 1, mean, scale);
    MatrixXf z(250, 2 * n);
    z.bottomRows(second.rows()) = second;
    z.topRows(250 - second.rows()) = first.bottomRows(250 - second.rows());
    sbtg::est::Workspace ws;
    MatrixXf row(1, 2 * n), s1;
    MatrixXd scores(250, 2 * n);
    for (Index w = 0; w < 250; ++w) {
      row = z.row(w);
      model->Score(row, s1, ws);
      scores.row(w) = s1.cast<double>();
    }
    sbtg::TestOptions t;
    t.centred = false;
    t.correction = sbtg::Correction::kDiagonal;
    const auto off = sbtg::est::RunLagTest(scores.leftCols(n), scores.rightCols(n), {0, 250 - second.rows()}, t, 1);
    const auto& g = snap->lags[0];
    CHECK(((g.mu - off.mu).cwiseAbs().maxCoeff() / off.mu.cwiseAbs().maxCoeff()) < 1e-9);
    CHECK(((g.p - off.p).cwiseAbs().array() / off.p.array().max(1e-300)).maxCoeff() < 1e-9);
    CHECK(g.bandwidth == doctest::Approx(off.bandwidth).epsilon(1e-12));
  }

  TEST_CASE("Engine.OverflowCountersEqualFramesActuallyDropped" * doctest::timeout(60)) {
    for (const auto policy : {sbtg::OverflowPolicy::kDropOldest, sbtg::OverflowPolicy::kDropNewest}) {
      CAPTURE(ToString(policy));
      const Index n = 24, frames = sbtg::testing::SmallScale() ? 800 : 3000;
      EngineOptions o;
      o.queue = {4, policy};
      o.max_batch = 2;
      o.estimator.window = 200;
      o.trainer.model.kind = sbtg::ScoreModelKind::kLinear;
      o.trainer.model.hidden = 64;  // slow enough scoring that a tight producer overruns a 4-frame queue
      o.trainer.enabled = false;
      o.initial_model = std::make_shared<sbtg::est::ScoreModel>(o.trainer.model, n, 1, 3);
      auto src = std::make_unique<VectorSource>(sbtg::testing::Var1Series(frames, n, 5));
      VectorSource* raw = src.get();
      // Bursts of 50 frames pushed in a tight loop overrun the 4-frame queue; the pauses let the
      // pipeline drain it, so frames survive from every burst. The second burst waits until the
      // pipeline has taken a frame: on a loaded machine its thread may start late, and drops before
      // its first frame leave no sequence hole (bounded below by one burst).
      std::atomic<Engine*> running{nullptr};
      src->before_push = [&running](std::size_t row) {
        if (row == 50) {
          for (int k = 0; k < 5000; ++k) {
            Engine* e = running.load();
            if (e != nullptr && e->Stats().frames_processed > 0) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
        }
        if (row % 50 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(3));
      };
      o.preprocess.warmup_frames = 5;
      auto engine = MakeEngine(o, std::move(src));
      running.store(engine.get());
      REQUIRE(engine->Start().ok());
      REQUIRE(engine->WaitUntilDrained(std::chrono::seconds(40)));
      engine->Stop();
      const sbtg::EngineStats s = engine->Stats();
      const std::uint64_t dropped = s.dropped_oldest + s.dropped_newest;
      CHECK(raw->dropped.load() > 0);
      CHECK(dropped == raw->dropped.load());
      CHECK(s.frames_in == static_cast<std::uint64_t>(frames));
      CHECK(s.frames_processed + dropped == static_cast<std::uint64_t>(frames));
      // The published (final snapshot) counters say the same.
      const auto snap = engine->Latest();
      CAPTURE(s.ToJson().dump());
      REQUIRE(snap);
      CHECK(snap->stats.dropped_oldest + snap->stats.dropped_newest == raw->dropped.load());
      // Every dropped frame leaves a sequence hole downstream, except drops before the first frame the
      // pipeline saw (first burst, drop_oldest) or after the last one (last burst, drop_newest).
      CHECK(s.missing_frames <= dropped);
      CHECK(s.missing_frames + 50 >= dropped);
      CHECK(s.gaps > 0);
      // Windows never straddle a hole: every window is P+1 consecutive sequence numbers.
      CHECK(s.windows <= s.frames_processed - s.gaps);
    }
  }

  TEST_CASE("Engine.StartStop100Times" * doctest::timeout(120)) {
    const MatrixXd x = sbtg::testing::Var1Series(300, 6, 1);
    int finals = 0;
    for (int k = 0; k < 100; ++k) {
      EngineOptions o;
      o.estimator.window = 50;
      o.estimator.max_hac_lag = 4;
      o.trainer.model.kind = sbtg::ScoreModelKind::kGaussian;
      o.trainer.init_windows = 30;
      o.trainer.refit_every_windows = 20;
      o.trainer.purge = 3;
      o.preprocess.warmup_frames = 5;
      o.publish.endpoint = "tcp://127.0.0.1:*";
      o.publish.interval = 0.001;
      auto src = std::make_unique<VectorSource>(x);
      src->repeat = 1000;
      auto engine = MakeEngine(o, std::move(src));
      REQUIRE(engine->Start().ok());
      std::this_thread::sleep_for(std::chrono::milliseconds(k % 5));
      engine->Stop();
      engine->Stop();  // idempotent
      if (auto snap = engine->Latest(); snap && snap->final) ++finals;
    }
    CHECK(finals > 0);  // stops that had windows published a final snapshot
    // Destroying an engine that never started is fine too.
    EngineOptions o;
    o.trainer.model.kind = sbtg::ScoreModelKind::kGaussian;
    auto never = MakeEngine(o, std::make_unique<VectorSource>(x));
    never->Stop();
  }

  TEST_CASE("Engine.PublishesGraphsStatsAndServesLateJoiners" * doctest::timeout(30)) {
    const Index n = 4;
    const MatrixXd x = sbtg::testing::Var1Series(400, n, 7);
    EngineOptions o;
    o.estimator.window = 100;
    o.estimator.max_hac_lag = 4;
    o.trainer.enabled = false;
    o.initial_model = GaussianModel(x, 1, x.colwise().mean().transpose(), Eigen::VectorXd::Ones(n));
    o.publish.endpoint = "tcp://127.0.0.1:*";
    o.publish.interval = 1000;  // only requested snapshots
    o.publish.heartbeat = 0.05;
    auto src = std::make_unique<VectorSource>(x);
    src->repeat = 1;
    auto engine = MakeEngine(o, std::move(src));
    REQUIRE(engine->Start().ok());
    const std::string endpoint = engine->publish_endpoint();
    CHECK(endpoint.rfind("tcp://127.0.0.1:", 0) == 0);
    zmq::context_t ctx(1);
    zmq::socket_t stats(ctx, zmq::socket_type::sub);
    stats.set(zmq::sockopt::rcvtimeo, 5000);
    stats.set(zmq::sockopt::subscribe, "stats");
    stats.connect(endpoint);
    const auto beat = ReceiveMultipart(stats);
    REQUIRE(beat.size() == 2);
    const auto h = nlohmann::json::parse(beat[1]);
    CHECK(h["schema"] == "sbtg.stats");
    CHECK(h["version"] == 1);
    CHECK(h.contains("latency_update"));
    REQUIRE(engine->WaitUntilDrained(std::chrono::seconds(10)));
    engine->RequestSnapshot();
    std::shared_ptr<const sbtg::GraphSnapshot> snap;
    for (int k = 0; k < 500 && !snap; ++k) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      snap = engine->Latest();
    }
    REQUIRE(snap);
    // A subscriber connecting now (after the only graph was published) still gets it, from the cache.
    zmq::socket_t late(ctx, zmq::socket_type::sub);
    late.set(zmq::sockopt::rcvtimeo, 5000);
    late.set(zmq::sockopt::subscribe, "graph/lag1");
    late.connect(endpoint);
    const auto parts = ReceiveMultipart(late);
    REQUIRE(parts.size() == 9);
    CHECK(parts[0] == "graph/lag1");
    auto g = sbtg::stream::DecodeGraph(parts);
    REQUIRE_MESSAGE(g.ok(), g.status().ToString());
    CHECK(g->header["cached"] == true);
    CHECK(g->header["seq"] == snap->seq);
    CHECK(g->header["n"] == n);
    CHECK((g->arrays["effect"] - snap->lags[0].effect).cwiseAbs().maxCoeff() == 0.0);
    CHECK((g->arrays["p"] - snap->lags[0].p).cwiseAbs().maxCoeff() == 0.0);
    CHECK((g->arrays["selected"] - snap->lags[0].selected.cast<double>()).cwiseAbs().maxCoeff() == 0.0);
    engine->Stop();
  }

  TEST_CASE("Engine.RejectsInvalidOptionsNamingTheField") {
    const MatrixXd x = MatrixXd::Random(50, 3);
    EngineOptions o;
    o.estimator.pvalue = sbtg::PValueMode::kShift;
    auto e = Engine::Create(o, std::make_unique<VectorSource>(x));
    REQUIRE_FALSE(e.ok());
    CHECK(e.status().message().find("estimator.pvalue") != std::string::npos);
    EngineOptions full;
    full.estimator.correction = sbtg::Correction::kFull;
    auto f = Engine::Create(full, std::make_unique<VectorSource>(x));
    REQUIRE_FALSE(f.ok());
    CHECK(f.status().message().find("estimator.correction") != std::string::npos);
    EngineOptions remote;
    remote.publish.endpoint = "tcp://0.0.0.0:5999";
    auto r = Engine::Create(remote, std::make_unique<VectorSource>(x));
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().message().find("publish.endpoint") != std::string::npos);
    EngineOptions frozen;
    frozen.trainer.enabled = false;
    CHECK_FALSE(Engine::Create(frozen, std::make_unique<VectorSource>(x)).ok());
  }
}

TEST_SUITE("Checkpoint") {
  TEST_CASE("Checkpoint.RoundTripRestoresTheModel") {
    sbtg::ModelOptions mo;
    mo.kind = sbtg::ScoreModelKind::kLinear;
    mo.hidden = 8;
    sbtg::est::ScoreModel model(mo, 5, 2, 11);
    model.params().setRandom();
    const Eigen::VectorXd mean = Eigen::VectorXd::LinSpaced(5, -1, 1), scale = Eigen::VectorXd::Constant(5, 2.0);
    const auto dir = sbtg::testing::ScratchDir("checkpoint");
    REQUIRE(sbtg::est::SaveCheckpoint(dir / "m.ckpt", model, &mean, &scale, {{"note", "test"}}).ok());
    auto c = sbtg::est::LoadCheckpoint(dir / "m.ckpt");
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    CHECK(c->model->params() == model.params());
    CHECK(c->mean == mean);
    CHECK(c->scale == scale);
    CHECK(c->meta["note"] == "test");
    MatrixXf z = MatrixXf::Random(3, model.dim()), s1, s2;
    sbtg::est::Workspace ws;
    model.Score(z, s1, ws);
    c->model->Score(z, s2, ws);
    CHECK(s1 == s2);
    // Damage is reported with the file name.
    {
      std::ofstream f(dir / "bad.ckpt", std::ios::binary);
      f << "SBTGCKPT1\n{\"format\":\"sbtg.checkpoint\",\"version\":1}\n";
    }
    auto bad = sbtg::est::LoadCheckpoint(dir / "bad.ckpt");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message().find("bad.ckpt") != std::string::npos);
  }
}

TEST_SUITE("Wire") {
  TEST_CASE("Wire.SourceSpecParsesKindTargetAndKeys") {
    auto s = sbtg::ParseSourceSpec("zmq:tcp://127.0.0.1:5555?n=10&mode=sub&topic=frames");
    REQUIRE(s.ok());
    CHECK(s->kind == "zmq");
    CHECK(s->target == "tcp://127.0.0.1:5555");
    CHECK(s->Get("n") == "10");
    CHECK(s->Get("mode") == "sub");
    CHECK(s->CheckKeys({"n", "mode"}).message().find("'topic'") != std::string::npos);
    CHECK_FALSE(sbtg::ParseSourceSpec("no-kind").ok());
    CHECK_FALSE(sbtg::ParseSourceSpec("sim:tanh?n=1&n=2").ok());
    CHECK(sbtg::SpecDouble(*s, "n", 0).value() == 10.0);
    CHECK_FALSE(sbtg::SpecInt(*s, "mode", 0).ok());
  }

  TEST_CASE("Wire.DecodeGraphRejectsInconsistentMessages") {
    CHECK_FALSE(sbtg::stream::DecodeGraph({"graph/lag1", "not json"}).ok());
    const std::string header = R"({"schema":"sbtg.graph","version":1,"arrays":[{"name":"p","dtype":"<f8","shape":[2,2]}]})";
    CHECK_FALSE(sbtg::stream::DecodeGraph({"graph/lag1", header, std::string(31, '\0')}).ok());
    auto ok = sbtg::stream::DecodeGraph({"graph/lag1", header, std::string(32, '\0')});
    REQUIRE(ok.ok());
    CHECK(ok->arrays["p"].rows() == 2);
    const std::string v2 = R"({"schema":"sbtg.graph","version":2,"arrays":[]})";
    CHECK_FALSE(sbtg::stream::DecodeGraph({"graph/lag1", v2}).ok());
  }
}

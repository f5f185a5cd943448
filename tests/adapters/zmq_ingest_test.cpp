// Acceptance 4: malformed, truncated, oversized, wrong-n, wrong-version and NaN-carrying ingest
// messages (and wrong dtype/stream) are rejected with counted reasons, and the engine keeps running.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>
#include <zmq.hpp>

#include "adapters/zmq/ingest_format.hpp"
#include "adapters/zmq/zmq_source.hpp"

using sbtg::IngestReject;
using sbtg::adapters::DecodeIngest;
using sbtg::adapters::EncodeIngestFrame;
using sbtg::adapters::IngestExtras;
using sbtg::adapters::IngestFrameFields;

namespace {

constexpr Eigen::Index kN = 4;

std::vector<std::string> Good(std::uint64_t seq) {
  const float v[kN] = {1.0f, 2.0f, 3.0f, 4.0f};
  IngestFrameFields f;
  f.sequence = seq;
  f.time = 0.05 * static_cast<double>(seq);
  return EncodeIngestFrame(f, v, kN);
}

std::vector<std::string> WithHeader(std::uint64_t seq, const std::function<void(nlohmann::json&)>& edit) {
  auto parts = Good(seq);
  auto h = nlohmann::json::parse(parts[1]);
  edit(h);
  parts[1] = h.dump();
  return parts;
}

struct BadCase {
  const char* what;
  std::vector<std::string> parts;
  IngestReject reason;
};

std::vector<BadCase> BadCases() {
  std::vector<BadCase> c;
  c.push_back({"header not JSON", {"frames", "{not json", std::string(16, '\0')}, IngestReject::kMalformed});
  c.push_back({"four parts", {"frames", Good(1)[1], Good(1)[2], "x"}, IngestReject::kMalformed});
  c.push_back({"no seq", WithHeader(1, [](auto& h) { h.erase("seq"); }), IngestReject::kMalformed});
  c.push_back({"negative seq", WithHeader(1, [](auto& h) { h["seq"] = -3; }), IngestReject::kMalformed});
  c.push_back({"frame header without payload", {"frames", Good(1)[1]}, IngestReject::kTruncated});
  auto trunc = Good(1);
  trunc[2].resize(12);
  c.push_back({"payload of 3 values", trunc, IngestReject::kTruncated});
  auto longer = Good(1);
  longer[2] += std::string(4, '\0');
  c.push_back({"payload of 5 values", longer, IngestReject::kOversized});
  c.push_back({"huge message", {"frames", Good(1)[1], std::string(200000, '\0')}, IngestReject::kOversized});
  c.push_back({"n = 5", WithHeader(1, [](auto& h) { h["n"] = 5; }), IngestReject::kWrongN});
  c.push_back({"version 2", WithHeader(1, [](auto& h) { h["version"] = 2; }), IngestReject::kWrongVersion});
  auto nan = Good(1);
  const float q = std::nanf("");
  std::memcpy(nan[2].data() + 4, &q, 4);
  c.push_back({"NaN value", nan, IngestReject::kNonFinite});
  c.push_back({"float64", WithHeader(1, [](auto& h) { h["dtype"] = "float64"; }), IngestReject::kWrongDtype});
  c.push_back({"other stream", WithHeader(1, [](auto& h) { h["stream"] = "other"; }), IngestReject::kWrongStream});
  return c;
}

}  // namespace

TEST_SUITE("ZmqIngest") {
  TEST_CASE("ZmqIngest.DecodeRejectsEachBadKindWithItsReason") {
    sbtg::FramePool pool(kN, 2);
    const auto h = pool.TryAcquire();
    IngestExtras extras;
    CHECK_FALSE(DecodeIngest(Good(7), kN, "rig", 1024, &pool.at(h), extras).has_value());
    CHECK(pool.at(h).sequence == 7);
    CHECK(pool.at(h).values[3] == 4.0f);
    for (const auto& bad : BadCases()) {
      CAPTURE(std::string(bad.what));
      IngestExtras e;
      const auto err = DecodeIngest(bad.parts, kN, "rig", 1024, &pool.at(h), e);
      REQUIRE(err.has_value());
      CHECK(err->reason == bad.reason);
      CHECK_FALSE(err->detail.empty());
    }
    // A value declared missing may be NaN; the frame is kept but marked incomplete.
    auto missing = Good(2);
    auto hd = nlohmann::json::parse(missing[1]);
    hd["missing"] = {1};
    missing[1] = hd.dump();
    const float q = std::nanf("");
    std::memcpy(missing[2].data() + 4, &q, 4);
    CHECK_FALSE(DecodeIngest(missing, kN, "rig", 1024, &pool.at(h), extras).has_value());
    CHECK(pool.at(h).has_missing);
    CHECK(pool.at(h).valid[1] == 0);
  }

  TEST_CASE("ZmqIngest.EngineCountsRejectsAndKeepsRunning" * doctest::timeout(30)) {
    sbtg::adapters::ZmqIngestOptions zo;
    zo.endpoint = "tcp://127.0.0.1:*";
    zo.n = kN;
    zo.frame_period = 0.05;
    zo.max_bytes = 4096;
    auto src = sbtg::adapters::ZmqSource::Create(zo);
    REQUIRE_MESSAGE(src.ok(), src.status().ToString());
    const std::string endpoint = (*src)->endpoint();
    sbtg::EngineOptions o;
    o.trainer.model.kind = sbtg::ScoreModelKind::kGaussian;
    o.preprocess.warmup_frames = 0;
    auto engine = sbtg::Engine::Create(o, std::move(*src));
    REQUIRE(engine.ok());
    REQUIRE((*engine)->Start().ok());
    zmq::context_t ctx(1);
    zmq::socket_t push(ctx, zmq::socket_type::push);
    push.set(zmq::sockopt::linger, 1000);
    push.connect(endpoint);
    auto send = [&](const std::vector<std::string>& parts) {
      for (size_t k = 0; k < parts.size(); ++k) {
        push.send(zmq::buffer(parts[k]), k + 1 < parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
      }
    };
    send(Good(0));  // locks the stream id to "rig"
    const auto bad = BadCases();
    for (const auto& b : bad) send(b.parts);
    send(sbtg::adapters::EncodeIngestMeta("frames", "rig", {"a", "b", "c", "d"}, 0.05));
    send(Good(1));
    send(Good(2));
    sbtg::EngineStats s;
    for (int k = 0; k < 1000; ++k) {
      s = (*engine)->Stats();
      if (s.frames_processed == 3 && s.rejected_total() == bad.size()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    CHECK(s.frames_processed == 3);  // good frames before and after the bad ones got through
    std::array<std::uint64_t, sbtg::kIngestRejectKinds> expected{};
    for (const auto& b : bad) ++expected[static_cast<size_t>(b.reason)];
    for (int k = 0; k < sbtg::kIngestRejectKinds; ++k) {
      CAPTURE(ToString(static_cast<IngestReject>(k)));
      CHECK(s.rejected[static_cast<size_t>(k)] == expected[static_cast<size_t>(k)]);
    }
    CHECK(s.gaps == 0);  // rejected messages are not frames: the sequence 0, 1, 2 is intact
    (*engine)->Stop();
    CHECK((*engine)->source_status().ok());
  }

  TEST_CASE("ZmqIngest.BindingBeyondLoopbackMustBeExplicit") {
    sbtg::adapters::ZmqIngestOptions zo;
    zo.endpoint = "tcp://0.0.0.0:*";
    zo.n = 3;
    auto src = sbtg::adapters::ZmqSource::Create(zo);
    REQUIRE_FALSE(src.ok());
    CHECK(src.status().message().find("allow_remote") != std::string::npos);
    zo.endpoint = "tcp://127.0.0.1:*";
    zo.n = 0;
    CHECK_FALSE(sbtg::adapters::ZmqSource::Create(zo).ok());
  }
}

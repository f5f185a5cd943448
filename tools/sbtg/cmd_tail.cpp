// `sbtg tail ENDPOINT`: subscribes to a running engine's publisher and prints graph, edges and stats
// summaries as they arrive (a late joiner first receives the cached latest graphs).
#include <fmt/core.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "engine/stream/wire.hpp"
#include "tools/sbtg/commands.hpp"

namespace sbtg::cli {

namespace {

struct TailArgs {
  std::string endpoint;
  std::vector<std::string> topics{"graph/", "edges", "stats"};
  int count = 0;         // messages before exiting; 0 = forever
  double timeout = 0;    // seconds without any message before exiting with an error; 0 = wait forever
  int top = 5;           // strongest edges shown per graph
};

void PrintGraph(const std::vector<std::string>& parts, int top) {
  auto g = stream::DecodeGraph(parts);
  if (!g.ok()) {
    fmt::print("{}: undecodable graph ({})\n", parts[0], g.status().message());
    return;
  }
  const auto& h = g->header;
  const auto& effect = g->arrays.at("effect");
  const auto& selected = g->arrays.at("selected");
  const auto names = h.at("names").get<std::vector<std::string>>();
  fmt::print("{} seq {}{}{}: n {} windows {} frames {}..{} model v{} | {} selected (bandwidth {:.1f})\n", parts[0],
             h.at("seq").get<std::uint64_t>(), h.value("cached", false) ? " (cached)" : "",
             h.value("final", false) ? " (final)" : "", h.at("n").get<int>(), h.at("windows").get<std::int64_t>(),
             h["frames"]["first_sequence"].get<std::uint64_t>(), h["frames"]["last_sequence"].get<std::uint64_t>(),
             h["model"]["version"].get<std::uint64_t>(), h.at("selected").get<std::int64_t>(),
             h["test"]["bandwidth"].get<double>());
  std::vector<std::tuple<double, Eigen::Index, Eigen::Index>> sel;
  for (Eigen::Index j = 0; j < selected.rows(); ++j) {
    for (Eigen::Index i = 0; i < selected.cols(); ++i) {
      if (selected(j, i) != 0) sel.emplace_back(-std::abs(effect(j, i)), j, i);
    }
  }
  std::sort(sel.begin(), sel.end());
  for (size_t k = 0; k < sel.size() && static_cast<int>(k) < top; ++k) {
    const auto [neg, j, i] = sel[k];
    fmt::print("    {} -> {}  effect {:+.4f}\n", names[static_cast<size_t>(i)], names[static_cast<size_t>(j)], effect(j, i));
  }
}

void PrintOther(const std::vector<std::string>& parts) {
  const auto h = nlohmann::json::parse(parts.size() > 1 ? parts[1] : "", nullptr, false);
  if (h.is_discarded()) {
    fmt::print("{}: undecodable header\n", parts[0]);
    return;
  }
  if (parts[0] == "stats") {
    fmt::print("stats seq {}{}: frames {} ({:.0f}/s) dropped {} gaps {} rejected {} | model v{} loss {} | update "
               "p50/p99 {:.0f}/{:.0f} us\n",
               h.value("seq", 0), h.value("final", false) ? " (final)" : "", h.value("frames_processed", 0),
               h.value("frames_per_second", 0.0), h.value("dropped_oldest", 0) + h.value("dropped_newest", 0),
               h.value("gaps", 0), h.value("rejected_total", 0), h.value("model_version", 0),
               h["trainer_loss"].dump(), h["latency_update"].value("p50_us", 0.0),
               h["latency_update"].value("p99_us", 0.0));
  } else if (parts[0] == "edges") {
    for (const auto& lag : h["lags"]) {
      fmt::print("edges seq {} lag {}: {} selected\n", h.value("seq", 0), lag.value("lag", 0), lag.value("selected", 0));
    }
  } else {
    fmt::print("{}: {}\n", parts[0], parts[1].substr(0, 200));
  }
}

int RunTail(const TailArgs& a) {
  zmq::context_t ctx(1);
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::linger, 0);
  sub.set(zmq::sockopt::rcvtimeo, 200);
  try {
    for (const auto& t : a.topics) sub.set(zmq::sockopt::subscribe, t);
    sub.connect(a.endpoint);
  } catch (const zmq::error_t& e) {
    return ReportError("tail", Status::Unavailable("cannot connect to '" + a.endpoint + "': " + e.what()));
  }
  int received = 0;
  auto last = std::chrono::steady_clock::now();
  while (a.count <= 0 || received < a.count) {
    std::vector<std::string> parts;
    zmq::message_t msg;
    bool more = true;
    while (more) {
      if (!sub.recv(msg, zmq::recv_flags::none)) break;
      parts.emplace_back(msg.data<char>(), msg.size());
      more = msg.more();
    }
    if (parts.empty()) {
      const double idle = std::chrono::duration<double>(std::chrono::steady_clock::now() - last).count();
      if (a.timeout > 0 && idle > a.timeout) {
        return ReportError("tail", Status::Unavailable(fmt::format("no message from {} for {:.1f} s", a.endpoint, idle)));
      }
      continue;
    }
    last = std::chrono::steady_clock::now();
    ++received;
    if (parts[0].rfind("graph/", 0) == 0) {
      PrintGraph(parts, a.top);
    } else {
      PrintOther(parts);
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

void RegisterTail(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TailArgs>();
  auto* sub = app.add_subcommand("tail", "Print graph and stats summaries published by `sbtg stream`");
  sub->add_option("endpoint", args->endpoint, "publisher endpoint, e.g. tcp://127.0.0.1:5560")->required();
  sub->add_option("--topic", args->topics, "topic prefixes to subscribe to (default graph/, edges, stats)");
  sub->add_option("--count", args->count, "exit after this many messages (0 = run until interrupted)");
  sub->add_option("--timeout", args->timeout, "fail after this many seconds without a message (0 = wait)");
  sub->add_option("--top", args->top, "strongest selected edges shown per graph (default 5)");
  sub->callback([args, &exit_code] { exit_code = RunTail(*args); });
}

}  // namespace sbtg::cli

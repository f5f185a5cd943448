#include "engine/stream/publisher.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <zmq.hpp>

namespace sbtg::stream {

struct Publisher::Socket {
  zmq::context_t context{1};
  zmq::socket_t socket{context, zmq::socket_type::xpub};
};

Publisher::Publisher(const EngineOptions& options, double frame_period, Counters& counters, SnapshotExchange& exchange,
                     StatsFn stats, NamesFn names)
    : options_(options),
      frame_period_(frame_period),
      counters_(counters),
      exchange_(exchange),
      stats_(std::move(stats)),
      names_(std::move(names)) {}

Publisher::~Publisher() = default;

Status Publisher::Bind() {
  if (options_.publish.endpoint.empty()) return Status::Ok();
  try {
    auto s = std::make_unique<Socket>();
    s->socket.set(zmq::sockopt::xpub_verbose, 1);
    s->socket.set(zmq::sockopt::linger, 500);  // ms to flush the final snapshot at stop
    s->socket.set(zmq::sockopt::sndhwm, 1000);
    s->socket.bind(options_.publish.endpoint);
    endpoint_ = s->socket.get(zmq::sockopt::last_endpoint);
    socket_ = std::move(s);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable("cannot bind publisher to '" + options_.publish.endpoint + "': " + e.what());
  }
  return Status::Ok();
}

std::shared_ptr<const GraphSnapshot> Publisher::Latest() const {
  std::lock_guard<std::mutex> lock(latest_mu_);
  return latest_;
}

void Publisher::Send(const WireMessage& m) {
  if (!socket_) return;
  for (size_t k = 0; k < m.parts.size(); ++k) {
    const auto flags = k + 1 < m.parts.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
    // XPUB never blocks: with no subscriber, or above the high-water mark, messages are dropped.
    (void)socket_->socket.send(zmq::buffer(m.parts[k]), flags | zmq::send_flags::dontwait);
  }
}

void Publisher::ServeSubscriptions() {
  if (!socket_) return;
  zmq::message_t msg;
  while (socket_->socket.recv(msg, zmq::recv_flags::dontwait)) {
    if (msg.size() < 1 || msg.data<unsigned char>()[0] != 1) continue;  // unsubscribe or junk
    const std::string prefix(msg.data<char>() + 1, msg.size() - 1);
    for (const auto& [topic, cached] : cache_) {
      if (topic.rfind(prefix, 0) == 0) Send(AsCachedReplay(cached));
    }
  }
}

void Publisher::PublishSnapshot(int k) {
  const SnapshotBuffer& b = exchange_.buffer(k);
  auto g = BuildSnapshot(b, options_, names_(), frame_period_, ++seq_);
  g->stats = stats_(false);
  std::vector<WireMessage> msgs = EncodeGraphs(*g);
  msgs.push_back(EncodeEdges(*g, options_.publish.max_edges));
  for (auto& m : msgs) {
    Send(m);
    cache_[m.topic()] = std::move(m);
  }
  Bump(counters_.snapshots);
  if (b.newest_arrival_ns > 0) counters_.publish_latency.Record(SteadyNanos() - b.newest_arrival_ns);
  std::lock_guard<std::mutex> lock(latest_mu_);
  latest_ = std::move(g);
}

void Publisher::SendStats(bool final) {
  const EngineStats s = stats_(true);
  Send(EncodeStats(s, ++stats_seq_, final, seq_));
}

void Publisher::Run(const std::atomic<bool>& stop) {
  const auto heartbeat = std::chrono::duration<double>(options_.publish.heartbeat);
  auto next_beat = std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(heartbeat);
  for (;;) {
    const bool stopping = stop.load(std::memory_order_acquire);
    exchange_.Wait(std::chrono::milliseconds(stopping ? 0 : 10));
    ServeSubscriptions();
    for (int k = exchange_.Take(); k >= 0; k = exchange_.Take()) {
      PublishSnapshot(k);
      exchange_.Release(k);
    }
    const auto now = std::chrono::steady_clock::now();
    if (stopping) {
      SendStats(true);
      return;
    }
    if (now >= next_beat) {
      SendStats(false);
      next_beat = now + std::chrono::duration_cast<std::chrono::nanoseconds>(heartbeat);
    }
  }
}

}  // namespace sbtg::stream

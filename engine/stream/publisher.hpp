// Publisher: the publisher thread's work. It turns pipeline snapshots into GraphSnapshots (z, p, q,
// effects), keeps the latest for in-process readers, and serves them on a ZeroMQ XPUB socket:
// `graph/lag{r}` and `edges` per snapshot, `stats` every heartbeat. A last-value cache answers late
// joiners: with XPUB_VERBOSE every subscription reaches us, and the cached latest message of each
// matching topic is re-sent with "cached": true (existing subscribers may see that copy too; the
// header's seq identifies it). Binding happens in Bind(), on the caller's thread, so errors surface at
// Engine::Start(); the socket then belongs to the publisher thread alone.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "engine/stream/shared.hpp"
#include "engine/stream/wire.hpp"
#include "sbtg/stream.hpp"

namespace sbtg::stream {

class Publisher {
 public:
  using StatsFn = std::function<EngineStats(bool heartbeat)>;
  using NamesFn = std::function<std::vector<std::string>()>;
  Publisher(const EngineOptions& options, double frame_period, Counters& counters, SnapshotExchange& exchange,
            StatsFn stats, NamesFn names);
  ~Publisher();
  Publisher(const Publisher&) = delete;
  Publisher& operator=(const Publisher&) = delete;

  Status Bind();
  void Run(const std::atomic<bool>& stop);
  [[nodiscard]] std::string endpoint() const { return endpoint_; }
  [[nodiscard]] std::shared_ptr<const GraphSnapshot> Latest() const;

 private:
  struct Socket;
  void PublishSnapshot(int buffer);
  void SendStats(bool final);
  void ServeSubscriptions();
  void Send(const WireMessage& m);

  EngineOptions options_;
  double frame_period_;
  Counters& counters_;
  SnapshotExchange& exchange_;
  StatsFn stats_;
  NamesFn names_;
  std::unique_ptr<Socket> socket_;
  std::string endpoint_;
  std::map<std::string, WireMessage> cache_;  // latest message per graph/edges topic
  mutable std::mutex latest_mu_;
  std::shared_ptr<const GraphSnapshot> latest_;
  std::uint64_t seq_ = 0, stats_seq_ = 0;
};

}  // namespace sbtg::stream

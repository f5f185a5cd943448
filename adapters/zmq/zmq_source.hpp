// ZeroMQ ingest adapter: the way a rig connects. Receives frames in the ingest format (docs/wire-
// format.md) on a PULL (default; binds, rigs connect and push) or SUB socket (connects to a rig's PUB),
// validates every message strictly and rejects bad ones with a counted reason (malformed, truncated,
// oversized, wrong n, wrong version, non-finite values, wrong dtype, wrong stream) — the engine keeps
// running. The stream id is the configured one, or else the first one seen. The socket is created
// and bound/connected at construction (so the endpoint is known before the engine starts) and used
// only by the adapter thread afterwards. Source spec:
//   zmq:ENDPOINT?n=N[&mode=pull|sub&bind=1|0&topic=PREFIX&stream=ID&period=S&names=FILE
//                    &max_bytes=B&allow_remote=1]
#pragma once

#include <memory>
#include <string>

#include "adapters/zmq/ingest_format.hpp"
#include "sbtg/stream.hpp"

namespace sbtg::adapters {

struct ZmqIngestOptions {
  std::string endpoint;        // e.g. tcp://127.0.0.1:5555 (bind "tcp://127.0.0.1:*" picks a free port)
  bool subscribe = false;      // false: PULL, true: SUB
  int bind = -1;               // 1 bind, 0 connect, −1 = PULL binds, SUB connects
  std::string topic;           // SUB subscription prefix ("" = everything)
  Eigen::Index n = 0;          // values per frame (required: frames with another n are rejected)
  std::vector<std::string> names;  // optional; metadata messages may supply them later
  double frame_period = 0;     // seconds; 0 = unknown (time-gap checks then need timestamps only)
  std::string stream;          // accepted stream id; "" = the first one seen
  std::size_t max_bytes = 0;   // message size limit; 0 = 64 KiB + 8·n
  bool allow_remote = false;   // binding beyond loopback must be explicit
  int receive_timeout_ms = 50; // stop-flag poll interval
};

class ZmqSource final : public Source {
 public:
  static Result<std::unique_ptr<ZmqSource>> Create(const ZmqIngestOptions& options);
  static Result<std::unique_ptr<ZmqSource>> FromSpec(const SourceSpec& spec);
  ~ZmqSource() override;

  [[nodiscard]] const SourceInfo& info() const override { return info_; }
  Status Run(SourceContext& ctx) override;
  // The resolved endpoint (wildcard ports replaced by the chosen port).
  [[nodiscard]] const std::string& endpoint() const { return endpoint_; }

 private:
  struct Socket;
  ZmqSource(const ZmqIngestOptions& options, std::unique_ptr<Socket> socket, std::string endpoint);
  void Handle(SourceContext& ctx, const std::vector<std::string>& parts);

  ZmqIngestOptions options_;
  std::unique_ptr<Socket> socket_;
  std::string endpoint_;
  SourceInfo info_;
  std::string stream_;  // locked-in stream id
};

}  // namespace sbtg::adapters

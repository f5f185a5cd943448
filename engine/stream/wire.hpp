// The ZeroMQ wire formats of the live engine, version 1 (docs/wire-format.md): encoding of the graph,
// edges and stats topics, and decoding of graph messages (sbtg tail, tests). Ingest decoding lives in
// the zmq adapter. Messages are lists of binary-safe strings, parts[0] being the topic.
// Pure functions; thread-safe.
#pragma once

#include <Eigen/Core>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sbtg/stream.hpp"

namespace sbtg::stream {

inline constexpr int kWireVersion = 1;

struct SnapshotBuffer;

struct WireMessage {
  std::vector<std::string> parts;  // [topic, JSON header, binary arrays…]
  [[nodiscard]] const std::string& topic() const { return parts.front(); }
};

std::string GraphTopic(int lag);  // "graph/lag{r}"

// One message per lag: [graph/lag{r}][header][effect][mu][z][p][q][variance][selected].
std::vector<WireMessage> EncodeGraphs(const GraphSnapshot& snapshot);
// [edges][JSON]: the strongest FDR-selected edges per lag (at most max_edges per lag).
WireMessage EncodeEdges(const GraphSnapshot& snapshot, int max_edges);
// [stats][JSON]: the heartbeat.
WireMessage EncodeStats(const EngineStats& stats, std::uint64_t seq, bool final, std::uint64_t graphs_published);

// Marks a cached message as a replay for a late joiner (sets "cached": true in its header).
WireMessage AsCachedReplay(const WireMessage& message);

struct DecodedGraph {
  nlohmann::json header;
  std::map<std::string, Eigen::MatrixXd> arrays;  // [target, source]; int8 arrays converted to double
};
// Validates the header (schema, version) and the array descriptors against the parts that follow.
Result<DecodedGraph> DecodeGraph(const std::vector<std::string>& parts);

// The GraphSnapshot built from a pipeline snapshot (z, p, q, effects): the publisher's conversion.
std::shared_ptr<GraphSnapshot> BuildSnapshot(const SnapshotBuffer& buffer, const EngineOptions& options,
                                             const std::vector<std::string>& names, double frame_period,
                                             std::uint64_t seq);

}  // namespace sbtg::stream

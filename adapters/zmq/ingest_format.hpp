// The ZeroMQ ingest format, version 1 (docs/wire-format.md): encoding (for senders written in C++,
// tests and the load-test sender) and strict decoding into a pool frame. A frame message has three
// parts: [topic][JSON header][n little-endian float32 values]; a metadata message has two:
// [topic][{"schema": "sbtg.meta", ...}]. Pure functions; thread-safe.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sbtg/frame.hpp"
#include "sbtg/stream.hpp"

namespace sbtg::adapters {

inline constexpr int kIngestVersion = 1;

struct IngestFrameFields {
  std::string topic = "frames";
  std::string stream = "rig";
  std::uint64_t sequence = 0;
  double time = 0.0;                        // source timestamp, seconds (NaN → null: not provided)
  std::string segment;                      // "" = omitted
  std::vector<std::string> names;           // optional, n entries
  std::vector<Eigen::Index> missing;        // optional indices of unmeasured values
};
// [topic][header][payload] for `values` (n floats).
std::vector<std::string> EncodeIngestFrame(const IngestFrameFields& fields, const float* values, Eigen::Index n);
// [topic][{"schema":"sbtg.meta","version":1,"stream":…,"n":…,"names":[…],"frame_period":…}]
std::vector<std::string> EncodeIngestMeta(const std::string& topic, const std::string& stream,
                                          const std::vector<std::string>& names, double frame_period);

struct IngestError {
  IngestReject reason;
  std::string detail;
};

// What a decoded message carried besides the frame values.
struct IngestExtras {
  bool is_meta = false;              // a metadata message (no frame)
  std::string stream;                // the header's stream id
  std::vector<std::string> names;    // names, when the message had them
  double frame_period = 0;           // metadata: seconds per frame, 0 = not given
};

// Decodes `parts` for a stream of n values. `expected_stream` "" accepts any id. On success fills
// `frame` (values, validity, sequence, time, segment; not arrival) unless it is a metadata message.
// `max_bytes` bounds the whole message.
std::optional<IngestError> DecodeIngest(const std::vector<std::string>& parts, Eigen::Index n,
                                        const std::string& expected_stream, std::size_t max_bytes, Frame* frame,
                                        IngestExtras& extras);

}  // namespace sbtg::adapters

#include "adapters/zmq/ingest_format.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>

namespace sbtg::adapters {

using nlohmann::json;

static_assert(std::endian::native == std::endian::little, "ingest payloads are little-endian float32");

std::vector<std::string> EncodeIngestFrame(const IngestFrameFields& f, const float* values, Eigen::Index n) {
  json h = {{"schema", "sbtg.frame"}, {"version", kIngestVersion}, {"stream", f.stream}, {"seq", f.sequence},
            {"t", std::isfinite(f.time) ? json(f.time) : json(nullptr)}, {"n", n}, {"dtype", "float32"}};
  if (!f.segment.empty()) h["segment"] = f.segment;
  if (!f.names.empty()) h["names"] = f.names;
  if (!f.missing.empty()) h["missing"] = f.missing;
  return {f.topic, h.dump(), std::string(reinterpret_cast<const char*>(values), static_cast<size_t>(n) * 4)};
}

std::vector<std::string> EncodeIngestMeta(const std::string& topic, const std::string& stream,
                                          const std::vector<std::string>& names, double frame_period) {
  const json h = {{"schema", "sbtg.meta"}, {"version", kIngestVersion}, {"stream", stream},
                  {"n", names.size()},      {"names", names},               {"frame_period", frame_period}};
  return {topic, h.dump()};
}

namespace {

std::optional<IngestError> Fail(IngestReject r, std::string detail) { return IngestError{r, std::move(detail)}; }

std::optional<IngestError> ReadNames(const json& h, Eigen::Index n, IngestExtras& extras) {
  if (!h.contains("names")) return std::nullopt;
  const json& names = h["names"];
  if (!names.is_array() || static_cast<Eigen::Index>(names.size()) != n) {
    return Fail(IngestReject::kMalformed, "names must be an array of n strings");
  }
  extras.names.clear();
  for (const auto& v : names) {
    if (!v.is_string()) return Fail(IngestReject::kMalformed, "names must be strings");
    extras.names.push_back(v.get<std::string>());
  }
  return std::nullopt;
}

// Header checks shared by frame and metadata messages, in the documented order.
std::optional<IngestError> CheckCommon(const json& h, Eigen::Index n, const std::string& expected_stream,
                                       IngestExtras& extras) {
  if (!h.contains("version") || !h["version"].is_number_integer()) {
    return Fail(IngestReject::kMalformed, "header has no integer 'version'");
  }
  if (h["version"].get<std::int64_t>() != kIngestVersion) {
    return Fail(IngestReject::kWrongVersion, "version " + h["version"].dump() + " (supported: 1)");
  }
  if (!h.contains("stream") || !h["stream"].is_string()) return Fail(IngestReject::kMalformed, "header has no 'stream'");
  extras.stream = h["stream"].get<std::string>();
  if (!expected_stream.empty() && extras.stream != expected_stream) {
    return Fail(IngestReject::kWrongStream, "stream '" + extras.stream + "', expected '" + expected_stream + "'");
  }
  if (!h.contains("n") || !h["n"].is_number_integer()) return Fail(IngestReject::kMalformed, "header has no integer 'n'");
  if (h["n"].get<std::int64_t>() != n) {
    return Fail(IngestReject::kWrongN, "n = " + h["n"].dump() + ", stream has n = " + std::to_string(n));
  }
  return ReadNames(h, n, extras);
}

std::optional<IngestError> DecodeMeta(const json& h, Eigen::Index n, const std::string& stream, IngestExtras& extras) {
  if (auto e = CheckCommon(h, n, stream, extras)) return e;
  extras.is_meta = true;
  if (h.contains("frame_period")) {
    if (!h["frame_period"].is_number() || !(h["frame_period"].get<double>() >= 0)) {
      return Fail(IngestReject::kMalformed, "frame_period must be a number >= 0");
    }
    extras.frame_period = h["frame_period"].get<double>();
  }
  return std::nullopt;
}

std::optional<IngestError> DecodeFrameHeader(const json& h, Eigen::Index n, const std::string& stream, Frame& f,
                                             IngestExtras& extras) {
  if (auto e = CheckCommon(h, n, stream, extras)) return e;
  const std::string dtype = h.value("dtype", "");
  if (dtype != "float32" && dtype != "<f4") return Fail(IngestReject::kWrongDtype, "dtype '" + dtype + "' (expected float32)");
  if (!h.contains("seq") || !h["seq"].is_number_unsigned()) {
    return Fail(IngestReject::kMalformed, "header has no non-negative integer 'seq'");
  }
  f.sequence = h["seq"].get<std::uint64_t>();
  f.source_time = std::numeric_limits<double>::quiet_NaN();
  if (h.contains("t") && !h["t"].is_null()) {
    if (!h["t"].is_number()) return Fail(IngestReject::kMalformed, "'t' must be a number (seconds) or null");
    f.source_time = h["t"].get<double>();
  }
  f.segment[0] = '\0';
  if (h.contains("segment") && !h["segment"].is_null()) {
    if (!h["segment"].is_string()) return Fail(IngestReject::kMalformed, "'segment' must be a string");
    f.SetSegment(h["segment"].get<std::string>());
  }
  f.has_missing = false;
  if (h.contains("missing")) {
    const json& m = h["missing"];
    if (!m.is_array()) return Fail(IngestReject::kMalformed, "'missing' must be an array of indices");
    std::memset(f.valid, 1, static_cast<size_t>(n));
    for (const auto& v : m) {
      if (!v.is_number_unsigned() || v.get<std::uint64_t>() >= static_cast<std::uint64_t>(n)) {
        return Fail(IngestReject::kMalformed, "'missing' entries must be indices in [0, n)");
      }
      f.valid[v.get<std::size_t>()] = 0;
      f.has_missing = true;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<IngestError> DecodeIngest(const std::vector<std::string>& parts, Eigen::Index n,
                                        const std::string& expected_stream, std::size_t max_bytes, Frame* frame,
                                        IngestExtras& extras) {
  std::size_t total = 0;
  for (const auto& p : parts) total += p.size();
  if (total > max_bytes) {
    return Fail(IngestReject::kOversized, std::to_string(total) + " bytes > limit " + std::to_string(max_bytes));
  }
  if (parts.size() != 2 && parts.size() != 3) {
    return Fail(IngestReject::kMalformed, std::to_string(parts.size()) + " parts (expected 3, or 2 for metadata)");
  }
  const json h = json::parse(parts[1], nullptr, false);
  if (h.is_discarded() || !h.is_object()) return Fail(IngestReject::kMalformed, "header is not a JSON object");
  const std::string schema = h.value("schema", "");
  if (schema == "sbtg.meta" && parts.size() == 2) return DecodeMeta(h, n, expected_stream, extras);
  if (schema != "sbtg.frame") return Fail(IngestReject::kMalformed, "schema '" + schema + "' (expected sbtg.frame)");
  if (parts.size() == 2) return Fail(IngestReject::kTruncated, "frame message without its payload part");
  if (frame == nullptr) return Fail(IngestReject::kMalformed, "no frame to decode into");
  if (auto e = DecodeFrameHeader(h, n, expected_stream, *frame, extras)) return e;
  const std::size_t want = static_cast<std::size_t>(n) * 4;
  const std::size_t have = parts.size() == 3 ? parts[2].size() : 0;
  if (have < want) return Fail(IngestReject::kTruncated, std::to_string(have) + " payload bytes < " + std::to_string(want));
  if (have > want) return Fail(IngestReject::kOversized, std::to_string(have) + " payload bytes > " + std::to_string(want));
  std::memcpy(frame->values, parts[2].data(), want);
  for (Eigen::Index j = 0; j < n; ++j) {
    if (!std::isfinite(frame->values[j]) && !(frame->has_missing && frame->valid[j] == 0)) {
      return Fail(IngestReject::kNonFinite, "value " + std::to_string(j) + " is not finite and not declared missing");
    }
  }
  return std::nullopt;
}

}  // namespace sbtg::adapters

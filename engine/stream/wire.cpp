#include "engine/stream/wire.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <numeric>

namespace sbtg::stream {

using Eigen::Index;
using Eigen::MatrixXd;
using nlohmann::json;

namespace {

// Row-major ([target, source]: row j = target) little-endian bytes of a matrix.
template <typename T, typename M>
std::string RowMajorBytes(const M& m) {
  const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m.template cast<T>();
  return {reinterpret_cast<const char*>(rm.data()), static_cast<size_t>(rm.size()) * sizeof(T)};
}

json ArrayDesc(const std::string& name, const char* dtype, Index n) {
  return {{"name", name}, {"dtype", dtype}, {"shape", {n, n}}, {"order", "C"}};
}

double UnixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

json Finite(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json ModelJson(const GraphSnapshot& s) {
  const bool dsm = s.train.objective != Objective::kExact && s.model.kind != ScoreModelKind::kGaussian;
  return {{"version", s.model_version},
          {"kind", ToString(s.model.kind)},
          {"objective", ToString(s.train.objective)},
          {"sigma", dsm ? s.train.sigma : 0.0},
          {"steps", s.stats.trainer_steps},
          {"loss", Finite(s.stats.trainer_loss)}};
}

}  // namespace

std::string GraphTopic(int lag) { return "graph/lag" + std::to_string(lag); }

std::vector<WireMessage> EncodeGraphs(const GraphSnapshot& s) {
  std::vector<WireMessage> out;
  const auto n = static_cast<Index>(s.names.size());
  const double now = UnixNow();
  for (const LagGraph& g : s.lags) {
    json h = {
        {"schema", "sbtg.graph"},
        {"version", kWireVersion},
        {"seq", s.seq},
        {"final", s.final},
        {"cached", false},
        {"lag", g.lag},
        {"lag_seconds", s.frame_period > 0 ? json(g.lag * s.frame_period) : json(nullptr)},
        {"n", n},
        {"names", s.names},
        {"frame_period", s.frame_period},
        {"frames",
         {{"first_sequence", s.first_sequence},
          {"last_sequence", s.last_sequence},
          {"first_time", Finite(s.first_time)},
          {"last_time", Finite(s.last_time)}}},
        {"windows", s.windows},
        {"runs", s.runs},
        {"model", ModelJson(s)},
        {"test",
         {{"centred", false},
          {"pvalue", ToString(s.test.pvalue)},
          {"fdr", ToString(s.test.fdr)},
          {"alpha", s.test.alpha},
          {"correction", ToString(s.test.correction)},
          {"bandwidth", g.bandwidth},
          {"bandwidth_capped", g.bandwidth_capped},
          {"max_hac_lag", s.test.max_hac_lag},
          {"null_scale", g.null_scale},
          {"window", s.test.window}}},
        {"selected", (g.selected.array() != 0).count()},
        {"counters",
         {{"frames_in", s.stats.frames_in},
          {"frames_processed", s.stats.frames_processed},
          {"dropped", s.stats.dropped_oldest + s.stats.dropped_newest + s.stats.pool_exhausted},
          {"gaps", s.stats.gaps},
          {"missing_frames", s.stats.missing_frames},
          {"duplicates", s.stats.duplicates},
          {"out_of_order", s.stats.out_of_order},
          {"rejected", s.stats.rejected_total()}}},
        {"published_unix", now},
        {"arrays",
         {ArrayDesc("effect", "<f8", n), ArrayDesc("mu", "<f8", n), ArrayDesc("z", "<f8", n),
          ArrayDesc("p", "<f8", n), ArrayDesc("q", "<f8", n), ArrayDesc("variance", "<f8", n),
          ArrayDesc("selected", "|i1", n)}},
    };
    WireMessage m;
    m.parts = {GraphTopic(g.lag), h.dump(), RowMajorBytes<double>(g.effect), RowMajorBytes<double>(g.mu),
               RowMajorBytes<double>(g.z), RowMajorBytes<double>(g.p), RowMajorBytes<double>(g.q),
               RowMajorBytes<double>(g.variance), RowMajorBytes<std::int8_t>(g.selected)};
    out.push_back(std::move(m));
  }
  return out;
}

WireMessage EncodeEdges(const GraphSnapshot& s, int max_edges) {
  json lags = json::array();
  for (const LagGraph& g : s.lags) {
    std::vector<std::pair<Index, Index>> sel;  // (target, source)
    for (Index i = 0; i < g.selected.cols(); ++i) {
      for (Index j = 0; j < g.selected.rows(); ++j) {
        if (g.selected(j, i) != 0) sel.emplace_back(j, i);
      }
    }
    std::sort(sel.begin(), sel.end(), [&](const auto& a, const auto& b) {
      return std::abs(g.effect(a.first, a.second)) > std::abs(g.effect(b.first, b.second));
    });
    json edges = json::array();
    for (size_t k = 0; k < sel.size() && static_cast<int>(k) < max_edges; ++k) {
      const auto [j, i] = sel[k];
      edges.push_back({{"source", i},
                       {"target", j},
                       {"source_name", s.names[static_cast<size_t>(i)]},
                       {"target_name", s.names[static_cast<size_t>(j)]},
                       {"effect", g.effect(j, i)},
                       {"p", g.p(j, i)},
                       {"q", Finite(g.q(j, i))},
                       {"sign", static_cast<int>(g.selected(j, i))}});
    }
    lags.push_back({{"lag", g.lag}, {"selected", sel.size()}, {"edges", edges}});
  }
  const json h = {{"schema", "sbtg.edges"}, {"version", kWireVersion},   {"seq", s.seq},
                  {"final", s.final},       {"frame_period", s.frame_period}, {"alpha", s.test.alpha},
                  {"fdr", ToString(s.test.fdr)}, {"cached", false},   {"lags", lags}};
  return WireMessage{{"edges", h.dump()}};
}

WireMessage EncodeStats(const EngineStats& stats, std::uint64_t seq, bool final, std::uint64_t graphs_published) {
  json h = stats.ToJson();
  h["schema"] = "sbtg.stats";
  h["version"] = kWireVersion;
  h["seq"] = seq;
  h["final"] = final;
  h["graphs_published"] = graphs_published;
  h["published_unix"] = UnixNow();
  return WireMessage{{"stats", h.dump()}};
}

WireMessage AsCachedReplay(const WireMessage& message) {
  WireMessage out = message;
  json h = json::parse(out.parts[1], nullptr, false);
  if (!h.is_discarded()) {
    h["cached"] = true;
    out.parts[1] = h.dump();
  }
  return out;
}

namespace {

Result<DecodedGraph> DecodeGraphUnchecked(const std::vector<std::string>& parts) {
  if (parts.size() < 2) return Status::ParseError("graph message has " + std::to_string(parts.size()) + " parts");
  DecodedGraph d;
  d.header = json::parse(parts[1], nullptr, false);
  if (d.header.is_discarded() || !d.header.is_object()) return Status::ParseError("graph header is not a JSON object");
  if (d.header.value("schema", "") != "sbtg.graph") return Status::ParseError("not a sbtg.graph header");
  if (d.header.value("version", 0) != kWireVersion) {
    return Status::ParseError("unsupported graph version " + d.header.value("version", json(0)).dump());
  }
  const json& arrays = d.header["arrays"];
  if (!arrays.is_array() || arrays.size() + 2 != parts.size()) {
    return Status::ParseError("graph header lists " + std::to_string(arrays.size()) + " arrays but " +
                              std::to_string(parts.size() - 2) + " follow");
  }
  for (size_t k = 0; k < arrays.size(); ++k) {
    const std::string name = arrays[k].value("name", "");
    const std::string dtype = arrays[k].value("dtype", "");
    const auto rows = arrays[k]["shape"].at(0).get<Index>();
    const auto cols = arrays[k]["shape"].at(1).get<Index>();
    const std::string& bytes = parts[k + 2];
    const size_t width = dtype == "<f8" ? 8 : dtype == "|i1" ? 1 : 0;
    if (width == 0) return Status::ParseError("array '" + name + "' has unsupported dtype " + dtype);
    if (bytes.size() != static_cast<size_t>(rows * cols) * width) {
      return Status::ParseError("array '" + name + "' has " + std::to_string(bytes.size()) + " bytes, expected " +
                                std::to_string(rows * cols * static_cast<Index>(width)));
    }
    MatrixXd m(rows, cols);
    for (Index r = 0; r < rows; ++r) {
      for (Index c = 0; c < cols; ++c) {
        const size_t off = static_cast<size_t>(r * cols + c) * width;
        if (width == 8) {
          double v = 0;
          std::memcpy(&v, bytes.data() + off, 8);
          m(r, c) = v;
        } else {
          m(r, c) = static_cast<double>(static_cast<std::int8_t>(bytes[off]));
        }
      }
    }
    d.arrays[name] = std::move(m);
  }
  return d;
}

}  // namespace

Result<DecodedGraph> DecodeGraph(const std::vector<std::string>& parts) {
  try {
    return DecodeGraphUnchecked(parts);
  } catch (const json::exception& e) {
    return Status::ParseError(std::string("graph header: ") + e.what());
  }
}

}  // namespace sbtg::stream

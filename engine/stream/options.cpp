// Option parsing/validation, source specifications, and EngineStats as JSON.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

#include "engine/stream/sliding_estimator.hpp"
#include "sbtg/stream.hpp"

namespace sbtg {

std::string_view ToString(IngestReject reason) {
  switch (reason) {
    case IngestReject::kMalformed: return "malformed";
    case IngestReject::kTruncated: return "truncated";
    case IngestReject::kOversized: return "oversized";
    case IngestReject::kWrongN: return "wrong_n";
    case IngestReject::kWrongVersion: return "wrong_version";
    case IngestReject::kNonFinite: return "non_finite";
    case IngestReject::kWrongDtype: return "wrong_dtype";
    case IngestReject::kWrongStream: return "wrong_stream";
  }
  return "?";
}

Result<StandardizeMode> ParseStandardizeMode(std::string_view name) {
  if (name == "running") return StandardizeMode::kRunning;
  if (name == "exponential") return StandardizeMode::kExponential;
  if (name == "fixed") return StandardizeMode::kFixed;
  if (name == "none") return StandardizeMode::kNone;
  return Status::InvalidArgument("unknown standardization '" + std::string(name) +
                                 "' (expected one of: running, exponential, fixed, none)");
}

std::string_view ToString(StandardizeMode mode) {
  switch (mode) {
    case StandardizeMode::kRunning: return "running";
    case StandardizeMode::kExponential: return "exponential";
    case StandardizeMode::kFixed: return "fixed";
    case StandardizeMode::kNone: return "none";
  }
  return "?";
}

namespace {

Status Bad(const std::string& field, const std::string& why) {
  return Status::InvalidArgument("engine option " + field + " " + why);
}

Status ValidatePreprocess(const PreprocessOptions& p, Eigen::Index n) {
  if (p.standardize == StandardizeMode::kExponential && !(p.halflife_frames >= 2)) {
    return Bad("preprocess.halflife_frames", "must be >= 2 frames");
  }
  if (p.warmup_frames < 0) return Bad("preprocess.warmup_frames", "must be >= 0");
  if (p.standardize == StandardizeMode::kFixed) {
    if (p.fixed_mean.size() != n || p.fixed_scale.size() != n) {
      return Bad("preprocess.fixed_mean/fixed_scale", "must have n = " + std::to_string(n) + " entries");
    }
    if (!p.fixed_mean.allFinite() || !(p.fixed_scale.array() > 0).all() || !p.fixed_scale.allFinite()) {
      return Bad("preprocess.fixed_scale", "must be finite and > 0 (and fixed_mean finite)");
    }
  }
  if (!(p.smoothing >= 0 && p.smoothing < 1)) return Bad("preprocess.smoothing", "must be in [0, 1)");
  if (std::isnan(p.max_time_gap)) return Bad("preprocess.max_time_gap", "must be a number");
  return Status::Ok();
}

Status ValidateEstimator(const StreamEstimatorOptions& e, int max_batch) {
  if (e.lags < 1 || e.lags > 64) return Bad("estimator.lags", "must be in [1, 64]");
  if (e.max_hac_lag < 1) return Bad("estimator.max_hac_lag", "must be >= 1");
  if (e.window < std::max(2 * (e.max_hac_lag + 1), std::max(20, max_batch))) {
    return Bad("estimator.window", "must be >= max(20, max_batch, 2·(max_hac_lag + 1)) windows, got " +
                                       std::to_string(e.window));
  }
  if (e.bandwidth > e.max_hac_lag + 1) {
    return Bad("estimator.bandwidth", "must be <= max_hac_lag + 1 (lags beyond max_hac_lag are not kept)");
  }
  if (e.pvalue == PValueMode::kShift) {
    return Bad("estimator.pvalue", "'shift' needs the whole recording; streaming offers hac and hac_null");
  }
  if (!(e.alpha > 0 && e.alpha < 1)) return Bad("estimator.alpha", "must be in (0, 1)");
  if (e.correction != Correction::kDiagonal) {
    // The offline full-correction test runs on influence series s_f M⁻¹ and s_r − s_f M⁻¹μ̂ that depend
    // on the whole window's M and μ̂; a sliding window cannot keep their HAC sums incrementally.
    return Bad("estimator.correction", "'full' is offline-only; streaming uses the diagonal correction");
  }
  return Status::Ok();
}

Status ValidateTrainer(const StreamTrainerOptions& t) {
  if (t.train.objective == Objective::kDenoisingMulti) {
    return Bad("trainer.train.objective", "'dsm_multi' is offline-only; streaming trains with exact or dsm");
  }
  if (t.train.batch < 1) return Bad("trainer.train.batch", "must be >= 1");
  if (!(t.train.learning_rate > 0)) return Bad("trainer.train.learning_rate", "must be > 0");
  if (t.train.objective == Objective::kDenoising && !(t.train.sigma > 0)) return Bad("trainer.train.sigma", "must be > 0");
  if (t.reservoir < 2) return Bad("trainer.reservoir", "must be >= 2 windows");
  if (t.publish_every_steps < 1) return Bad("trainer.publish_every_steps", "must be >= 1");
  if (t.refit_every_windows < 1) return Bad("trainer.refit_every_windows", "must be >= 1");
  if (t.handoff_capacity < 1) return Bad("trainer.handoff_capacity", "must be >= 1");
  if (t.max_steps_per_second < 0) return Bad("trainer.max_steps_per_second", "must be >= 0");
  if (t.model.hidden < 1) return Bad("trainer.model.hidden", "must be >= 1");
  if (t.model.ridge < 0) return Bad("trainer.model.ridge", "must be >= 0");
  return Status::Ok();
}

bool IsLoopback(const std::string& endpoint) {
  for (const char* prefix : {"tcp://127.0.0.1:", "tcp://localhost:", "tcp://[::1]:", "ipc://", "inproc://"}) {
    if (endpoint.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

Status EngineOptions::Validate(Eigen::Index n) const {
  if (n < 1) return Bad("(source) n", "must be >= 1");
  SBTG_RETURN_IF_ERROR(queue.Validate());
  if (max_batch < 1 || max_batch > 1024) return Bad("max_batch", "must be in [1, 1024]");
  SBTG_RETURN_IF_ERROR(ValidatePreprocess(preprocess, n));
  SBTG_RETURN_IF_ERROR(ValidateEstimator(estimator, max_batch));
  SBTG_RETURN_IF_ERROR(ValidateTrainer(trainer));
  if (!trainer.enabled && !initial_model) {
    return Bad("trainer.enabled", "is false but no initial_model was given: nothing could score the windows");
  }
  const auto& p = publish;
  if (!p.endpoint.empty() && !p.allow_remote && !IsLoopback(p.endpoint)) {
    return Bad("publish.endpoint", "'" + p.endpoint +
                                       "' is not loopback; binding beyond this machine must be explicit (allow_remote)");
  }
  if (p.every_frames < 0) return Bad("publish.every_frames", "must be >= 0");
  if (p.interval < 0) return Bad("publish.interval", "must be >= 0 seconds");
  if (p.every_frames == 0 && p.interval == 0) return Bad("publish.interval", "and every_frames are both 0: no snapshots");
  if (!(p.heartbeat > 0)) return Bad("publish.heartbeat", "must be > 0 seconds");
  if (p.max_edges < 0) return Bad("publish.max_edges", "must be >= 0");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------------

std::string SourceSpec::Get(const std::string& key, const std::string& fallback) const {
  for (const auto& [k, v] : params) {
    if (k == key) return v;
  }
  return fallback;
}

bool SourceSpec::Has(const std::string& key) const {
  return std::any_of(params.begin(), params.end(), [&](const auto& kv) { return kv.first == key; });
}

Status SourceSpec::CheckKeys(const std::vector<std::string>& known) const {
  for (const auto& kv : params) {
    if (std::find(known.begin(), known.end(), kv.first) == known.end()) {
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      return Status::InvalidArgument("--source " + kind + ": unknown key '" + kv.first + "' (accepted: " + list + ")");
    }
  }
  return Status::Ok();
}

Result<SourceSpec> ParseSourceSpec(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("--source '" + std::string(text) +
                                   "' must look like KIND:TARGET[?key=value&…] with KIND replay, sim or zmq");
  }
  SourceSpec spec;
  spec.kind = std::string(text.substr(0, colon));
  std::string_view rest = text.substr(colon + 1);
  const auto q = rest.find('?');
  spec.target = std::string(rest.substr(0, q));
  if (q != std::string_view::npos) {
    std::string_view query = rest.substr(q + 1);
    while (!query.empty()) {
      const auto amp = query.find('&');
      const std::string_view item = query.substr(0, amp);
      const auto eq = item.find('=');
      if (item.empty() || eq == 0) return Status::InvalidArgument("--source: empty key in '" + std::string(text) + "'");
      const std::string key(item.substr(0, eq));
      const std::string value = eq == std::string_view::npos ? "1" : std::string(item.substr(eq + 1));
      if (spec.Has(key)) return Status::InvalidArgument("--source: key '" + key + "' given twice");
      spec.params.emplace_back(key, value);
      if (amp == std::string_view::npos) break;
      query = query.substr(amp + 1);
    }
  }
  if (spec.target.empty()) return Status::InvalidArgument("--source " + spec.kind + ": missing target after ':'");
  return spec;
}

Result<double> SpecDouble(const SourceSpec& spec, const std::string& key, double fallback) {
  if (!spec.Has(key)) return fallback;
  const std::string v = spec.Get(key);
  char* end = nullptr;
  const double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || !std::isfinite(d)) {
    return Status::InvalidArgument("--source " + spec.kind + ": " + key + "='" + v + "' is not a number");
  }
  return d;
}

Result<std::int64_t> SpecInt(const SourceSpec& spec, const std::string& key, std::int64_t fallback) {
  if (!spec.Has(key)) return fallback;
  const std::string v = spec.Get(key);
  char* end = nullptr;
  const long long d = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || end != v.c_str() + v.size()) {
    return Status::InvalidArgument("--source " + spec.kind + ": " + key + "='" + v + "' is not an integer");
  }
  return static_cast<std::int64_t>(d);
}

// ---------------------------------------------------------------------------------------------------

std::uint64_t EngineStats::rejected_total() const {
  std::uint64_t s = 0;
  for (auto v : rejected) s += v;
  return s;
}

nlohmann::json EngineStats::ToJson() const {
  using nlohmann::json;
  json rej = json::object();
  for (int k = 0; k < kIngestRejectKinds; ++k) {
    rej[std::string(ToString(static_cast<IngestReject>(k)))] = rejected[static_cast<size_t>(k)];
  }
  auto lat = [](const LatencySummary& l) {
    return json{{"count", l.count}, {"p50_us", l.p50_us}, {"p90_us", l.p90_us}, {"p99_us", l.p99_us}, {"max_us", l.max_us}};
  };
  return {
      {"uptime_s", uptime_s},
      {"frames_in", frames_in},
      {"frames_processed", frames_processed},
      {"frames_per_second", frames_per_second},
      {"dropped_oldest", dropped_oldest},
      {"dropped_newest", dropped_newest},
      {"pool_exhausted", pool_exhausted},
      {"queue_depth", queue_depth},
      {"queue_capacity", queue_capacity},
      {"gaps", gaps},
      {"missing_frames", missing_frames},
      {"duplicates", duplicates},
      {"out_of_order", out_of_order},
      {"time_gaps", time_gaps},
      {"segment_breaks", segment_breaks},
      {"incomplete_frames", incomplete_frames},
      {"warmup_frames", warmup_frames},
      {"rejected", rej},
      {"rejected_total", rejected_total()},
      {"windows", windows},
      {"windows_unscored", windows_unscored},
      {"windows_to_trainer", windows_to_trainer},
      {"trainer_handoff_dropped", trainer_handoff_dropped},
      {"model_version", model_version},
      {"trainer_steps", trainer_steps},
      {"trainer_windows", trainer_windows},
      {"trainer_loss", std::isfinite(trainer_loss) ? json(trainer_loss) : json(nullptr)},
      {"steps_per_second", steps_per_second},
      {"snapshots", snapshots},
      {"snapshots_skipped", snapshots_skipped},
      {"latency_update", lat(update_latency)},
      {"latency_publish", lat(publish_latency)},
      {"latency_update_total", lat(update_latency_total)},
      {"latency_publish_total", lat(publish_latency_total)},
      {"source_finished", source_finished},
      {"source_error", source_error},
  };
}

}  // namespace sbtg

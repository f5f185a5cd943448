// The live engine: sources → bounded frame queue → pipeline (standardize, smooth, windows, test-then-
// train scoring, sliding-window estimators) → graph snapshots, with an online trainer publishing model
// snapshots and a publisher serving graphs over ZeroMQ (DESIGN §3–§4, docs/streaming.md).
//
// Ownership and threads: an Engine owns its Source and every thread it runs — one adapter thread (the
// source's Run), one pipeline thread, one trainer thread (unless training is disabled) and one publisher
// thread. Start() launches them; Stop() sets the stop flag, wakes and joins each one (never detaches),
// and publishes a final snapshot. Engine methods may be called from any one controlling thread;
// Stats() and Latest() may be called from any thread at any time.
//
// Sources implement `Source::Run(SourceContext&)`: they fill pool frames and push them; the context
// applies the queue's overflow policy and counts everything (drops, rejected ingest messages by reason).
// The pipeline thread never allocates or locks per frame; snapshots are computed every K frames or T
// seconds. Streaming products are uncentred (score means are ≈ 0 by Stein's identity): with a frozen
// model the streamed μ̂, HAC variances and p-values equal the offline ProductTest/RunLagTest with
// centred = false on the same windows.
#pragma once

#include <Eigen/Core>
#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sbtg/estimator.hpp"
#include "sbtg/frame.hpp"
#include "sbtg/multitest.hpp"
#include "sbtg/recording.hpp"
#include "sbtg/result.hpp"
#include "sbtg/status.hpp"

namespace sbtg {

namespace est {
class ScoreModel;
}

// ---------------------------------------------------------------------------------------------------
// Sources

// Why an ingest message was rejected (wire format: docs/wire-format.md).
enum class IngestReject {
  kMalformed,     // wrong number of parts, header not JSON, missing/mistyped field, bad names
  kTruncated,     // payload shorter than n values
  kOversized,     // message above the size limit, or payload longer than n values
  kWrongN,        // header n differs from the stream's n
  kWrongVersion,  // unsupported schema version
  kNonFinite,     // a NaN/Inf value not declared missing
  kWrongDtype,    // dtype other than float32 little-endian
  kWrongStream,   // stream id differs from the configured one
};
inline constexpr int kIngestRejectKinds = 8;
std::string_view ToString(IngestReject reason);

struct SourceInfo {
  Eigen::Index n = 0;              // values per frame (fixed for the stream's lifetime)
  std::vector<std::string> names;  // n names (DefaultNeuronNames when the source has none)
  double frame_period = 0.0;       // seconds per frame; 0 = unknown
  std::string description;         // e.g. "replay data.npy at 10x"
};

// What a running source may do; implemented by the Engine (and by test harnesses).
// Called only from the source's own thread.
class SourceContext {
 public:
  virtual ~SourceContext() = default;
  // A free pool frame to fill, or kNoFrame when the pool is exhausted (counted; the frame is lost).
  virtual FrameHandle Acquire() = 0;
  virtual Frame& frame(FrameHandle h) = 0;
  // Queues a filled frame (stamping arrival_ns if 0) under the overflow policy; always takes `h`.
  virtual PushOutcome Push(FrameHandle h) = 0;
  virtual void Discard(FrameHandle h) = 0;  // returns an unused frame to the pool
  // Counts a rejected ingest message; `detail` is logged (rate-limited), never stored per message.
  virtual void Reject(IngestReject reason, std::string_view detail) = 0;
  [[nodiscard]] virtual bool stop_requested() const = 0;
  // Sleeps until `deadline` or until stop is requested; false when stopping.
  virtual bool SleepUntil(std::chrono::steady_clock::time_point deadline) = 0;
  // Neuron names learned from the stream (e.g. an ingest metadata message); must have n entries.
  virtual void SetNames(std::vector<std::string> names) = 0;
};

class Source {
 public:
  virtual ~Source() = default;
  [[nodiscard]] virtual const SourceInfo& info() const = 0;
  // Produces frames until exhausted (returns Ok), a fatal error, or ctx.stop_requested().
  virtual Status Run(SourceContext& ctx) = 0;
  // Ground truth [target, source], truth[r-1] = lag r, when the source knows it (simulator).
  [[nodiscard]] virtual const std::vector<Eigen::MatrixXd>* truth() const { return nullptr; }
};

// Source specifications "KIND:TARGET[?key=value&key=value…]" (docs/streaming.md), parsed once; each
// adapter validates its own keys (an unknown key is an error naming it).
struct SourceSpec {
  std::string kind;    // replay | sim | zmq
  std::string target;  // file list, simulator family, or endpoint
  std::vector<std::pair<std::string, std::string>> params;
  // The value of `key`, or `fallback`; marks the key used.
  [[nodiscard]] std::string Get(const std::string& key, const std::string& fallback = "") const;
  [[nodiscard]] bool Has(const std::string& key) const;
  // Error naming the first key not in `known`.
  [[nodiscard]] Status CheckKeys(const std::vector<std::string>& known) const;
};
Result<SourceSpec> ParseSourceSpec(std::string_view text);
// Numeric parameter helpers with messages naming the key.
Result<double> SpecDouble(const SourceSpec& spec, const std::string& key, double fallback);
Result<std::int64_t> SpecInt(const SourceSpec& spec, const std::string& key, std::int64_t fallback);

// ---------------------------------------------------------------------------------------------------
// Options

enum class StandardizeMode {
  kRunning,      // running mean/variance over every frame so far (Welford)
  kExponential,  // exponentially forgetting mean/variance (half-life in frames): tracks drift
  kFixed,        // given mean/scale (e.g. from a checkpoint or an offline fit); frozen
  kNone,         // values used as they arrive
};
Result<StandardizeMode> ParseStandardizeMode(std::string_view name);  // running|exponential|fixed|none
std::string_view ToString(StandardizeMode mode);

struct PreprocessOptions {
  StandardizeMode standardize = StandardizeMode::kRunning;
  double halflife_frames = 3000;  // kExponential: frames for a sample's weight to halve
  int warmup_frames = 50;         // running/exponential: frames that only feed the statistics first
  Eigen::VectorXd fixed_mean, fixed_scale;  // kFixed: n entries each (scale > 0)
  double smoothing = 0.0;         // causal EMA y_t = (1−w)x_t + w·y_{t−1}; w in [0, 1), 0 = off
  // Seconds between consecutive source timestamps that break windows; 0 = 1.5 × frame period when
  // the period is known, < 0 = never (sequence gaps always break).
  double max_time_gap = 0.0;
};

struct StreamEstimatorOptions {
  int lags = 1;         // P: windows of P+1 frames, graphs for lags 1..P
  int window = 1000;    // N: windows in the sliding estimator (seconds = N × frame period)
  int max_hac_lag = 16; // L: HAC autocovariance lags kept; the bandwidth is capped at L + 1
  int bandwidth = -1;   // Bartlett bandwidth in windows; −1 = Andrews plug-in (capped)
  PValueMode pvalue = PValueMode::kHacNull;  // hac | hac_null (shift is offline-only)
  FdrMethod fdr = FdrMethod::kBH;
  double alpha = 0.1;   // FDR level for `selected`
  Correction correction = Correction::kDiagonal;  // diagonal only (full is offline-only)
};

struct StreamTrainerOptions {
  bool enabled = true;          // false: the model stays frozen (initial_model required)
  ModelOptions model;           // score model (default: linear, as offline)
  // objective (exact | dsm), sigma, batch, learning_rate, l1, seed are used; epochs/patience are not.
  TrainOptions train;
  int reservoir = 4096;         // most recent eligible windows kept for minibatches
  int init_windows = -1;        // windows before the Gaussian closed-form start; −1 = max(200, 2·dim)
  int publish_every_steps = 20; // Adam steps between model snapshots
  int refit_every_windows = 250;  // Gaussian kind: new windows between closed-form refits
  int purge = -1;               // frames between a window and the newest frame before training on it; −1 = P + 20
  double max_steps_per_second = 0;  // throttle (leave CPU to other work); 0 = unlimited
  int handoff_capacity = 4096;  // windows in flight from the pipeline to the trainer (overflow counted)
};

struct PublishOptions {
  std::string endpoint;         // ZeroMQ XPUB bind address, e.g. tcp://127.0.0.1:5560; "" = none
  bool allow_remote = false;    // binding to anything but loopback/ipc/inproc must be explicit
  int every_frames = 0;         // snapshot every K processed frames; 0 = by time only
  double interval = 1.0;        // seconds between snapshots; 0 = by frames only
  double heartbeat = 1.0;       // seconds between `stats` messages
  int max_edges = 200;          // cap on the `edges` topic (strongest FDR-selected edges)
};

struct EngineOptions {
  QueueOptions queue;
  int max_batch = 32;           // frames per pipeline micro-batch under load (rank-b updates)
  PreprocessOptions preprocess;
  StreamEstimatorOptions estimator;
  StreamTrainerOptions trainer;
  PublishOptions publish;
  // Model to score with from the first window (checkpoint, offline fit, or a frozen model for tests).
  std::shared_ptr<const est::ScoreModel> initial_model;
  [[nodiscard]] Status Validate(Eigen::Index n) const;  // names the offending field
};

// ---------------------------------------------------------------------------------------------------
// Outputs

struct LatencySummary {
  std::uint64_t count = 0;
  double p50_us = 0, p90_us = 0, p99_us = 0, max_us = 0;
};

struct EngineStats {
  double uptime_s = 0;
  std::uint64_t frames_in = 0;          // frames the source queued (including later drops)
  std::uint64_t frames_processed = 0;   // frames the pipeline consumed
  std::uint64_t dropped_oldest = 0, dropped_newest = 0, pool_exhausted = 0;
  std::int64_t queue_depth = 0;
  std::uint32_t queue_capacity = 0;
  std::uint64_t gaps = 0, missing_frames = 0;  // sequence gaps (events) and the frames they skip
  std::uint64_t duplicates = 0, out_of_order = 0, time_gaps = 0, segment_breaks = 0;
  std::uint64_t incomplete_frames = 0;  // frames with missing values (never in a window)
  std::uint64_t warmup_frames = 0;
  std::array<std::uint64_t, kIngestRejectKinds> rejected{};
  std::uint64_t windows = 0, windows_unscored = 0;  // unscored: before the first model snapshot
  std::uint64_t windows_to_trainer = 0, trainer_handoff_dropped = 0;
  std::uint64_t model_version = 0, trainer_steps = 0, trainer_windows = 0;
  double trainer_loss = 0, steps_per_second = 0;
  std::uint64_t snapshots = 0, snapshots_skipped = 0;
  LatencySummary update_latency;   // frame arrival → estimator updated (recent interval)
  LatencySummary publish_latency;  // newest frame's arrival → its graph published (recent interval)
  LatencySummary update_latency_total, publish_latency_total;  // the same since start
  double frames_per_second = 0;    // processed, recent interval
  bool source_finished = false;
  std::string source_error;        // empty unless the source failed
  [[nodiscard]] std::uint64_t rejected_total() const;
  [[nodiscard]] nlohmann::json ToJson() const;
};

struct LagGraph {
  int lag = 1;
  Eigen::MatrixXd effect;      // [target, source], original units, positive = excitatory
  Eigen::MatrixXd mu;          // raw μ̂ (standardized units, positive = inhibitory-like)
  Eigen::MatrixXd variance;    // HAC variance of μ̂
  Eigen::MatrixXd z, p, q;     // z after the empirical-null scale (hac_null), two-sided p, FDR q
  Int8Matrix selected;         // sign(effect) where q ≤ alpha
  double bandwidth = 0;
  bool bandwidth_capped = false;
  double null_scale = 1;
};

struct GraphSnapshot {
  std::uint64_t seq = 0;       // publisher sequence (1, 2, …)
  bool final = false;          // the snapshot published at stop
  std::vector<std::string> names;
  double frame_period = 0;
  std::uint64_t first_sequence = 0, last_sequence = 0;  // source sequence range of the windows
  double first_time = 0, last_time = 0;                 // their source timestamps
  Eigen::Index windows = 0, runs = 0;
  std::uint64_t model_version = 0;
  std::int64_t newest_arrival_ns = 0;
  std::int64_t computed_ns = 0;
  StreamEstimatorOptions test;
  ModelOptions model;
  TrainOptions train;
  std::vector<LagGraph> lags;
  EngineStats stats;           // counters at publication
  // As a FitResult (method "sbtg_stream"), e.g. for sbtg::Evaluate against a ground truth.
  [[nodiscard]] FitResult ToFitResult() const;
};

// ---------------------------------------------------------------------------------------------------
// The engine

class Engine {
 public:
  // Validates options against the source (n, names) and allocates everything (pool, queue, sums).
  static Result<std::unique_ptr<Engine>> Create(const EngineOptions& options, std::unique_ptr<Source> source);
  ~Engine();  // Stop()
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Binds the publisher (if any) and starts every thread. Once only.
  Status Start();
  // Stops the source, drains the queue, publishes a final snapshot and final stats, joins every
  // thread. Idempotent; safe to call without Start().
  void Stop();
  // Waits until the source has finished and every queued frame was processed (true), or timeout.
  bool WaitUntilDrained(std::chrono::milliseconds timeout);
  [[nodiscard]] bool source_finished() const;
  [[nodiscard]] Status source_status() const;

  [[nodiscard]] EngineStats Stats() const;
  // The most recent graph snapshot (nullptr before the first one).
  [[nodiscard]] std::shared_ptr<const GraphSnapshot> Latest() const;
  // Asks the pipeline for a snapshot at the next frame (or within a few ms when idle).
  void RequestSnapshot();
  // The publisher's bound endpoint (resolves "tcp://127.0.0.1:*" to the chosen port); "" if none.
  [[nodiscard]] std::string publish_endpoint() const;
  [[nodiscard]] const Source& source() const;
  [[nodiscard]] const EngineOptions& options() const;
  // Writes the current model (and standardization) as a checkpoint; Unavailable before a model exists.
  Status SaveCheckpoint(const std::filesystem::path& file) const;

  struct Impl;

 private:
  explicit Engine(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Warm start from an offline recording: standardization from the recording, the Gaussian closed form
// on its windows, then `epochs` of the offline trainer for trainable kinds. Returns the model to pass
// as EngineOptions::initial_model; fills `mean`/`scale` for StandardizeMode::kFixed if non-null.
Result<std::shared_ptr<const est::ScoreModel>> WarmStartModel(const Recording& rec, const EngineOptions& options,
                                                              int epochs, Eigen::VectorXd* mean,
                                                              Eigen::VectorXd* scale);

}  // namespace sbtg

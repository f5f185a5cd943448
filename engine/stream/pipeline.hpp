// Pipeline: everything the pipeline thread does per frame, as a plain single-threaded object so tests
// can drive it deterministically. Per frame: sequence/time/segment checks (gaps, duplicates and
// out-of-order frames are counted and never form windows), online standardization, causal smoothing,
// window assembly, test-then-train scoring with the current model snapshot, the sliding-window
// estimator update (micro-batched), and the delayed handoff of windows to the trainer. Snapshots of
// the estimator are handed to the publisher through a SnapshotExchange. Process() does not allocate.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/stream/preprocess.hpp"
#include "engine/stream/shared.hpp"
#include "engine/stream/sliding_estimator.hpp"
#include "sbtg/stream.hpp"

namespace sbtg::stream {

class Pipeline {
 public:
  // `handoff` is null when training is disabled. All references must outlive the pipeline.
  Pipeline(const EngineOptions& options, const SourceInfo& info, Counters& counters, ModelSlot& models,
           WindowHandoff* handoff, SnapshotExchange& snapshots);

  // Processes frames in order and returns each to the pool.
  void Process(FramePool& pool, const FrameHandle* frames, std::size_t count);
  // Hands a snapshot to the publisher when one is due (every K frames / T seconds) or `force`d.
  // Returns false when nothing was handed over (not due, no windows yet, or both buffers busy).
  bool MaybeSnapshot(std::int64_t now_ns, bool force, bool final);

  [[nodiscard]] SlidingEstimator& estimator() { return estimator_; }
  [[nodiscard]] const OnlineStandardizer& standardizer() const { return standardizer_; }
  [[nodiscard]] std::shared_ptr<const est::ScoreModel> model() const { return model_; }
  [[nodiscard]] std::uint64_t model_version() const { return model_version_; }

 private:
  bool Accept(const Frame& f);
  void Break();
  void Transform(const Frame& f);
  void Flush();
  void DelayForTrainer(std::uint64_t sequence, const Eigen::Ref<const Eigen::VectorXf>& z);
  void ReleaseToTrainer(std::uint64_t newest_sequence);
  void RefreshModel();

  EngineOptions options_;
  Eigen::Index n_, dim_;
  double max_time_gap_;
  Counters& counters_;
  ModelSlot& models_;
  WindowHandoff* handoff_;
  SnapshotExchange& snapshots_;

  OnlineStandardizer standardizer_;
  CausalSmoother smoother_;
  WindowAssembler assembler_;
  SlidingEstimator estimator_;

  // Stream bookkeeping.
  bool have_last_ = false;
  std::uint64_t last_sequence_ = 0;
  double last_time_ = 0;
  std::array<char, kSegmentLabelBytes> last_segment_{};
  std::uint64_t run_id_ = 0;

  // Scoring.
  std::shared_ptr<const est::ScoreModel> model_;
  std::uint64_t model_version_ = 0;
  est::Workspace workspace_;
  Eigen::VectorXf x_;        // standardized frame
  Eigen::MatrixXf z1_, s1_;  // one window and its scores (1 × dim)

  // Micro-batch waiting for the estimator update.
  Eigen::MatrixXd batch_scores_;  // dim × max_batch
  std::vector<std::uint64_t> batch_runs_;
  std::vector<std::int64_t> batch_arrivals_;
  std::vector<std::uint64_t> batch_sequences_;
  std::vector<double> batch_times_;
  Eigen::Index batch_count_ = 0;

  // Source sequence/time of each window in the estimator's ring (indexed like its slots).
  std::vector<std::uint64_t> ring_sequence_;
  std::vector<double> ring_time_;
  std::int64_t newest_arrival_ns_ = 0;

  // Windows waiting out the purge gap before the trainer may see them.
  Eigen::MatrixXf delay_;
  std::vector<std::uint64_t> delay_sequence_;
  std::size_t delay_head_ = 0, delay_count_ = 0;
  std::uint64_t purge_ = 0;

  // Snapshot cadence.
  std::int64_t last_snapshot_ns_ = 0;
  std::uint64_t frames_at_last_snapshot_ = 0;
  std::uint64_t processed_ = 0;
  std::uint64_t snapshot_order_ = 0;
};

// The purge gap in frames for these options (trainer.purge, or P + 20).
int EffectivePurge(const EngineOptions& options);

}  // namespace sbtg::stream

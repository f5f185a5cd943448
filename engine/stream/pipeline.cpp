#include "engine/stream/pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace sbtg::stream {

using Eigen::Index;

int EffectivePurge(const EngineOptions& options) {
  return options.trainer.purge >= 0 ? options.trainer.purge : options.estimator.lags + 20;
}

namespace {

SlidingOptions MakeSlidingOptions(const EngineOptions& o, Index n) {
  SlidingOptions s;
  s.n = n;
  s.lags = o.estimator.lags;
  s.capacity = o.estimator.window;
  s.max_lag = o.estimator.max_hac_lag;
  s.max_batch = o.max_batch;
  s.full_correction = o.estimator.correction == Correction::kFull;
  return s;
}

double EffectiveTimeGap(const PreprocessOptions& p, double frame_period) {
  if (p.max_time_gap < 0) return -1;
  if (p.max_time_gap > 0) return p.max_time_gap;
  return frame_period > 0 ? 1.5 * frame_period : -1;
}

}  // namespace

Pipeline::Pipeline(const EngineOptions& options, const SourceInfo& info, Counters& counters, ModelSlot& models,
                   WindowHandoff* handoff, SnapshotExchange& snapshots)
    : options_(options),
      n_(info.n),
      dim_(info.n * (options.estimator.lags + 1)),
      max_time_gap_(EffectiveTimeGap(options.preprocess, info.frame_period)),
      counters_(counters),
      models_(models),
      handoff_(handoff),
      snapshots_(snapshots),
      standardizer_(info.n, options.preprocess),
      smoother_(info.n, options.preprocess.smoothing),
      assembler_(info.n, options.estimator.lags),
      estimator_(MakeSlidingOptions(options, info.n)),
      x_(info.n),
      z1_(1, dim_),
      s1_(1, dim_),
      batch_scores_(dim_, options.max_batch),
      batch_runs_(static_cast<size_t>(options.max_batch)),
      batch_arrivals_(static_cast<size_t>(options.max_batch)),
      batch_sequences_(static_cast<size_t>(options.max_batch)),
      batch_times_(static_cast<size_t>(options.max_batch)),
      ring_sequence_(static_cast<size_t>(options.estimator.window)),
      ring_time_(static_cast<size_t>(options.estimator.window)),
      purge_(static_cast<std::uint64_t>(EffectivePurge(options))) {
  if (handoff_ != nullptr) {
    const auto slots = static_cast<Index>(purge_) + options.max_batch + 2;
    delay_.resize(dim_, slots);
    delay_sequence_.resize(static_cast<size_t>(slots));
  }
  last_snapshot_ns_ = SteadyNanos();
  RefreshModel();
}

void Pipeline::RefreshModel() {
  if (models_.version() == model_version_) return;
  std::shared_ptr<const est::ScoreModel> next;
  std::uint64_t version = 0;
  if (models_.TryGet(next, version) && next) {
    model_ = std::move(next);  // the previous snapshot is freed here when nobody else holds it
    model_version_ = version;
  }
}

void Pipeline::Break() {
  assembler_.Reset();
  smoother_.Reset();
  ++run_id_;
}

// Sequence, timestamp and segment checks. Returns false for frames that must be discarded.
bool Pipeline::Accept(const Frame& f) {
  if (have_last_) {
    if (f.sequence == last_sequence_) {
      Bump(counters_.duplicates);
      return false;
    }
    if (f.sequence < last_sequence_) {
      Bump(counters_.out_of_order);
      return false;
    }
  }
  bool brk = false;
  if (have_last_ && f.sequence > last_sequence_ + 1) {
    Bump(counters_.gaps);
    Bump(counters_.missing_frames, f.sequence - last_sequence_ - 1);
    brk = true;
  }
  const bool timed = std::isfinite(f.source_time) && std::isfinite(last_time_);
  if (have_last_ && !brk && timed && max_time_gap_ > 0 &&
      (f.source_time - last_time_ > max_time_gap_ || f.source_time < last_time_)) {
    Bump(counters_.time_gaps);
    brk = true;
  }
  if (have_last_ && std::strncmp(f.segment.data(), last_segment_.data(), kSegmentLabelBytes) != 0) {
    Bump(counters_.segment_breaks);
    brk = true;
  }
  have_last_ = true;
  last_sequence_ = f.sequence;
  last_time_ = f.source_time;
  last_segment_ = f.segment;
  if (brk) Break();
  if (f.has_missing) {
    bool any_missing = false;
    for (Index j = 0; j < n_ && !any_missing; ++j) any_missing = f.valid[j] == 0;
    if (any_missing) {
      Bump(counters_.incomplete_frames);
      Break();  // no window may contain (or straddle) a frame with missing values
      return false;
    }
  }
  return true;
}

void Pipeline::Transform(const Frame& f) {
  const Eigen::Map<const Eigen::VectorXf> values(f.values, n_);
  if (!standardizer_.Apply(values, x_)) {
    Bump(counters_.warmup_frames);
    Break();
    return;
  }
  smoother_.Apply(x_);
  if (!assembler_.Push(x_)) return;
  Eigen::Map<Eigen::VectorXf> z(z1_.data(), dim_);
  assembler_.Window(z);
  Bump(counters_.windows);
  if (handoff_ != nullptr) DelayForTrainer(f.sequence, z);
  if (!model_) {
    Bump(counters_.windows_unscored);
    return;
  }
  // Test-then-train: scored by the current snapshot before the trainer can ever see this window.
  model_->Score(z1_, s1_, workspace_);
  const auto b = batch_count_++;
  batch_scores_.col(b) = s1_.row(0).transpose().cast<double>();
  batch_runs_[static_cast<size_t>(b)] = run_id_;
  batch_arrivals_[static_cast<size_t>(b)] = f.arrival_ns;
  batch_sequences_[static_cast<size_t>(b)] = f.sequence;
  batch_times_[static_cast<size_t>(b)] = f.source_time;
}

void Pipeline::Flush() {
  if (batch_count_ == 0) return;
  const auto first_slot = estimator_.added();
  estimator_.Add(batch_scores_.leftCols(batch_count_), batch_runs_.data());
  const std::int64_t now = SteadyNanos();
  for (Index b = 0; b < batch_count_; ++b) {
    const auto slot = static_cast<size_t>((first_slot + static_cast<std::uint64_t>(b)) %
                                          static_cast<std::uint64_t>(options_.estimator.window));
    ring_sequence_[slot] = batch_sequences_[static_cast<size_t>(b)];
    ring_time_[slot] = batch_times_[static_cast<size_t>(b)];
    counters_.update_latency.Record(now - batch_arrivals_[static_cast<size_t>(b)]);
  }
  newest_arrival_ns_ = batch_arrivals_[static_cast<size_t>(batch_count_ - 1)];
  batch_count_ = 0;
}

void Pipeline::DelayForTrainer(std::uint64_t sequence, const Eigen::Ref<const Eigen::VectorXf>& z) {
  const std::size_t slots = delay_sequence_.size();
  if (delay_count_ == slots) {  // cannot happen with the sizing above; count rather than overwrite
    Bump(counters_.handoff_dropped);
    return;
  }
  const std::size_t slot = (delay_head_ + delay_count_) % slots;
  delay_.col(static_cast<Index>(slot)) = z;
  delay_sequence_[slot] = sequence;
  ++delay_count_;
}

void Pipeline::ReleaseToTrainer(std::uint64_t newest_sequence) {
  while (delay_count_ > 0 && delay_sequence_[delay_head_] + purge_ <= newest_sequence) {
    if (const auto slot = handoff_->slots.TryClaim()) {
      handoff_->windows.col(static_cast<Index>(*slot)) = delay_.col(static_cast<Index>(delay_head_));
      handoff_->slots.Publish();
      Bump(counters_.windows_to_trainer);
    } else {
      Bump(counters_.handoff_dropped);  // the trainer lags: drop and count, never wait
    }
    delay_head_ = (delay_head_ + 1) % delay_sequence_.size();
    --delay_count_;
  }
}

void Pipeline::Process(FramePool& pool, const FrameHandle* frames, std::size_t count) {
  RefreshModel();
  for (std::size_t k = 0; k < count; ++k) {
    const Frame& f = pool.at(frames[k]);
    ++processed_;
    Bump(counters_.frames_processed);
    if (Accept(f)) {
      Transform(f);
      if (handoff_ != nullptr) ReleaseToTrainer(f.sequence);
    }
    pool.Release(frames[k]);
    if (batch_count_ == options_.max_batch) Flush();
  }
  Flush();
}

bool Pipeline::MaybeSnapshot(std::int64_t now_ns, bool force, bool final) {
  const auto& p = options_.publish;
  const bool by_frames = p.every_frames > 0 &&
                         processed_ - frames_at_last_snapshot_ >= static_cast<std::uint64_t>(p.every_frames);
  const bool by_time = p.interval > 0 && static_cast<double>(now_ns - last_snapshot_ns_) >= p.interval * 1e9;
  if (!(force || by_frames || by_time)) return false;
  if (estimator_.count() == 0) return false;
  const int k = snapshots_.Claim();
  if (k < 0) {
    if (!final) Bump(counters_.snapshots_skipped);
    return false;
  }
  SnapshotBuffer& b = snapshots_.buffer(k);
  estimator_.Compute(options_.estimator.bandwidth, b.moments);
  b.scale = standardizer_.scale();
  const auto window = static_cast<std::uint64_t>(options_.estimator.window);
  const std::uint64_t first = estimator_.added() - static_cast<std::uint64_t>(estimator_.count());
  const std::uint64_t last = estimator_.added() - 1;
  b.first_sequence = ring_sequence_[first % window];
  b.last_sequence = ring_sequence_[last % window];
  b.first_time = ring_time_[first % window];
  b.last_time = ring_time_[last % window];
  b.model_version = model_version_;
  b.newest_arrival_ns = newest_arrival_ns_;
  b.computed_ns = SteadyNanos();
  b.order = ++snapshot_order_;
  b.final = final;
  snapshots_.MarkReady(k);
  last_snapshot_ns_ = now_ns;
  frames_at_last_snapshot_ = processed_;
  return true;
}

}  // namespace sbtg::stream

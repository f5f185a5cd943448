// Engine: owns the source, the frame pool and queue, and the adapter, pipeline, trainer and publisher
// threads; implements the SourceContext the source runs against.
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "engine/estimator/checkpoint.hpp"
#include "engine/estimator/trainer.hpp"
#include "engine/stream/online_trainer.hpp"
#include "engine/stream/pipeline.hpp"
#include "engine/stream/publisher.hpp"
#include "sbtg/windows.hpp"

namespace sbtg {

using stream::Bump;

LatencySummary stream::LatencyHistogram::Summarize(const Counts& now, const Counts& before) {
  LatencySummary s;
  std::uint64_t total = 0;
  for (std::size_t k = 0; k < now.size(); ++k) total += now[k] - before[k];
  s.count = total;
  if (total == 0) return s;
  auto rank = [&](double q) { return static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total))); };
  const std::uint64_t r50 = rank(0.5), r90 = rank(0.9), r99 = rank(0.99);
  std::uint64_t seen = 0;
  for (std::size_t k = 0; k < now.size(); ++k) {
    const std::uint64_t c = now[k] - before[k];
    if (c == 0) continue;
    const double edge_us = UpperEdge(static_cast<int>(k)) / 1000.0;
    if (seen < r50 && seen + c >= r50) s.p50_us = edge_us;
    if (seen < r90 && seen + c >= r90) s.p90_us = edge_us;
    if (seen < r99 && seen + c >= r99) s.p99_us = edge_us;
    seen += c;
    s.max_us = edge_us;
  }
  return s;
}

struct Engine::Impl final : SourceContext {
  Impl(const EngineOptions& o, std::unique_ptr<Source> src)
      : options(o),
        source(std::move(src)),
        info(source->info()),
        // Every frame the queue can hold, the pipeline's batch, and one in the producer's hands.
        pool(info.n, o.queue.capacity + static_cast<std::uint32_t>(o.max_batch) + 4),
        queue(pool, o.queue),
        exchange(info.n, o.estimator.lags, o.estimator.correction == Correction::kFull),
        names(info.names) {
    if (o.trainer.enabled) {
      handoff = std::make_unique<stream::WindowHandoff>(info.n * (o.estimator.lags + 1),
                                                        static_cast<std::size_t>(o.trainer.handoff_capacity));
    }
    if (o.initial_model) models.Publish(o.initial_model);
    pipeline = std::make_unique<stream::Pipeline>(o, info, counters, models, handoff.get(), exchange);
    if (handoff) trainer = std::make_unique<stream::OnlineTrainer>(o, info.n, counters, models, *handoff);
    publisher = std::make_unique<stream::Publisher>(
        o, info.frame_period, counters, exchange, [this](bool beat) { return Collect(beat); },
        [this] {
          std::lock_guard<std::mutex> lock(names_mu);
          return names;
        });
    start_ns = SteadyNanos();
  }

  // --- SourceContext (adapter thread) ---
  FrameHandle Acquire() override {
    const FrameHandle h = pool.TryAcquire();
    if (h == kNoFrame) Bump(counters.pool_exhausted);
    return h;
  }
  Frame& frame(FrameHandle h) override { return pool.at(h); }
  PushOutcome Push(FrameHandle h) override {
    Frame& f = pool.at(h);
    if (f.arrival_ns == 0) f.arrival_ns = SteadyNanos();
    return queue.Push(h, stop_source);
  }
  void Discard(FrameHandle h) override { pool.Release(h); }
  void Reject(IngestReject reason, std::string_view detail) override {
    auto& c = counters.rejected[static_cast<size_t>(reason)];
    const std::uint64_t k = c.fetch_add(1, std::memory_order_relaxed) + 1;
    if (k <= 5 || k % 1000 == 0) {
      spdlog::warn("ingest: rejected message ({} #{}): {}", ToString(reason), k, detail);
    }
  }
  bool stop_requested() const override { return stop_source.load(std::memory_order_relaxed); }
  bool SleepUntil(std::chrono::steady_clock::time_point deadline) override {
    std::unique_lock<std::mutex> lock(sleep_mu);
    sleep_cv.wait_until(lock, deadline, [&] { return stop_source.load(std::memory_order_relaxed); });
    return !stop_source.load(std::memory_order_relaxed);
  }
  void SetNames(std::vector<std::string> n) override {
    if (static_cast<Eigen::Index>(n.size()) != info.n) return;
    std::lock_guard<std::mutex> lock(names_mu);
    names = std::move(n);
  }

  // --- threads ---
  void AdapterMain() {
    Status s;
    try {
      s = source->Run(*this);
    } catch (const std::exception& e) {  // never let an exception cross the thread boundary
      s = Status::Internal(std::string("source threw: ") + e.what());
    }
    {
      std::lock_guard<std::mutex> lock(status_mu);
      source_status = s;
    }
    if (!s.ok()) spdlog::error("source stopped: {}", s.ToString());
    source_done.store(true, std::memory_order_release);
  }

  void PipelineMain() {
    std::vector<FrameHandle> buf(static_cast<size_t>(options.max_batch));
    for (;;) {
      const bool stopping = stop_pipeline.load(std::memory_order_acquire);
      const std::size_t k = stopping ? queue.TryPopBulk(buf.data(), buf.size())
                                     : queue.PopBulk(buf.data(), buf.size(), std::chrono::milliseconds(5));
      if (k > 0) pipeline->Process(pool, buf.data(), k);
      const bool forced = snapshot_requested.load(std::memory_order_relaxed);
      if (pipeline->MaybeSnapshot(SteadyNanos(), forced, false) && forced) {
        snapshot_requested.store(false, std::memory_order_relaxed);
      }
      if (stopping && k == 0) break;
    }
    // Final snapshot: wait (bounded) for the publisher to free a buffer.
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (pipeline->estimator().count() > 0 && !pipeline->MaybeSnapshot(SteadyNanos(), true, true) &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // Counters → EngineStats; `heartbeat` also advances the recent-interval baselines.
  EngineStats Collect(bool heartbeat) {
    EngineStats s;
    auto get = [](const stream::Counter& c) { return c.load(std::memory_order_relaxed); };
    const std::int64_t now = SteadyNanos();
    s.uptime_s = static_cast<double>(now - start_ns) * 1e-9;
    s.frames_in = queue.pushed();
    s.frames_processed = get(counters.frames_processed);
    s.dropped_oldest = queue.dropped_oldest();
    s.dropped_newest = queue.dropped_newest();
    s.pool_exhausted = get(counters.pool_exhausted);
    s.queue_depth = queue.depth();
    s.queue_capacity = queue.capacity();
    s.gaps = get(counters.gaps);
    s.missing_frames = get(counters.missing_frames);
    s.duplicates = get(counters.duplicates);
    s.out_of_order = get(counters.out_of_order);
    s.time_gaps = get(counters.time_gaps);
    s.segment_breaks = get(counters.segment_breaks);
    s.incomplete_frames = get(counters.incomplete_frames);
    s.warmup_frames = get(counters.warmup_frames);
    for (int k = 0; k < kIngestRejectKinds; ++k) s.rejected[static_cast<size_t>(k)] = get(counters.rejected[static_cast<size_t>(k)]);
    s.windows = get(counters.windows);
    s.windows_unscored = get(counters.windows_unscored);
    s.windows_to_trainer = get(counters.windows_to_trainer);
    s.trainer_handoff_dropped = get(counters.handoff_dropped);
    s.model_version = models.version();
    s.trainer_steps = get(counters.trainer_steps);
    s.trainer_windows = get(counters.trainer_windows);
    s.trainer_loss = counters.trainer_loss.load(std::memory_order_relaxed);
    s.steps_per_second = counters.steps_per_second.load(std::memory_order_relaxed);
    s.snapshots = get(counters.snapshots);
    s.snapshots_skipped = get(counters.snapshots_skipped);
    s.source_finished = source_done.load(std::memory_order_acquire);
    {
      std::lock_guard<std::mutex> lock(status_mu);
      if (!source_status.ok()) s.source_error = source_status.ToString();
    }
    stream::LatencyHistogram::Counts upd{}, pub{};
    counters.update_latency.Read(upd);
    counters.publish_latency.Read(pub);
    s.update_latency_total = stream::LatencyHistogram::Summarize(upd, {});
    s.publish_latency_total = stream::LatencyHistogram::Summarize(pub, {});
    std::lock_guard<std::mutex> lock(recent_mu);
    if (heartbeat) {
      recent_update = stream::LatencyHistogram::Summarize(upd, base_update);
      recent_publish = stream::LatencyHistogram::Summarize(pub, base_publish);
      const double dt = static_cast<double>(now - base_ns) * 1e-9;
      recent_fps = dt > 0 ? static_cast<double>(s.frames_processed - base_frames) / dt : 0.0;
      base_update = upd;
      base_publish = pub;
      base_ns = now;
      base_frames = s.frames_processed;
    }
    s.update_latency = recent_update;
    s.publish_latency = recent_publish;
    s.frames_per_second = recent_fps;
    return s;
  }

  bool Drained() const {
    return source_done.load(std::memory_order_acquire) && queue.depth() == 0 &&
           counters.frames_processed.load(std::memory_order_acquire) + queue.dropped() >= queue.pushed();
  }

  EngineOptions options;
  std::unique_ptr<Source> source;
  SourceInfo info;
  stream::Counters counters;
  FramePool pool;
  FrameQueue queue;
  stream::ModelSlot models;
  std::unique_ptr<stream::WindowHandoff> handoff;
  stream::SnapshotExchange exchange;
  std::unique_ptr<stream::Pipeline> pipeline;
  std::unique_ptr<stream::OnlineTrainer> trainer;
  std::unique_ptr<stream::Publisher> publisher;

  std::thread adapter_thread, pipeline_thread, trainer_thread, publisher_thread;
  std::atomic<bool> stop_source{false}, stop_pipeline{false}, stop_trainer{false}, stop_publisher{false};
  std::atomic<bool> source_done{false}, snapshot_requested{false};
  bool started = false, stopped = false;
  mutable std::mutex status_mu;
  Status source_status;
  std::mutex names_mu;
  std::vector<std::string> names;
  std::mutex sleep_mu;
  std::condition_variable sleep_cv;
  std::int64_t start_ns = 0;
  std::mutex recent_mu;
  stream::LatencyHistogram::Counts base_update{}, base_publish{};
  std::int64_t base_ns = SteadyNanos();
  std::uint64_t base_frames = 0;
  LatencySummary recent_update, recent_publish;
  double recent_fps = 0;
};

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Engine::~Engine() { Stop(); }

Result<std::unique_ptr<Engine>> Engine::Create(const EngineOptions& options, std::unique_ptr<Source> source) {
  if (!source) return Status::InvalidArgument("engine: no source");
  const SourceInfo& info = source->info();
  SBTG_RETURN_IF_ERROR(options.Validate(info.n));
  if (static_cast<Eigen::Index>(info.names.size()) != info.n) {
    return Status::InvalidArgument("source '" + info.description + "' has " + std::to_string(info.names.size()) +
                                   " names for n = " + std::to_string(info.n));
  }
  if (const auto& m = options.initial_model) {
    if (m->n() != info.n || m->order() != options.estimator.lags) {
      return Status::InvalidArgument("initial model has n = " + std::to_string(m->n()) + ", P = " +
                                     std::to_string(m->order()) + " but the stream has n = " + std::to_string(info.n) +
                                     ", lags = " + std::to_string(options.estimator.lags));
    }
  }
  try {
    return std::unique_ptr<Engine>(new Engine(std::make_unique<Impl>(options, std::move(source))));
  } catch (const SetupError& e) {
    return Status::InvalidArgument(e.what());
  }
}

Status Engine::Start() {
  Impl& m = *impl_;
  if (m.started) return Status::InvalidArgument("engine already started");
  SBTG_RETURN_IF_ERROR(m.publisher->Bind());
  m.started = true;
  m.publisher_thread = std::thread([&m] { m.publisher->Run(m.stop_publisher); });
  if (m.trainer) m.trainer_thread = std::thread([&m] { m.trainer->Run(m.stop_trainer); });
  m.pipeline_thread = std::thread([&m] { m.PipelineMain(); });
  m.adapter_thread = std::thread([&m] { m.AdapterMain(); });
  return Status::Ok();
}

void Engine::Stop() {
  Impl& m = *impl_;
  if (!m.started || m.stopped) {
    m.stopped = true;
    return;
  }
  m.stopped = true;
  // Upstream first, so every frame already accepted still reaches the final snapshot.
  {
    std::lock_guard<std::mutex> lock(m.sleep_mu);
    m.stop_source.store(true, std::memory_order_relaxed);
  }
  m.sleep_cv.notify_all();
  m.adapter_thread.join();
  m.stop_pipeline.store(true, std::memory_order_release);
  m.pipeline_thread.join();
  m.stop_trainer.store(true, std::memory_order_relaxed);
  if (m.trainer_thread.joinable()) m.trainer_thread.join();
  m.stop_publisher.store(true, std::memory_order_release);
  m.exchange.Wake();
  m.publisher_thread.join();
}

bool Engine::WaitUntilDrained(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (!impl_->Drained()) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

bool Engine::source_finished() const { return impl_->source_done.load(std::memory_order_acquire); }

Status Engine::source_status() const {
  std::lock_guard<std::mutex> lock(impl_->status_mu);
  return impl_->source_status;
}

EngineStats Engine::Stats() const { return impl_->Collect(false); }

std::shared_ptr<const GraphSnapshot> Engine::Latest() const { return impl_->publisher->Latest(); }

void Engine::RequestSnapshot() { impl_->snapshot_requested.store(true, std::memory_order_relaxed); }

std::string Engine::publish_endpoint() const { return impl_->publisher->endpoint(); }

const Source& Engine::source() const { return *impl_->source; }

const EngineOptions& Engine::options() const { return impl_->options; }

Status Engine::SaveCheckpoint(const std::filesystem::path& file) const {
  const auto model = impl_->models.Get();
  if (!model) return Status::Unavailable("no model yet: the trainer has not produced one");
  const nlohmann::json meta = {{"source", impl_->info.description}, {"model_version", impl_->models.version()}};
  // The standardization belongs to the pipeline thread: include it only once that thread has stopped.
  const bool quiescent = !impl_->started || impl_->stopped;
  if (quiescent) {
    const auto& st = impl_->pipeline->standardizer();
    return est::SaveCheckpoint(file, *model, &st.mean(), &st.scale(), meta);
  }
  return est::SaveCheckpoint(file, *model, nullptr, nullptr, meta);
}

Result<std::shared_ptr<const est::ScoreModel>> WarmStartModel(const Recording& rec, const EngineOptions& options,
                                                              int epochs, Eigen::VectorXd* mean,
                                                              Eigen::VectorXd* scale) {
  SBTG_RETURN_IF_ERROR(rec.Validate());
  const int p = options.estimator.lags;
  const Standardizer standardizer = Standardizer::Fit(rec);
  const WindowBlocks w = BuildWindows(standardizer.Apply(rec), p);
  if (w.count() < 20) return Status::InvalidArgument("warm-start recording has only " + std::to_string(w.count()) + " windows");
  const Eigen::Index n = rec.n();
  Eigen::MatrixXd z(w.count(), n * (p + 1));
  for (int r = 0; r <= p; ++r) z.middleCols(r * n, n) = w.lag(r);
  auto model = std::make_shared<est::ScoreModel>(options.trainer.model, n, p, options.trainer.train.seed);
  model->FitGaussian(z, options.trainer.model.ridge);
  if (model->trainable() && epochs > 0) {
    TrainOptions t = options.trainer.train;
    t.epochs = epochs;
    const Eigen::Index val = std::max<Eigen::Index>(1, w.count() / 10);
    const Eigen::MatrixXf zf = z.cast<float>();
    est::TrainModel(*model, zf.topRows(w.count() - val), zf.bottomRows(val), t, {}, "warm start");
  }
  if (mean != nullptr) *mean = standardizer.mean.transpose();
  if (scale != nullptr) *scale = standardizer.scale.transpose();
  return std::shared_ptr<const est::ScoreModel>(std::move(model));
}

}  // namespace sbtg

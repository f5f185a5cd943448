// Streaming hot paths (acceptance 6): the sliding-window estimator update per window (rank-1 and
// micro-batched rank-b), scoring one window, the whole per-frame pipeline step with its latency
// percentiles, a snapshot, and — as the baseline in the same run — recomputing the sums offline
// (ProductTest on the N windows) as a non-incremental engine would have to per frame.
// Settings: P = 1, L = 16 HAC lags, N = 1000 windows unless noted. See bench/README.md ("Streaming").
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <random>
#include <vector>

#include "engine/stream/pipeline.hpp"
#include "engine/stream/sliding_estimator.hpp"
#include "engine/stream/wire.hpp"
#include "sbtg/cross_block.hpp"

using Eigen::Index;
using Eigen::MatrixXd;

namespace {

constexpr int kMaxLag = 16;
constexpr int kWindow = 1000;

MatrixXd RandomScores(Index dim, Index count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> nd;
  MatrixXd m(dim, count);
  for (Index k = 0; k < m.size(); ++k) m.data()[k] = nd(rng);
  return m;
}

// Windows per second through SlidingEstimator::Add in batches of `batch` (ring already full).
void BM_SlidingUpdate(benchmark::State& state) {
  const Index n = state.range(0);
  const int batch = static_cast<int>(state.range(1));
  sbtg::stream::SlidingOptions o{n, 1, kWindow, kMaxLag, 64, false};
  sbtg::stream::SlidingEstimator est(o);
  const MatrixXd pool = RandomScores(2 * n, 256, 1);
  std::vector<std::uint64_t> runs(64, 0);
  for (int k = 0; k < kWindow / 64 + 1; ++k) est.Add(pool.leftCols(64), runs.data());
  Index col = 0;
  for (auto _ : state) {
    est.Add(pool.middleCols(col, batch), runs.data());
    col = (col + batch) % (256 - 64);
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["us_per_window"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate |
                                                         benchmark::Counter::kInvert);
}
BENCHMARK(BM_SlidingUpdate)
    ->ArgsProduct({{100, 300, 1000}, {1, 8, 32}})
    ->ArgNames({"n", "batch"})
    ->Unit(benchmark::kMicrosecond);

// Baseline: the same μ̂/HAC from scratch over N windows (what each frame would cost without the sums).
void BM_OfflineRecompute(benchmark::State& state) {
  const Index n = state.range(0);
  const MatrixXd z = RandomScores(kWindow, 2 * n, 2);
  sbtg::HacOptions hac;
  hac.centred = false;
  hac.bandwidth = kMaxLag + 1;
  for (auto _ : state) {
    auto pm = sbtg::ProductTest(z.leftCols(n), z.rightCols(n), {}, hac);
    benchmark::DoNotOptimize(pm.variance.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_OfflineRecompute)->Arg(100)->Arg(300)->Arg(1000)->ArgName("n")->Unit(benchmark::kMillisecond);

// Scoring one window (1 × dim) with a snapshot model: what the pipeline does per frame.
void BM_ScoreWindow(benchmark::State& state) {
  const Index n = state.range(0);
  sbtg::ModelOptions mo;
  mo.kind = state.range(1) == 0 ? sbtg::ScoreModelKind::kGaussian : sbtg::ScoreModelKind::kLinear;
  mo.hidden = 64;
  sbtg::est::ScoreModel model(mo, n, 1, 1);
  sbtg::est::Workspace ws;
  Eigen::MatrixXf z = Eigen::MatrixXf::Random(1, model.dim()), s;
  for (auto _ : state) {
    model.Score(z, s, ws);
    benchmark::DoNotOptimize(s.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(sbtg::ToString(mo.kind)));
}
BENCHMARK(BM_ScoreWindow)->ArgsProduct({{100, 300, 1000}, {0, 1}})->ArgNames({"n", "linear"})->Unit(benchmark::kMicrosecond);

struct PipelineRig {
  PipelineRig(Index n, sbtg::ScoreModelKind kind, int max_batch)
      : info{n, sbtg::DefaultNeuronNames(n), 0.05, "bench"}, pool(n, 256), exchange(n, 1, false) {
    o.estimator.window = kWindow;
    o.estimator.max_hac_lag = kMaxLag;
    o.max_batch = max_batch;
    o.trainer.enabled = false;
    o.trainer.model.kind = kind;
    o.trainer.model.hidden = 64;
    o.preprocess.warmup_frames = 0;
    auto model = std::make_shared<sbtg::est::ScoreModel>(o.trainer.model, n, 1, 1);
    o.initial_model = model;
    models.Publish(model);
    pipeline = std::make_unique<sbtg::stream::Pipeline>(o, info, counters, models, nullptr, exchange);
    data = Eigen::MatrixXf::Random(n, 512);
  }
  sbtg::FrameHandle Frame(std::uint64_t seq) {
    const sbtg::FrameHandle h = pool.TryAcquire();
    auto& f = pool.at(h);
    f.sequence = seq;
    f.source_time = static_cast<double>(seq) * 0.05;
    f.arrival_ns = sbtg::SteadyNanos();
    Eigen::Map<Eigen::VectorXf>(f.values, info.n) = data.col(static_cast<Index>(seq % 512));
    return h;
  }
  sbtg::EngineOptions o;
  sbtg::SourceInfo info;
  sbtg::stream::Counters counters;
  sbtg::stream::ModelSlot models;
  sbtg::FramePool pool;
  sbtg::stream::SnapshotExchange exchange;
  std::unique_ptr<sbtg::stream::Pipeline> pipeline;
  Eigen::MatrixXf data;
};

// One frame through the whole pipeline step (checks, standardize, window, score, estimator update),
// one frame at a time: the latency a frame sees on an idle engine. Reports p50/p99 in µs.
void BM_PipelineFrame(benchmark::State& state) {
  const Index n = state.range(0);
  PipelineRig rig(n, state.range(1) == 0 ? sbtg::ScoreModelKind::kGaussian : sbtg::ScoreModelKind::kLinear, 32);
  std::uint64_t seq = 0;
  for (int k = 0; k < kWindow + 10; ++k) {
    const sbtg::FrameHandle h = rig.Frame(seq++);
    rig.pipeline->Process(rig.pool, &h, 1);
  }
  std::vector<double> lat;
  lat.reserve(1 << 16);
  for (auto _ : state) {
    const sbtg::FrameHandle h = rig.Frame(seq++);
    const auto t0 = std::chrono::steady_clock::now();
    rig.pipeline->Process(rig.pool, &h, 1);
    lat.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(lat.begin(), lat.end());
  state.counters["p50_us"] = lat[lat.size() / 2];
  state.counters["p99_us"] = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(state.range(1) == 0 ? "gaussian" : "linear");
}
BENCHMARK(BM_PipelineFrame)->ArgsProduct({{100, 300, 1000}, {0, 1}})->ArgNames({"n", "linear"})->Unit(benchmark::kMicrosecond);

// Frames in micro-batches of 32 (a queue backlog): the sustained throughput of one pipeline core.
void BM_PipelineBatch(benchmark::State& state) {
  const Index n = state.range(0);
  PipelineRig rig(n, sbtg::ScoreModelKind::kLinear, 32);
  std::uint64_t seq = 0;
  std::vector<sbtg::FrameHandle> hs(32);
  for (int k = 0; k < kWindow / 32 + 2; ++k) {
    for (auto& h : hs) h = rig.Frame(seq++);
    rig.pipeline->Process(rig.pool, hs.data(), hs.size());
  }
  for (auto _ : state) {
    for (auto& h : hs) h = rig.Frame(seq++);
    rig.pipeline->Process(rig.pool, hs.data(), hs.size());
  }
  state.SetItemsProcessed(state.iterations() * 32);
  state.SetLabel("linear, frames/s");
}
BENCHMARK(BM_PipelineBatch)->Arg(100)->Arg(300)->Arg(1000)->ArgName("n")->Unit(benchmark::kMillisecond);

// A snapshot, split by thread: the HAC variances and bandwidth on the pipeline thread (which holds up
// frames meanwhile), then z/p/q/effects on the publisher thread (off the hot path).
void BM_SnapshotPipelinePart(benchmark::State& state) {
  PipelineRig rig(state.range(0), sbtg::ScoreModelKind::kGaussian, 32);
  std::uint64_t seq = 0;
  std::vector<sbtg::FrameHandle> hs(32);
  for (int k = 0; k < kWindow / 32 + 2; ++k) {
    for (auto& h : hs) h = rig.Frame(seq++);
    rig.pipeline->Process(rig.pool, hs.data(), hs.size());
  }
  for (auto _ : state) {
    if (!rig.pipeline->MaybeSnapshot(sbtg::SteadyNanos(), true, false)) state.SkipWithError("no snapshot");
    state.PauseTiming();
    rig.exchange.Release(rig.exchange.Take());
    state.ResumeTiming();
  }
}
BENCHMARK(BM_SnapshotPipelinePart)->Arg(100)->Arg(300)->Arg(1000)->ArgName("n")->Unit(benchmark::kMillisecond);

void BM_SnapshotPublisherPart(benchmark::State& state) {
  PipelineRig rig(state.range(0), sbtg::ScoreModelKind::kGaussian, 32);
  std::uint64_t seq = 0;
  std::vector<sbtg::FrameHandle> hs(32);
  for (int k = 0; k < kWindow / 32 + 2; ++k) {
    for (auto& h : hs) h = rig.Frame(seq++);
    rig.pipeline->Process(rig.pool, hs.data(), hs.size());
  }
  rig.pipeline->MaybeSnapshot(sbtg::SteadyNanos(), true, false);
  const int k = rig.exchange.Take();
  for (auto _ : state) {
    auto g = sbtg::stream::BuildSnapshot(rig.exchange.buffer(k), rig.o, rig.info.names, 0.05, 1);
    auto msgs = sbtg::stream::EncodeGraphs(*g);
    benchmark::DoNotOptimize(msgs.data());
  }
}
BENCHMARK(BM_SnapshotPublisherPart)->Arg(100)->Arg(300)->Arg(1000)->ArgName("n")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

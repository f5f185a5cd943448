// The pipeline thread's work, driven directly (no threads): acceptance 1 (streamed μ̂, HAC variances and
// p-values equal the offline machinery with a frozen model and frozen standardization, after many
// wraps, with a break inside the ring) and acceptance 3 (gaps, duplicates and out-of-order frames are
// counted and never form windows), and the no-allocation guarantee of the per-frame path.
#include <doctest/doctest.h>

#include <random>

#include "engine/estimator/lag_test.hpp"
#include "engine/stream/pipeline.hpp"
#include "engine/stream/wire.hpp"
#include "sbtg/cross_block.hpp"
#include "stream/stream_test_util.hpp"
#include "support/heap_watch.hpp"

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::MatrixXf;
using sbtg::EngineOptions;
using sbtg::FrameHandle;
using sbtg::FramePool;

namespace {

double MaxRel(const MatrixXd& a, const MatrixXd& b) {
  return (a - b).cwiseAbs().maxCoeff() / b.cwiseAbs().maxCoeff();
}

// Entry-wise relative error, for p-values whose magnitudes span hundreds of decades.
double EntryRel(const MatrixXd& a, const MatrixXd& b) {
  return ((a - b).cwiseAbs().array() / b.cwiseAbs().array().max(1e-300)).maxCoeff();
}

struct Rig {
  explicit Rig(const EngineOptions& o, Index n, Index pool_size = 64)
      : info{n, sbtg::DefaultNeuronNames(n), 0.05, "test"},
        pool(n, static_cast<std::uint32_t>(pool_size)),
        exchange(n, o.estimator.lags, o.estimator.correction == sbtg::Correction::kFull),
        pipeline(o, info, counters, models, nullptr, exchange) {}
  // Feeds one frame (values, sequence, segment) through the pipeline.
  void Feed(const Eigen::RowVectorXd& x, std::uint64_t seq, const char* segment = "s") {
    const FrameHandle h = pool.TryAcquire();
    REQUIRE(h != sbtg::kNoFrame);
    auto& f = pool.at(h);
    f.sequence = seq;
    f.source_time = static_cast<double>(seq) * 0.05;
    f.arrival_ns = sbtg::SteadyNanos();
    f.SetSegment(segment);
    Eigen::Map<Eigen::VectorXf>(f.values, info.n) = x.transpose().cast<float>();
    pending.push_back(h);
  }
  void Flush() {
    pipeline.Process(pool, pending.data(), pending.size());
    pending.clear();
  }
  sbtg::SourceInfo info;
  sbtg::stream::Counters counters;
  sbtg::stream::ModelSlot models;
  FramePool pool;
  sbtg::stream::SnapshotExchange exchange;
  sbtg::stream::Pipeline pipeline;
  std::vector<FrameHandle> pending;
};

}  // namespace

TEST_SUITE("Pipeline") {
  TEST_CASE("Pipeline.StreamedTestsEqualOfflineWithFrozenModel") {
    const Index n = 6, t_len = 2600;
    const int p = 2;
    const MatrixXd x = sbtg::testing::Var1Series(t_len, n, 21);
    const Eigen::VectorXd mean = x.colwise().mean().transpose();
    const Eigen::VectorXd scale = ((x.rowwise() - mean.transpose()).colwise().squaredNorm() / double(t_len)).cwiseSqrt().transpose();
    // The frozen model: the Gaussian closed form on the whole standardized series.
    auto model = std::make_shared<sbtg::est::ScoreModel>(sbtg::ModelOptions{sbtg::ScoreModelKind::kGaussian}, n, p, 1);
    model->FitGaussian(sbtg::testing::OfflineWindows(x, 0, t_len, p, mean, scale).cast<double>(), 1e-3);
    EngineOptions o;
    o.estimator.lags = p;
    o.estimator.window = 300;  // ~8 wraps
    o.estimator.max_hac_lag = 24;  // = ProductTest's default cap for 300 windows, so both cap alike
    o.max_batch = 8;
    o.preprocess.standardize = sbtg::StandardizeMode::kFixed;
    o.preprocess.fixed_mean = mean;
    o.preprocess.fixed_scale = scale;
    o.trainer.enabled = false;
    o.initial_model = model;
    Rig rig(o, n);
    rig.models.Publish(model);
    // A sequence gap at row 2450 (frame 2450 never arrives) puts a break inside the last 300 windows.
    const Index gap = 2450;
    std::mt19937_64 rng(3);
    std::uniform_int_distribution<int> chunk(1, 8);
    int in_chunk = chunk(rng);
    for (Index t = 0; t < t_len; ++t) {
      if (t != gap) rig.Feed(x.row(t), static_cast<std::uint64_t>(t));
      if (static_cast<int>(rig.pending.size()) >= in_chunk) {
        rig.Flush();
        in_chunk = chunk(rng);
      }
    }
    rig.Flush();
    CHECK(rig.counters.gaps.load() == 1);
    CHECK(rig.counters.missing_frames.load() == 1);
    auto& est = rig.pipeline.estimator();
    REQUIRE(est.count() == 300);
    const std::vector<Index> runs = est.RunStarts();
    REQUIRE(runs.size() == 2);  // the break is inside the ring
    // Windows in the ring = the offline windows of the last two runs, scored by the same model.
    const MatrixXd ring = est.OrderedScores();
    const MatrixXf tail = sbtg::testing::OfflineWindows(x, gap + 1, t_len, p, mean, scale);
    const MatrixXf head = sbtg::testing::OfflineWindows(x, 0, gap, p, mean, scale);
    MatrixXf z(300, n * (p + 1));
    z.bottomRows(tail.rows()) = tail;
    z.topRows(300 - tail.rows()) = head.bottomRows(300 - tail.rows());
    sbtg::est::Workspace ws;
    MatrixXf s1, zrow(1, z.cols());
    MatrixXd offline_scores(300, z.cols());
    for (Index w = 0; w < 300; ++w) {
      zrow = z.row(w);
      model->Score(zrow, s1, ws);
      offline_scores.row(w) = s1.cast<double>();
    }
    CHECK(MaxRel(ring, offline_scores) < 1e-12);
    CHECK(runs[1] == 300 - tail.rows());

    REQUIRE(rig.pipeline.MaybeSnapshot(sbtg::SteadyNanos(), true, false));
    const int k = rig.exchange.Take();
    REQUIRE(k >= 0);
    auto snap = sbtg::stream::BuildSnapshot(rig.exchange.buffer(k), o, rig.info.names, 0.05, 1);
    sbtg::TestOptions t;
    t.centred = false;
    t.bandwidth = -1;
    t.pvalue = sbtg::PValueMode::kHacNull;
    t.correction = sbtg::Correction::kDiagonal;
    for (int r = 1; r <= p; ++r) {
      const MatrixXd sf = offline_scores.leftCols(n), sr = offline_scores.middleCols(r * n, n);
      const auto off = sbtg::est::RunLagTest(sf, sr, runs, t, 1);
      sbtg::HacOptions hac;
      hac.centred = false;
      const auto pm = sbtg::ProductTest(sf, sr, runs, hac);
      const auto& g = snap->lags[static_cast<size_t>(r - 1)];
      CAPTURE(r);
      CHECK(g.bandwidth == doctest::Approx(off.bandwidth).epsilon(1e-12));
      CHECK(MaxRel(g.mu, off.mu) < 1e-9);
      CHECK(EntryRel(g.variance, pm.variance) < 1e-9);
      CHECK(EntryRel(g.z, off.z) < 1e-9);
      CHECK(EntryRel(g.p, off.p) < 1e-9);
      CHECK(g.null_scale == doctest::Approx(off.null_scale).epsilon(1e-12));
      const MatrixXd unit = scale * scale.cwiseInverse().transpose();
      CHECK(MaxRel(g.effect, off.effect_std.cwiseProduct(unit)) < 1e-9);
    }
  }

  TEST_CASE("Pipeline.GapsDuplicatesAndOutOfOrderNeverFormWindows") {
    const Index n = 3;
    EngineOptions o;
    o.estimator.lags = 1;
    o.estimator.window = 40;
    o.estimator.max_hac_lag = 4;
    o.max_batch = 4;
    o.preprocess.standardize = sbtg::StandardizeMode::kNone;
    o.trainer.enabled = false;
    auto model = std::make_shared<sbtg::est::ScoreModel>(sbtg::ModelOptions{sbtg::ScoreModelKind::kGaussian}, n, 1, 1);
    o.initial_model = model;
    Rig rig(o, n);
    rig.models.Publish(model);
    const MatrixXd x = MatrixXd::Random(40, n);
    // Sequence as it arrives: 0..9, then 12 (gap of 2), duplicate 12, 13, 11 (late: out of order),
    // 14..19, then a segment change at 20.
    std::vector<std::pair<std::uint64_t, const char*>> arrivals;
    for (std::uint64_t s = 0; s < 10; ++s) arrivals.emplace_back(s, "a");
    arrivals.insert(arrivals.end(), {{12, "a"}, {12, "a"}, {13, "a"}, {11, "a"}});
    for (std::uint64_t s = 14; s < 20; ++s) arrivals.emplace_back(s, "a");
    for (std::uint64_t s = 20; s < 25; ++s) arrivals.emplace_back(s, "b");
    for (size_t k = 0; k < arrivals.size(); ++k) {
      rig.Feed(x.row(static_cast<Index>(k)), arrivals[k].first, arrivals[k].second);
      rig.Flush();
    }
    CHECK(rig.counters.gaps.load() == 1);
    CHECK(rig.counters.missing_frames.load() == 2);
    CHECK(rig.counters.duplicates.load() == 1);
    CHECK(rig.counters.out_of_order.load() == 1);
    CHECK(rig.counters.segment_breaks.load() == 1);
    // Windows: 9 in 0..9, 7 in 12..19 (pairs (12,13)…(18,19)), 4 in 20..24; none across a break.
    CHECK(rig.counters.windows.load() == 9 + 7 + 4);
    CHECK(rig.pipeline.estimator().RunStarts() == std::vector<Index>{0, 9, 16});
    CHECK(rig.counters.frames_processed.load() == arrivals.size());
  }

  TEST_CASE("Pipeline.ProcessDoesNotAllocate") {
    const Index n = 20;
    EngineOptions o;
    o.estimator.lags = 2;
    o.estimator.window = 64;
    o.estimator.max_hac_lag = 6;
    o.max_batch = 8;
    o.trainer.model.kind = sbtg::ScoreModelKind::kLinear;
    o.trainer.model.hidden = 16;
    o.preprocess.warmup_frames = 5;
    auto model = std::make_shared<sbtg::est::ScoreModel>(o.trainer.model, n, 2, 4);
    o.trainer.enabled = false;
    o.initial_model = model;
    Rig rig(o, n, 128);
    rig.models.Publish(model);
    const MatrixXd x = sbtg::testing::Var1Series(400, n, 2);
    for (Index t = 0; t < 100; ++t) rig.Feed(x.row(t), static_cast<std::uint64_t>(t));
    rig.Flush();  // warm-up sizes every workspace
    long process_allocations = 0;
    for (Index t = 100; t + 8 <= 400; t += 8) {
      for (Index k = t; k < t + 8; ++k) rig.Feed(x.row(k), static_cast<std::uint64_t>(k + (k > 300 ? 1 : 0)));
      const sbtg::testing::HeapWatch watch;
      rig.Flush();
      process_allocations += watch.Allocations();
    }
    CHECK(process_allocations == 0);
    bool handed_over = false;
    long snapshot_allocations = 0;
    {
      const sbtg::testing::HeapWatch watch;
      handed_over = rig.pipeline.MaybeSnapshot(sbtg::SteadyNanos(), true, false);
      snapshot_allocations = watch.Allocations();
    }
    CHECK(handed_over);
    CHECK(snapshot_allocations == 0);
    CHECK(rig.counters.gaps.load() == 1);
  }
}

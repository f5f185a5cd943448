// Baseline estimators on a recording of the size of a large imaging session: n = 100 and 300
// neurons, T = 5000 frames, P = 1 (and P = 2 at n = 100). One iteration = one complete FitBaseline
// (standardize, windows, moments, estimate, BH). items/s counts pair-lag tests (n² · P per fit).
//
// Run: build/release/bench/bench_baselines --benchmark_min_time=1
// Machine and numbers: see the report in docs/baselines-methods.md ("Cost").
#include <benchmark/benchmark.h>

#include <map>
#include <random>
#include <utility>

#include "sbtg/baselines.hpp"

namespace {

constexpr Eigen::Index kFrames = 5000;

// Sparse stable VAR(1): AR(0.9) neurons with ~2% random couplings of ±0.03 (spectral radius < 1);
// seeded, cached per n.
const sbtg::Recording& Session(Eigen::Index n) {
  static std::map<Eigen::Index, sbtg::Recording> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  std::mt19937_64 rng(42);
  std::normal_distribution<double> normal;
  std::bernoulli_distribution edge(0.02);
  Eigen::MatrixXd a = 0.9 * Eigen::MatrixXd::Identity(n, n);
  for (Eigen::Index j = 0; j < n; ++j) {
    for (Eigen::Index i = 0; i < n; ++i) {
      if (i != j && edge(rng)) a(j, i) = normal(rng) > 0 ? 0.03 : -0.03;
    }
  }
  Eigen::MatrixXd x(kFrames, n);
  Eigen::VectorXd state = Eigen::VectorXd::Zero(n);
  Eigen::VectorXd noise(n);
  for (Eigen::Index t = -200; t < kFrames; ++t) {
    for (Eigen::Index i = 0; i < n; ++i) noise[i] = normal(rng);
    state = a * state + noise;
    if (t >= 0) x.row(t) = state.transpose();
  }
  sbtg::Recording rec;
  rec.names = sbtg::DefaultNeuronNames(n);
  rec.frame_period = 0.1;
  rec.segments.push_back({"bench", std::move(x), {}});
  return cache.emplace(n, std::move(rec)).first->second;
}

void BM_Baseline(benchmark::State& state, sbtg::BaselineMethod method) {
  const Eigen::Index n = state.range(0);
  sbtg::BaselineOptions options;
  options.lags = static_cast<int>(state.range(1));
  const sbtg::Recording& rec = Session(n);
  for (auto _ : state) {
    auto fit = sbtg::FitBaseline(rec, method, options);
    if (!fit.ok()) {
      state.SkipWithError(fit.status().ToString().c_str());
      break;
    }
    benchmark::DoNotOptimize(fit->lags.front().p.data());
  }
  state.SetItemsProcessed(state.iterations() * n * n * options.lags);
  state.counters["n"] = static_cast<double>(n);
  state.counters["frames"] = static_cast<double>(kFrames);
  state.counters["lags"] = options.lags;
}

void Sizes(benchmark::internal::Benchmark* b) {
  b->Args({100, 1})->Args({300, 1})->Args({100, 2});
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK_CAPTURE(BM_Baseline, pearson, sbtg::BaselineMethod::kPearson)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Baseline, var, sbtg::BaselineMethod::kVar)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Baseline, granger, sbtg::BaselineMethod::kGranger)->Apply(Sizes);
BENCHMARK_CAPTURE(BM_Baseline, granger_pairwise, sbtg::BaselineMethod::kGrangerPairwise)
    ->Apply(Sizes);

}  // namespace

BENCHMARK_MAIN();

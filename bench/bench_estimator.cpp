// SBTG training and test kernels (issue: estimator speed and memory).
//
// BM_Train*: one score model trained at the published reference's settings — 100 epochs, batch 128,
// hidden 64×2, denoising score matching at one σ, in-sample (one model), no early stopping — on a
// simulated tanh network with T = 5000 frames. Counters: epochs/s, windows/s, GFLOP/s (from the analytic
// FLOP count of one training step), and the analytic FLOP count per epoch.
// BM_Sgemm: the machine's single-thread float matrix-product rate, for comparison.
// BM_LagTest: the HAC cross-block test on N × n score blocks (double).
#include <benchmark/benchmark.h>

#include <random>

#include "engine/estimator/lag_test.hpp"
#include "engine/estimator/score_model.hpp"
#include "engine/estimator/trainer.hpp"
#include "sbtg/simulate.hpp"
#include "sbtg/windows.hpp"

namespace {

Eigen::MatrixXf Windows(Eigen::Index n, Eigen::Index frames) {
  sbtg::SimOptions so;
  so.family = sbtg::SimFamily::kTanh;
  so.n = n;
  so.frames = frames;
  so.seed = 1;
  auto sim = sbtg::Simulate(so);
  if (!sim.ok()) throw std::runtime_error(sim.status().ToString());
  const sbtg::Recording z = sbtg::Standardizer::Fit(sim->recording).Apply(sim->recording);
  const sbtg::WindowBlocks w = sbtg::BuildWindows(z, 1);
  Eigen::MatrixXf out(w.count(), 2 * n);
  out << w.future().cast<float>(), w.lag(1).cast<float>();
  return out;
}

void Train(benchmark::State& state, sbtg::ScoreModelKind kind, sbtg::Objective objective) {
  const Eigen::Index n = state.range(0);
  const Eigen::MatrixXf train = Windows(n, 5000);
  sbtg::ModelOptions mo;
  mo.kind = kind;
  mo.hidden = 64;
  sbtg::TrainOptions to;
  to.objective = objective;
  to.epochs = static_cast<int>(state.range(1));
  to.batch = 128;
  to.patience = 0;
  to.validation_fraction = 0;
  const Eigen::MatrixXf none(0, train.cols());
  for (auto _ : state) {
    sbtg::est::ScoreModel model(mo, n, 1, 1);
    model.FitGaussian(train.cast<double>(), 1e-3);
    const auto stats = sbtg::est::TrainModel(model, train, none, to, {}, "bench");
    benchmark::DoNotOptimize(stats.final_train_loss);
  }
  sbtg::est::ScoreModel probe(mo, n, 1, 1);
  const double flops_epoch = sbtg::est::TrainingFlopsPerWindow(probe, objective) * static_cast<double>(train.rows());
  state.counters["epochs/s"] = benchmark::Counter(static_cast<double>(to.epochs), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["windows/s"] = benchmark::Counter(static_cast<double>(to.epochs * train.rows()),
                                                   benchmark::Counter::kIsIterationInvariantRate);
  state.counters["GFLOP/epoch"] = flops_epoch / 1e9;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops_epoch * to.epochs / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_TrainLinearDsm(benchmark::State& s) { Train(s, sbtg::ScoreModelKind::kLinear, sbtg::Objective::kDenoising); }
void BM_TrainFeatureBilinearDsm(benchmark::State& s) {
  Train(s, sbtg::ScoreModelKind::kFeatureBilinear, sbtg::Objective::kDenoising);
}
void BM_TrainLinearExact(benchmark::State& s) { Train(s, sbtg::ScoreModelKind::kLinear, sbtg::Objective::kExact); }

void BM_Sgemm(benchmark::State& state) {
  const Eigen::Index m = state.range(0);
  const Eigen::MatrixXf a = Eigen::MatrixXf::Random(m, m), b = Eigen::MatrixXf::Random(m, m);
  Eigen::MatrixXf c(m, m);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  state.counters["GFLOP/s"] = benchmark::Counter(2.0 * m * m * m / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_LagTest(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  std::mt19937_64 rng(1);
  std::normal_distribution<double> nd;
  Eigen::MatrixXd sf(5000, n), sr(5000, n);
  for (Eigen::Index k = 0; k < sf.size(); ++k) {
    sf.data()[k] = nd(rng);
    sr.data()[k] = nd(rng);
  }
  sbtg::TestOptions opt;
  for (auto _ : state) {
    const auto lt = sbtg::est::RunLagTest(sf, sr, {}, opt, 10);
    benchmark::DoNotOptimize(lt.p.data());
  }
}

}  // namespace

BENCHMARK(BM_Sgemm)->Arg(512)->Arg(1024)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TrainLinearDsm)->Args({51, 100})->Args({300, 100})->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_TrainFeatureBilinearDsm)->Args({51, 100})->Args({300, 100})->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_TrainLinearExact)->Args({51, 20})->Unit(benchmark::kSecond)->Iterations(1);
BENCHMARK(BM_LagTest)->Arg(100)->Arg(300)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();

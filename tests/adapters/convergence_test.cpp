// Acceptance 2, small version: the simulator (tanh network at 20 Hz, accelerated replay) streamed
// through the engine; the streamed graph's AUROC rises with time and reaches at least 0.9× the offline
// cross-fit AUROC on the same frames (same score-model kind). The full curve (n = 50) is in
// docs/streaming.md, made by the command given there.
#include <doctest/doctest.h>

#include <thread>

#include "adapters/sim/sim_source.hpp"
#include "sbtg/estimator.hpp"
#include "sbtg/eval.hpp"
#include "support/test_support.hpp"

namespace {

double LagOneAuroc(const sbtg::FitResult& r, const std::vector<Eigen::MatrixXd>& truth) {
  sbtg::Truth t;
  t.names = r.names;
  t.lags = truth;
  auto report = sbtg::Evaluate(r, t);
  REQUIRE(report.ok());
  return report->lags[0].auroc_effect;
}

}  // namespace

TEST_SUITE("Convergence") {
  TEST_CASE("Convergence.StreamedAurocRisesToOfflineLevel" * doctest::timeout(120)) {
    sbtg::SimOptions sim;
    sim.family = sbtg::SimFamily::kTanh;
    sim.n = 20;
    sim.frames = sbtg::testing::SmallScale() ? 2500 : 4000;
    sim.frame_period = 0.05;  // 20 Hz
    sim.seed = 3;
    // 100× real time: 4000 frames in 2 s of wall clock.
    auto src = sbtg::adapters::SimSource::Create(sim, {100.0, 1, ""});
    REQUIRE(src.ok());
    const sbtg::Recording rec = (*src)->recording();
    const std::vector<Eigen::MatrixXd> truth = *(*src)->truth();
    sbtg::EngineOptions o;
    o.trainer.model.kind = sbtg::ScoreModelKind::kGaussian;
    o.trainer.refit_every_windows = 100;
    o.estimator.window = static_cast<int>(sim.frames);  // the sliding window spans the whole run
    o.publish.interval = 0.05;
    auto engine = sbtg::Engine::Create(o, std::move(*src));
    REQUIRE(engine.ok());
    REQUIRE((*engine)->Start().ok());
    std::vector<std::pair<Eigen::Index, double>> curve;  // (windows, AUROC)
    std::uint64_t last_seq = 0;
    while (!(*engine)->WaitUntilDrained(std::chrono::milliseconds(0))) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      const auto snap = (*engine)->Latest();
      if (snap && snap->seq != last_seq) {
        last_seq = snap->seq;
        curve.emplace_back(snap->windows, LagOneAuroc(snap->ToFitResult(), truth));
      }
    }
    (*engine)->Stop();
    const auto final_snap = (*engine)->Latest();
    REQUIRE(final_snap);
    const double streamed = LagOneAuroc(final_snap->ToFitResult(), truth);

    sbtg::SbtgOptions offline;
    offline.model.kind = sbtg::ScoreModelKind::kGaussian;
    offline.test.correction = sbtg::Correction::kDiagonal;  // as streamed
    auto fit = sbtg::FitSbtg(rec, offline);
    REQUIRE(fit.ok());
    const double reference = LagOneAuroc(*fit, truth);
    MESSAGE("streamed AUROC " << streamed << " vs offline cross-fit " << reference << " over " << curve.size()
                              << " snapshots; first " << (curve.empty() ? 0.0 : curve.front().second));
    REQUIRE(curve.size() >= 3);
    CHECK(streamed >= 0.9 * reference);
    // Rising: the first snapshot (a few hundred windows, early models) is clearly below the final one.
    CHECK(curve.front().second < streamed - 0.02);
  }
}

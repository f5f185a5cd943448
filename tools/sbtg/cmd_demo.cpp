// `sbtg demo`: simulate a saturating rate network with known wiring, fit SBTG and the baselines on the
// same recording, and print how well each recovers the true circuit (no rig or data files needed).
#include <fmt/core.h>

#include <chrono>

#include "sbtg/baselines.hpp"
#include "sbtg/estimator.hpp"
#include "sbtg/eval.hpp"
#include "sbtg/simulate.hpp"
#include "tools/sbtg/commands.hpp"

namespace sbtg::cli {

namespace {

struct DemoArgs {
  std::string family = "tanh";
  Eigen::Index n = 40;
  Eigen::Index frames = 3000;
  std::uint64_t seed = 1;
};

Status RunDemo(const DemoArgs& a) {
  auto family = ParseSimFamily(a.family);
  if (!family.ok()) return family.status().WithContext("--family");
  SimOptions so;
  so.family = *family;
  so.n = a.n;
  so.frames = a.frames;
  so.seed = a.seed;
  auto sim = Simulate(so);
  if (!sim.ok()) return sim.status();
  fmt::print("sbtg demo: simulated a {} network, {} neurons, {} frames (seed {}).\n", a.family, a.n, a.frames,
             a.seed);
  Truth truth;
  truth.names = sim->recording.names;
  truth.lags = sim->truth;
  fmt::print("{:<18} {:>9} {:>9} {:>9} {:>10} {:>8}\n", "method", "AUROC", "AUPRC", "selected", "real. FDR",
             "seconds");
  auto report = [&](const std::string& name, const Result<FitResult>& fit, double seconds) -> Status {
    if (!fit.ok()) return fit.status().WithContext(name);
    auto ev = Evaluate(*fit, truth);
    if (!ev.ok()) return ev.status();
    const LagMetrics& m = ev->lags.front();
    fmt::print("{:<18} {:>9.3f} {:>9.3f} {:>9} {:>10.3f} {:>8.2f}\n", name, m.auroc_effect, m.auprc_effect,
               m.selected, m.realized_fdr, seconds);
    return Status::Ok();
  };
  for (const auto method : {BaselineMethod::kPearson, BaselineMethod::kVar, BaselineMethod::kGranger,
                            BaselineMethod::kGrangerPairwise}) {
    const auto t0 = std::chrono::steady_clock::now();
    auto fit = FitBaseline(sim->recording, method, BaselineOptions{});
    SBTG_RETURN_IF_ERROR(report(std::string(ToString(method)), fit,
                                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto fit = FitSbtg(sim->recording, SbtgOptions{});
  SBTG_RETURN_IF_ERROR(
      report("sbtg", fit, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()));
  fmt::print("AUROC/AUPRC rank |effect| over off-diagonal pairs against the simulator's truth; selected = BH at "
             "q <= 0.1; real. FDR = false share of the selected edges.\n");
  return Status::Ok();
}

}  // namespace

void RegisterDemo(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DemoArgs>();
  auto* sub = app.add_subcommand("demo", "Simulate a network, fit SBTG and the baselines, score them against the truth");
  sub->add_option("--family", args->family, "simulator family")->capture_default_str();
  sub->add_option("--n", args->n, "neurons")->capture_default_str();
  sub->add_option("--frames", args->frames, "frames")->capture_default_str();
  sub->add_option("--seed", args->seed, "seed")->capture_default_str();
  sub->callback([args, &exit_code] {
    const Status st = RunDemo(*args);
    exit_code = st.ok() ? 0 : ReportError("demo", st);
  });
}

}  // namespace sbtg::cli

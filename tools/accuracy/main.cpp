// sbtg-accuracy: recovery of known circuits by every method, on the simulator, in one command.
//
// For each simulator family × size × seed it simulates a recording, fits every requested method on the
// same data, scores each result against the generating truth with the metrics of DESIGN §5, and writes
// a Markdown report (mean ± sd over seeds) plus the raw per-run numbers as JSON. The documented commands
// that regenerate docs/baselines.md and docs/accuracy.md are in those files' headers.
#include <fmt/core.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "sbtg/baselines.hpp"
#include "sbtg/estimator.hpp"
#include "sbtg/eval.hpp"
#include "sbtg/io.hpp"
#include "sbtg/simulate.hpp"

namespace {

struct Job {
  sbtg::SimFamily family;
  Eigen::Index n;
  std::uint64_t seed;
};

struct Row {
  std::string family, method;
  Eigen::Index n = 0;
  std::uint64_t seed = 0;
  double seconds = 0;
  std::vector<sbtg::LagMetrics> lags;
};

double Mean(const std::vector<double>& v) {
  double s = 0;
  int k = 0;
  for (double x : v) {
    if (std::isfinite(x)) {
      s += x;
      ++k;
    }
  }
  return k > 0 ? s / k : std::nan("");
}

double Sd(const std::vector<double>& v) {
  const double m = Mean(v);
  double s = 0;
  int k = 0;
  for (double x : v) {
    if (std::isfinite(x)) {
      s += (x - m) * (x - m);
      ++k;
    }
  }
  return k > 1 ? std::sqrt(s / (k - 1)) : 0.0;
}

std::string Cell(const std::vector<double>& v, int digits = 3) {
  const double m = Mean(v);
  if (!std::isfinite(m)) return "n/a";
  if (v.size() < 2) return fmt::format("{:.{}f}", m, digits);
  return fmt::format("{:.{}f} ± {:.{}f}", m, digits, Sd(v), digits);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sbtg-accuracy — recovery of simulated circuits by SBTG and the baselines"};
  std::string families_arg = "var,tanh,tanh_lag2,gated,poisson,hawkes,calcium,null,connectome";
  std::vector<Eigen::Index> sizes{50};
  Eigen::Index frames = 2000;
  std::vector<std::uint64_t> seeds{1, 2, 3};
  std::string methods_arg = "pearson,var,granger,granger_pairwise";
  int lags = 1;
  int sim_order = 1;
  std::string out_md, out_json, title = "Recovery on the simulator";
  std::string data_dir = "../shared/data";
  std::string dump_dir;
  int jobs = 1;
  sbtg::SbtgOptions sbtg_options;
  std::string model, objective, scoring, pvalue, correction;  // empty = the library's default
  app.add_option("--families", families_arg, "comma-separated simulator families");
  app.add_option("--n", sizes, "network sizes")->delimiter(',');
  app.add_option("--frames", frames, "frames per recording");
  app.add_option("--seeds", seeds, "seeds")->delimiter(',');
  app.add_option("--methods", methods_arg, "comma-separated: pearson,var,granger,granger_pairwise,sbtg");
  app.add_option("--lags", lags, "lags P fitted by every method");
  app.add_option("--sim-order", sim_order, "VAR order of the var family");
  app.add_option("--data-dir", data_dir, "shared data directory (connectome family)");
  app.add_option("--jobs", jobs, "parallel simulations");
  app.add_option("--dump", dump_dir, "also write every result directory and truth under this folder");
  app.add_option("--title", title, "report title");
  app.add_option("--markdown", out_md, "write the Markdown report here");
  app.add_option("--json", out_json, "write per-run metrics here");
  app.add_option("--sbtg-model", model, "SBTG score model");
  app.add_option("--sbtg-objective", objective, "SBTG training objective");
  app.add_option("--sbtg-scoring", scoring, "SBTG scoring mode");
  app.add_option("--sbtg-pvalue", pvalue, "SBTG p-value mode");
  app.add_option("--sbtg-correction", correction, "SBTG precision correction");
  app.add_option("--sbtg-epochs", sbtg_options.train.epochs, "SBTG maximum epochs");
  app.add_option("--sbtg-hidden", sbtg_options.model.hidden, "SBTG MLP width");
  app.add_option("--sbtg-ridge", sbtg_options.model.ridge, "SBTG Gaussian ridge");
  app.add_option("--sbtg-shrinkage", sbtg_options.model.shrinkage, "SBTG covariance shrinkage (-1 = Ledoit-Wolf)");
  app.add_option("--sbtg-lr", sbtg_options.train.learning_rate, "SBTG learning rate");
  app.add_option("--sbtg-sigma", sbtg_options.train.sigma, "SBTG DSM sigma");
  app.add_option("--sbtg-folds", sbtg_options.folds, "SBTG cross-fit folds");
  app.add_option("--sbtg-freeze", sbtg_options.train.freeze_quadratic, "SBTG: train only the nonlinear parts");
  CLI11_PARSE(app, argc, argv);
  std::string command = "sbtg-accuracy";
  for (int k = 1; k < argc; ++k) command += std::string(" ") + argv[k];

  auto parse_or_die = [](auto result, const std::string& what) {
    if (!result.ok()) {
      fmt::print(stderr, "sbtg-accuracy: {}: {}\n", what, result.status().ToString());
      std::exit(2);
    }
    return *result;
  };
  sbtg_options.lags = lags;
  if (!model.empty()) sbtg_options.model.kind = parse_or_die(sbtg::ParseScoreModelKind(model), "--sbtg-model");
  if (!objective.empty()) sbtg_options.train.objective = parse_or_die(sbtg::ParseObjective(objective), "--sbtg-objective");
  if (!scoring.empty()) sbtg_options.scoring = parse_or_die(sbtg::ParseScoringMode(scoring), "--sbtg-scoring");
  if (!correction.empty()) sbtg_options.test.correction = parse_or_die(sbtg::ParseCorrection(correction), "--sbtg-correction");
  if (!pvalue.empty()) sbtg_options.test.pvalue = parse_or_die(sbtg::ParsePValueMode(pvalue), "--sbtg-pvalue");
  model = sbtg::ToString(sbtg_options.model.kind);
  objective = sbtg::ToString(sbtg_options.train.objective);
  scoring = sbtg::ToString(sbtg_options.scoring);
  pvalue = sbtg::ToString(sbtg_options.test.pvalue);

  std::vector<sbtg::SimFamily> families;
  std::stringstream fs(families_arg);
  for (std::string f; std::getline(fs, f, ',');) families.push_back(parse_or_die(sbtg::ParseSimFamily(f), "--families"));
  std::vector<std::string> methods;
  std::stringstream ms(methods_arg);
  for (std::string m; std::getline(ms, m, ',');) {
    if (m != "sbtg") parse_or_die(sbtg::ParseBaselineMethod(m), "--methods");
    methods.push_back(m);
  }

  std::vector<Job> queue;
  for (auto f : families) {
    for (auto n : sizes) {
      for (auto s : seeds) queue.push_back({f, n, s});
    }
  }
  std::vector<Row> rows;
  std::mutex mu;
  size_t next = 0;
  auto worker = [&] {
    for (;;) {
      Job job;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (next >= queue.size()) return;
        job = queue[next++];
      }
      sbtg::SimOptions so;
      so.family = job.family;
      so.n = job.n;
      so.frames = frames;
      so.seed = job.seed;
      if (job.family == sbtg::SimFamily::kVar) so.order = sim_order;
      if (job.family == sbtg::SimFamily::kConnectome) {
        so.connectome_path = data_dir + "/connectome/herm_chem_cells.csv";
        so.connectome_max_neurons = job.n;
      }
      auto sim = sbtg::Simulate(so);
      if (!sim.ok()) {
        fmt::print(stderr, "simulate {} n={} seed={}: {}\n", sbtg::ToString(job.family), job.n, job.seed,
                   sim.status().ToString());
        continue;
      }
      sbtg::Truth truth;
      truth.names = sim->recording.names;
      truth.lags = sim->truth;
      for (const auto& m : methods) {
        const auto t0 = std::chrono::steady_clock::now();
        sbtg::Result<sbtg::FitResult> fit = sbtg::Status::Internal("unset");
        if (m == "sbtg") {
          sbtg::SbtgOptions o = sbtg_options;
          o.train.seed = job.seed;
          fit = sbtg::FitSbtg(sim->recording, o);
        } else {
          sbtg::BaselineOptions bo;
          bo.lags = lags;
          fit = sbtg::FitBaseline(sim->recording, *sbtg::ParseBaselineMethod(m), bo);
        }
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!fit.ok()) {
          fmt::print(stderr, "fit {} on {} n={} seed={}: {}\n", m, sbtg::ToString(job.family), job.n, job.seed,
                     fit.status().ToString());
          continue;
        }
        if (!dump_dir.empty()) {
          const std::string base = fmt::format("{}/{}_n{}_seed{}", dump_dir, sbtg::ToString(job.family), job.n, job.seed);
          (void)sbtg::WriteTruth(base + "/truth", sim->truth, sim->recording.names);
          const sbtg::Status st = sbtg::WriteFitResult(base + "/" + m, *fit);
          if (!st.ok()) fmt::print(stderr, "dump: {}\n", st.ToString());
        }
        auto report = sbtg::Evaluate(*fit, truth);
        if (!report.ok()) {
          fmt::print(stderr, "eval: {}\n", report.status().ToString());
          continue;
        }
        Row row{std::string(sbtg::ToString(job.family)), m, job.n, job.seed, secs, report->lags};
        std::lock_guard<std::mutex> lock(mu);
        fmt::print(stderr, "{:<11} n={:<4} seed={} {:<17} AUROC lag1 {:.3f}  p<.05 {:.3f}  FDR {:.3f}  {:.1f}s\n",
                   row.family, row.n, row.seed, row.method, row.lags[0].auroc_effect, row.lags[0].frac_p05,
                   row.lags[0].realized_fdr, secs);
        rows.push_back(std::move(row));
      }
    }
  };
  std::vector<std::thread> threads;
  for (int k = 0; k < std::max(1, jobs); ++k) threads.emplace_back(worker);
  for (auto& t : threads) t.join();

  // Aggregate: per (family, n, lag) a table row per method.
  std::ostringstream md;
  md << "## " << title << "\n\n";
  md << "Generated by `build/release/tools/accuracy/" << command << "`.\n\n";
  md << fmt::format("Settings: frames = {}, seeds = {}, lags fitted = {}, FDR = BH at α = 0.1.", frames,
                    fmt::join(seeds, ","), lags);
  if (std::find(methods.begin(), methods.end(), "sbtg") != methods.end()) {
    md << fmt::format(" SBTG: model = {}, objective = {}, scoring = {}, p-values = {}, epochs ≤ {}.", model,
                      objective, scoring, pvalue, sbtg_options.train.epochs);
  }
  md << " Cells are mean ± sd over seeds.\n\n";
  nlohmann::json raw = nlohmann::json::array();
  for (auto n : sizes) {
    for (int lag = 1; lag <= lags; ++lag) {
      md << fmt::format("### n = {}, lag {}\n\n", n, lag);
      md << "| family | method | AUROC abs(effect) | AUROC −log p | AUPRC abs(effect) | selected | realized FDR | "
            "p<0.05 share | p<0.01 share | sign acc. | fit s |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
      for (auto f : families) {
        for (const auto& m : methods) {
          std::vector<double> auroc, aurocp, auprc, sel, fdr, p05, p01, sign, secs;
          for (const auto& r : rows) {
            if (r.family != sbtg::ToString(f) || r.method != m || r.n != n) continue;
            if (static_cast<size_t>(lag) > r.lags.size()) continue;
            const auto& l = r.lags[static_cast<size_t>(lag - 1)];
            auroc.push_back(l.auroc_effect);
            aurocp.push_back(l.auroc_logp);
            auprc.push_back(l.auprc_effect);
            sel.push_back(static_cast<double>(l.selected));
            fdr.push_back(l.selected > 0 ? l.realized_fdr : std::nan(""));
            p05.push_back(l.frac_p05);
            p01.push_back(l.frac_p01);
            sign.push_back(l.sign_accuracy);
            secs.push_back(r.seconds);
          }
          if (auroc.empty()) continue;
          md << fmt::format("| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n", sbtg::ToString(f), m,
                            Cell(auroc), Cell(aurocp), Cell(auprc), Cell(sel, 0), Cell(fdr), Cell(p05), Cell(p01, 4),
                            Cell(sign), Cell(secs, 1));
        }
      }
      md << "\n";
    }
  }
  for (const auto& r : rows) {
    nlohmann::json lj = nlohmann::json::array();
    for (const auto& l : r.lags) {
      lj.push_back({{"lag", l.lag}, {"auroc_effect", l.auroc_effect}, {"auroc_logp", l.auroc_logp},
                    {"auprc_effect", l.auprc_effect}, {"selected", l.selected}, {"realized_fdr", l.realized_fdr},
                    {"frac_p05", l.frac_p05}, {"frac_p01", l.frac_p01}, {"sign_accuracy", l.sign_accuracy}});
    }
    raw.push_back({{"family", r.family}, {"method", r.method}, {"n", r.n}, {"seed", r.seed}, {"seconds", r.seconds},
                   {"lags", lj}});
  }
  std::cout << md.str();
  if (!out_md.empty()) std::ofstream(out_md) << md.str();
  if (!out_json.empty()) std::ofstream(out_json) << raw.dump(1) << "\n";
  return 0;
}

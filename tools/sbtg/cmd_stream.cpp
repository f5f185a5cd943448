// `sbtg stream`: the live engine on a replay, simulator or ZeroMQ source, publishing graphs over
// ZeroMQ (docs/streaming.md). `--demo` runs the live demo instead.
#include <fmt/core.h>

#include <memory>
#include <string>

#include "engine/estimator/checkpoint.hpp"
#include "sbtg/io.hpp"
#include "sbtg/stream.hpp"
#include "tools/sbtg/commands.hpp"
#include "tools/sbtg/live_demo.hpp"
#include "tools/sbtg/stream_sources.hpp"

namespace sbtg::cli {

namespace {

struct StreamArgs {
  std::string source;
  EngineOptions engine;
  LiveRunOptions run;
  std::string overflow = "block";
  std::string standardize = "running";
  std::string model = "linear";
  std::string objective = "exact";
  std::string pvalue = "hac_null";
  std::string fdr = "bh";
  std::string correction = "diagonal";
  bool no_train = false;
  std::string checkpoint;
  std::vector<std::string> warm_start;
  int warm_epochs = 20;
  bool demo = false;
  bool demo_window_given = false;  // --window / --model on the command line (the demo has its own
  bool demo_model_given = false;   // defaults: 4000 windows, gaussian)
};

// Options that need parsing or a file, applied once after CLI11 has filled the plain fields.
Status Resolve(StreamArgs& a) {
  EngineOptions& e = a.engine;
  auto overflow = ParseOverflowPolicy(a.overflow);
  if (!overflow.ok()) return overflow.status().WithContext("--overflow");
  e.queue.policy = *overflow;
  auto standardize = ParseStandardizeMode(a.standardize);
  if (!standardize.ok()) return standardize.status().WithContext("--standardize");
  e.preprocess.standardize = *standardize;
  auto model = ParseScoreModelKind(a.model);
  if (!model.ok()) return model.status().WithContext("--model");
  e.trainer.model.kind = *model;
  auto objective = ParseObjective(a.objective);
  if (!objective.ok()) return objective.status().WithContext("--objective");
  e.trainer.train.objective = *objective;
  auto pvalue = ParsePValueMode(a.pvalue);
  if (!pvalue.ok()) return pvalue.status().WithContext("--pvalue");
  e.estimator.pvalue = *pvalue;
  auto fdr = ParseFdrMethod(a.fdr);
  if (!fdr.ok()) return fdr.status().WithContext("--fdr");
  e.estimator.fdr = *fdr;
  auto correction = ParseCorrection(a.correction);
  if (!correction.ok()) return correction.status().WithContext("--correction");
  e.estimator.correction = *correction;
  e.trainer.enabled = !a.no_train;
  return Status::Ok();
}

// Warm start from a checkpoint or an offline recording; fixes the standardization when one comes with it.
Status WarmStart(StreamArgs& a) {
  EngineOptions& e = a.engine;
  if (!a.checkpoint.empty() && !a.warm_start.empty()) {
    return Status::InvalidArgument("--checkpoint and --warm-start are alternatives; give one");
  }
  if (!a.checkpoint.empty()) {
    auto c = est::LoadCheckpoint(a.checkpoint);
    if (!c.ok()) return c.status();
    e.trainer.model = c->model->options();
    if (c->mean.size() > 0 && a.standardize == "running") {
      e.preprocess.standardize = StandardizeMode::kFixed;
      e.preprocess.fixed_mean = c->mean;
      e.preprocess.fixed_scale = c->scale;
    }
    e.initial_model = std::shared_ptr<const est::ScoreModel>(std::move(c->model));
  }
  if (!a.warm_start.empty()) {
    const std::vector<std::filesystem::path> files(a.warm_start.begin(), a.warm_start.end());
    auto rec = ReadRecording(files);
    if (!rec.ok()) return rec.status();
    Eigen::VectorXd mean, scale;
    auto m = WarmStartModel(*rec, e, a.warm_epochs, &mean, &scale);
    if (!m.ok()) return m.status();
    e.initial_model = *m;
    if (a.standardize == "running") {
      e.preprocess.standardize = StandardizeMode::kFixed;
      e.preprocess.fixed_mean = mean;
      e.preprocess.fixed_scale = scale;
    }
  }
  return Status::Ok();
}

int RunStream(StreamArgs a) {
  if (a.demo) {
    // The options --demo accepts (every other one is refused when the command line is parsed).
    LiveDemoOptions d;
    d.publish = a.engine.publish.endpoint;
    if (a.demo_window_given) d.window = a.engine.estimator.window;
    if (a.demo_model_given) d.model = a.model;
    return RunLiveDemo(d, stdout);
  }
  if (a.source.empty()) return ReportError("stream", Status::InvalidArgument("--source is required (or --demo)"));
  if (Status s = Resolve(a); !s.ok()) return ReportError("stream", s);
  if (Status s = WarmStart(a); !s.ok()) return ReportError("stream", s);
  auto source = MakeSource(a.source);
  if (!source.ok()) return ReportError("stream", source.status());
  auto engine = Engine::Create(a.engine, std::move(*source));
  if (!engine.ok()) return ReportError("stream", engine.status());
  return RunEngine(**engine, a.run, stdout);
}

void AddEngineOptions(CLI::App* sub, StreamArgs& a) {
  EngineOptions& e = a.engine;
  sub->add_option("--queue", e.queue.capacity, "frames the ingest queue holds (default 1024)");
  sub->add_option("--overflow", a.overflow, "full queue: block | drop_oldest | drop_newest (default block)");
  sub->add_option("--max-batch", e.max_batch, "frames per pipeline micro-batch under load (default 32)");
  sub->add_option("--standardize", a.standardize, "running | exponential | fixed | none (default running)");
  sub->add_option("--halflife", e.preprocess.halflife_frames, "exponential standardization half-life, frames");
  sub->add_option("--warmup", e.preprocess.warmup_frames, "frames feeding the statistics before windows form (50)");
  sub->add_option("--smoothing", e.preprocess.smoothing, "causal EMA weight of the previous value, [0, 1) (0 = off)");
  sub->add_option("--max-time-gap", e.preprocess.max_time_gap,
                  "seconds between timestamps that break windows (0 = 1.5 frame periods, <0 = never)");
  sub->add_option("--lags", e.estimator.lags, "P: windows of P+1 frames, graphs for lags 1..P (default 1)");
  sub->add_option("--window", e.estimator.window, "N: windows in the sliding estimator (default 1000)");
  sub->add_option("--max-hac-lag", e.estimator.max_hac_lag, "HAC autocovariance lags kept; bandwidth cap - 1 (16)");
  sub->add_option("--bandwidth", e.estimator.bandwidth, "Bartlett bandwidth in windows (-1 = Andrews plug-in)");
  sub->add_option("--pvalue", a.pvalue, "hac | hac_null (default hac_null)");
  sub->add_option("--fdr", a.fdr, "bh | by (default bh)");
  sub->add_option("--alpha", e.estimator.alpha, "FDR level for selected edges (default 0.1)");
  sub->add_option("--correction", a.correction, "precision correction: diagonal (full is offline-only)");
}

void AddTrainerOptions(CLI::App* sub, StreamArgs& a) {
  StreamTrainerOptions& t = a.engine.trainer;
  sub->add_option("--model", a.model, "gaussian | linear | feature_bilinear | regime_gated (default linear)");
  sub->add_option("--hidden", t.model.hidden, "MLP width (default 64)");
  sub->add_option("--ridge", t.model.ridge, "Gaussian closed-form ridge (default 1e-3)");
  sub->add_option("--objective", a.objective, "exact | dsm (default exact)");
  sub->add_option("--sigma", t.train.sigma, "DSM noise level, standardized units (default 0.1)");
  sub->add_option("--batch", t.train.batch, "windows per Adam step (default 128)");
  sub->add_option("--lr", t.train.learning_rate, "Adam learning rate (default 1e-3)");
  sub->add_option("--l1", t.train.l1, "L1 penalty on the couplings (default 0)");
  sub->add_flag("--freeze-quadratic", t.train.freeze_quadratic,
                "train only the nonlinear parts; keep the closed-form Gaussian part fixed");
  sub->add_option("--seed", t.train.seed, "trainer seed (default 1)");
  sub->add_option("--reservoir", t.reservoir, "recent windows the trainer samples from (default 4096)");
  sub->add_option("--init-windows", t.init_windows, "windows before the Gaussian start (-1 = max(200, 2 dim))");
  sub->add_option("--publish-every-steps", t.publish_every_steps, "Adam steps between model snapshots (20)");
  sub->add_option("--refit-every", t.refit_every_windows, "gaussian model: new windows between refits (250)");
  sub->add_option("--purge", t.purge, "frames a window waits before training (-1 = lags + 20)");
  sub->add_option("--max-steps-per-second", t.max_steps_per_second, "throttle the trainer (0 = unlimited)");
  sub->add_flag("--no-train", a.no_train, "freeze the initial model (needs --checkpoint or --warm-start)");
  sub->add_option("--checkpoint", a.checkpoint, "warm start from a checkpoint (and its standardization)");
  sub->add_option("--warm-start", a.warm_start, "warm start from an offline fit on these recording files");
  sub->add_option("--warm-epochs", a.warm_epochs, "epochs of offline training for --warm-start (default 20)");
}

void AddRunOptions(CLI::App* sub, StreamArgs& a) {
  PublishOptions& p = a.engine.publish;
  sub->add_option("--publish", p.endpoint, "ZeroMQ endpoint to publish on, e.g. tcp://127.0.0.1:5560");
  sub->add_flag("--allow-remote", p.allow_remote, "allow binding --publish beyond loopback");
  sub->add_option("--snapshot-every", p.every_frames, "graph snapshot every K frames (0 = by time only)");
  sub->add_option("--snapshot-interval", p.interval, "seconds between graph snapshots (default 1)");
  sub->add_option("--heartbeat", p.heartbeat, "seconds between stats messages (default 1)");
  sub->add_option("--max-edges", p.max_edges, "edges per lag on the edges topic (default 200)");
  sub->add_option("--duration", a.run.duration, "stop after this many seconds (0 = when the source ends)");
  sub->add_option("--status-interval", a.run.status_interval, "seconds between status lines (0 = quiet)");
  sub->add_flag("--stay", a.run.stay, "keep serving after the source ended (until --duration or a signal)");
  sub->add_option("--save-checkpoint", a.run.save_checkpoint, "write the final model to this file");
  sub->add_option("--stats-json", a.run.stats_json, "write the final stats as JSON to this file");
}

}  // namespace

void RegisterStream(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<StreamArgs>();
  auto* sub = app.add_subcommand("stream", "Run the live engine: learn and publish graphs as frames arrive");
  sub->add_option("--source", args->source,
                  "replay:FILE[,FILE…][?speed=K|fast…] | sim:FAMILY[?n=…&rate=…] | zmq:ENDPOINT?n=N[&mode=pull|sub…]");
  auto* demo = sub->add_flag("--demo", args->demo,
                             "run the live demo (simulated network, rolling AUROC) instead; takes only "
                             "--window, --model and --publish");
  AddEngineOptions(sub, *args);
  AddTrainerOptions(sub, *args);
  AddRunOptions(sub, *args);
  // An option the demo would not use is an error with --demo, never silently ignored.
  for (CLI::Option* opt : sub->get_options()) {
    const std::string name = opt->get_name();
    if (opt == demo || name == "--help" || name == "--window" || name == "--model" || name == "--publish") continue;
    demo->excludes(opt);
  }
  sub->callback([args, sub, &exit_code] {
    args->demo_window_given = sub->count("--window") > 0;
    args->demo_model_given = sub->count("--model") > 0;
    exit_code = RunStream(*args);
  });
}

}  // namespace sbtg::cli

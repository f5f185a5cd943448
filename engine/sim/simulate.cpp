// Simulate(): validates the options, builds the family's process, runs every segment and collects
// the recording, the latent variables, the truth and the metadata.
#include <algorithm>
#include <string>

#include "engine/sim/process.hpp"

namespace sbtg {

namespace {

Result<sim::Model> BuildModel(const SimOptions& o, sim::Rng& graph_rng) {
  switch (o.family) {
    case SimFamily::kVar:
      return sim::BuildVar(o, graph_rng);
    case SimFamily::kTanh:
      return sim::BuildTanh(o, graph_rng);
    case SimFamily::kTanhLag2:
      return sim::BuildTanhLag2(o, graph_rng);
    case SimFamily::kGated:
      return sim::BuildGated(o, graph_rng);
    case SimFamily::kPoisson:
      return sim::BuildPoisson(o, graph_rng);
    case SimFamily::kHawkes:
      return sim::BuildHawkes(o, graph_rng);
    case SimFamily::kCalcium:
      return sim::BuildCalcium(o, graph_rng);
    case SimFamily::kNull:
      return sim::BuildNull(o, graph_rng);
    case SimFamily::kConnectome:
      return sim::BuildConnectome(o, graph_rng);
  }
  return Status::InvalidArgument("SimOptions.family: unknown value");
}

// Runs one segment: burn-in (discarded), then `frames` recorded frames. Observations are gathered
// column-wise (one column per frame, contiguous) and transposed once at the end.
void RunSegment(const SimOptions& o, sim::Process& process, int k, Segment& data, Segment& latent,
                Eigen::Index n, Eigen::Index latent_dim, double period) {
  sim::Rng rng = sim::MakeRng(o.seed, sim::kSegmentStreamBase + static_cast<std::uint64_t>(k));
  process.Reset(rng);
  for (Eigen::Index t = 0; t < o.burn_in; ++t) process.Step(rng, /*record=*/false);
  Eigen::MatrixXd x(n, o.frames);
  Eigen::MatrixXd z(latent_dim, o.frames);
  for (Eigen::Index t = 0; t < o.frames; ++t) {
    process.Step(rng, /*record=*/true);
    process.Observe(x.col(t));
    if (latent_dim > 0) process.Latent(z.col(t));
  }
  data.label = latent.label = "seg" + std::to_string(k);
  data.x = x.transpose();
  data.time.resize(static_cast<size_t>(o.frames));
  for (Eigen::Index t = 0; t < o.frames; ++t)
    data.time[static_cast<size_t>(t)] = static_cast<double>(t) * period;
  if (latent_dim > 0) {
    latent.x = z.transpose();
    latent.time = data.time;
  }
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 == 1 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// Health of the activity: per-neuron standard deviation (pooled within segments) and lag-1
// autocorrelation, so a network that died to a fixed point or blew up shows in meta.
nlohmann::json ActivityStats(const Recording& rec) {
  const Eigen::Index n = rec.n();
  Eigen::ArrayXd sum_sq = Eigen::ArrayXd::Zero(n);
  Eigen::ArrayXd lag1 = Eigen::ArrayXd::Zero(n);
  double count = 0.0;
  for (const Segment& s : rec.segments) {
    const Eigen::MatrixXd c = s.x.rowwise() - s.x.colwise().mean();
    const Eigen::Index t = c.rows();
    sum_sq += c.array().square().colwise().sum().transpose();
    lag1 += (c.topRows(t - 1).array() * c.bottomRows(t - 1).array()).colwise().sum().transpose();
    count += static_cast<double>(t);
  }
  const Eigen::ArrayXd sd = (sum_sq / count).sqrt();
  const Eigen::ArrayXd ac = (sum_sq > 0.0).select(lag1 / sum_sq, 0.0);
  const std::vector<double> sd_v(sd.data(), sd.data() + n);
  const std::vector<double> ac_v(ac.data(), ac.data() + n);
  double abs_max = 0.0;
  for (const Segment& s : rec.segments) abs_max = std::max(abs_max, s.x.cwiseAbs().maxCoeff());
  return {{"sd_min", sd.minCoeff()},
          {"sd_median", Median(sd_v)},
          {"sd_max", sd.maxCoeff()},
          {"lag1_autocorrelation_median", Median(ac_v)},
          {"abs_max", abs_max}};
}

}  // namespace

Result<Simulation> Simulate(const SimOptions& options) {
  SBTG_RETURN_IF_ERROR(options.Validate());
  sim::Rng graph_rng = sim::MakeRng(options.seed, sim::kGraphStream);
  Result<sim::Model> built = BuildModel(options, graph_rng);
  if (!built.ok()) return built.status();
  sim::Model& model = built.value();

  Simulation out;
  out.recording.names = model.names;
  out.recording.frame_period = model.output_period;
  const Eigen::Index n = out.recording.n();
  const Eigen::Index latent_dim = model.process->latent_dim();
  if (latent_dim > 0) {
    out.latent.names = model.latent_names;
    out.latent.frame_period = model.output_period;
  }
  for (int k = 0; k < options.segments; ++k) {
    Segment data;
    Segment latent;
    RunSegment(options, *model.process, k, data, latent, n, latent_dim, model.output_period);
    out.recording.segments.push_back(std::move(data));
    if (latent_dim > 0) out.latent.segments.push_back(std::move(latent));
  }
  out.truth = std::move(model.truth);
  out.meta = std::move(model.meta);
  model.process->Finish(out.meta, out.truth);

  out.meta["family"] = ToString(options.family);
  out.meta["options"] = sim::OptionsToJson(options);
  out.meta["n"] = n;
  out.meta["frames"] = options.frames;
  out.meta["segments"] = options.segments;
  out.meta["frame_period"] = model.output_period;
  out.meta["truth_lags"] = out.truth.size();
  nlohmann::json edges = nlohmann::json::array();
  for (size_t r = 0; r < out.truth.size(); ++r) {
    nlohmann::json counts = sim::EdgeCounts(out.truth[r]);
    counts["lag"] = r + 1;
    edges.push_back(std::move(counts));
  }
  out.meta["edges"] = std::move(edges);
  out.meta["activity"] = ActivityStats(out.recording);
  if (!out.recording.Validate().ok()) {
    return Status::Internal("simulation produced an invalid recording (" +
                            out.recording.Validate().message() +
                            "); options: " + out.meta["options"].dump());
  }
  return out;
}

}  // namespace sbtg

// `sbtg simulate`: runs the simulator and writes a recording plus its ground truth.
//
// DIR/data.csv (a segment column when there is more than one segment) or DIR/data_seg{k}.npy, the
// truth via WriteTruth (truth_lag{r}.npy [target, source] + names.txt), DIR/meta.json (family,
// every option, realised facts), and the hidden variables when the family has any (latent.csv or
// latent_seg{k}.npy). Every SimOptions field has a flag; docs/simulator.md describes the families.
#include <fmt/core.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "sbtg/io.hpp"
#include "sbtg/simulate.hpp"
#include "tools/sbtg/commands.hpp"

namespace sbtg::cli {

namespace {

struct SimulateArgs {
  SimOptions options;
  std::string family = std::string(ToString(SimOptions{}.family));
  std::vector<std::string> var_coefficient_files;
  std::string out;
  std::string format = "csv";
};

Status WriteText(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError(file.string() + ": cannot open for writing");
  out << text;
  out.close();
  if (!out) return Status::IoError(file.string() + ": write failed");
  return Status::Ok();
}

// A recording as one CSV (`stem`.csv) or one NPY per segment (`stem`_seg{k}.npy); returns the
// names.
Result<std::vector<std::string>> WriteFrames(const std::filesystem::path& dir,
                                             const std::string& stem, const Recording& rec,
                                             const std::string& format) {
  std::vector<std::string> files;
  if (format == "csv") {
    files.push_back(stem + ".csv");
    SBTG_RETURN_IF_ERROR(WriteCsvRecording(dir / files.back(), rec));
    return files;
  }
  for (size_t k = 0; k < rec.segments.size(); ++k) {
    files.push_back(stem + "_seg" + std::to_string(k) + ".npy");
    SBTG_RETURN_IF_ERROR(WriteNpy(dir / files.back(), rec.segments[k].x));
  }
  return files;
}

Status ReadVarCoefficients(SimulateArgs& a) {
  for (const std::string& file : a.var_coefficient_files) {
    auto m = ReadNpyMatrix(file);
    if (!m.ok()) return m.status().WithContext("--var-coefficients");
    a.options.var_coefficients.push_back(std::move(m.value()));
  }
  if (!a.var_coefficient_files.empty()) {
    a.options.order = static_cast<int>(a.var_coefficient_files.size());
    a.options.n = a.options.var_coefficients.front().rows();
  }
  return Status::Ok();
}

Status WriteSimulation(const Simulation& sim, SimulateArgs& a) {
  const std::filesystem::path dir(a.out);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Status::IoError(a.out + ": cannot create the output directory: " + ec.message());
  auto data = WriteFrames(dir, "data", sim.recording, a.format);
  if (!data.ok()) return data.status();
  SBTG_RETURN_IF_ERROR(WriteTruth(dir, sim.truth, sim.recording.names));
  nlohmann::json meta = sim.meta;
  meta["files"] = {
      {"data", *data}, {"format", a.format}, {"truth", "truth_lag{r}.npy + names.txt"}};
  if (!sim.latent.segments.empty()) {
    auto latent = WriteFrames(dir, "latent", sim.latent, a.format);
    if (!latent.ok()) return latent.status();
    meta["files"]["latent"] = *latent;
    meta["files"]["latent_columns"] = sim.latent.names;
  }
  return WriteText(dir / "meta.json", meta.dump(2) + "\n");
}

std::string EdgeSummary(const nlohmann::json& edges) {
  std::string text;
  for (const auto& e : edges) {
    text += fmt::format("{}lag {}: {} edges ({} excitatory, {} inhibitory)",
                        text.empty() ? "" : "; ", e["lag"].get<int>(), e["total"].get<long>(),
                        e["excitatory"].get<long>(), e["inhibitory"].get<long>());
  }
  return text;
}

void PrintSummary(const Simulation& sim, const SimulateArgs& a) {
  const nlohmann::json& m = sim.meta;
  std::string facts;
  if (m.contains("saturation_share_gt1")) {
    facts = fmt::format(" Saturation: {:.0f}% of tanh inputs beyond |1|, {:.0f}% beyond |2|.",
                        100.0 * m["saturation_share_gt1"].get<double>(),
                        100.0 * m["saturation_share_gt2"].get<double>());
  } else if (m.contains("saturation_share")) {
    facts = fmt::format(" Indicator saturation: {:.0f}% of frames past half saturation.",
                        100.0 * m["saturation_share"].get<double>());
  }
  if (m.contains("state_occupancy")) {
    facts += fmt::format(" Latent state occupancy {:.2f}/{:.2f}, {} switches.",
                         m["state_occupancy"][0].get<double>(),
                         m["state_occupancy"][1].get<double>(), m["state_switches"].get<long>());
  }
  fmt::print(
      "sbtg simulate: family {}, {} neurons, {} frames x {} segment(s), frame period {} s, seed "
      "{}. "
      "Truth [target, source]: {}.{} Wrote {} ({}).\n",
      m["family"].get<std::string>(), sim.recording.n(), a.options.frames, a.options.segments,
      sim.recording.frame_period, a.options.seed, EdgeSummary(m["edges"]), facts, a.out, a.format);
}

Status RunSimulate(SimulateArgs a) {
  auto family = ParseSimFamily(a.family);
  if (!family.ok()) return family.status().WithContext("--family");
  a.options.family = *family;
  SBTG_RETURN_IF_ERROR(ReadVarCoefficients(a));
  auto sim = Simulate(a.options);
  if (!sim.ok()) return sim.status();
  SBTG_RETURN_IF_ERROR(WriteSimulation(*sim, a));
  PrintSummary(*sim, a);
  return Status::Ok();
}

void AddNetworkOptions(CLI::App* sub, SimOptions& o) {
  sub->add_option("--n", o.n, "neurons (connectome: taken from the file)")->capture_default_str();
  sub->add_option("--frames", o.frames, "output frames per segment")->capture_default_str();
  sub->add_option("--segments", o.segments, "independent trials, each with its own burn-in")
      ->capture_default_str();
  sub->add_option("--burn-in", o.burn_in, "frames simulated and discarded before each segment")
      ->capture_default_str();
  sub->add_option("--seed", o.seed, "random seed (same seed, same output)")->capture_default_str();
  sub->add_option("--density", o.density,
                  "share of off-diagonal pairs with an edge, per lag, in (0, 1]")
      ->capture_default_str();
  sub->add_option("--excitatory-fraction", o.excitatory_fraction,
                  "share of positive edges, in [0, 1]")
      ->capture_default_str();
  sub->add_option("--noise", o.noise,
                  "innovation scale: sd for var/null/poisson, 0.2*noise for tanh families")
      ->capture_default_str();
  sub->add_option("--frame-period", o.frame_period, "seconds per simulation step")
      ->capture_default_str();
  sub->add_option("--spectral-radius", o.spectral_radius,
                  "var/poisson: companion; tanh: W; hawkes/calcium: max(W, 0)")
      ->capture_default_str();
  sub->add_option("--order", o.order, "var: VAR order P")->capture_default_str();
  sub->add_option("--gain", o.gain, "tanh families: g")->capture_default_str();
  sub->add_option("--leak", o.leak, "tanh families: lambda, in (0, 1]")->capture_default_str();
  sub->add_option("--ar-coefficient", o.ar_coefficient, "null: AR(1) phi, in (-1, 1)")
      ->capture_default_str();
  sub->add_option("--gate-dwell", o.gate_dwell, "gated: mean frames per latent state")
      ->capture_default_str();
}

void AddObservationOptions(CLI::App* sub, SimulateArgs& a) {
  SimOptions& o = a.options;
  sub->add_option("--baseline-rate", o.baseline_rate,
                  "poisson/hawkes: counts per frame at baseline")
      ->capture_default_str();
  sub->add_option("--count-gain", o.count_gain, "poisson: sd of the latent log-rate modulation")
      ->capture_default_str();
  sub->add_option("--calcium-baseline-rate", o.calcium_baseline_rate,
                  "calcium: spikes per step at baseline")
      ->capture_default_str();
  sub->add_option("--calcium-rise", o.calcium_rise, "calcium: indicator rise time, seconds")
      ->capture_default_str();
  sub->add_option("--calcium-decay", o.calcium_decay, "calcium: indicator decay time, seconds")
      ->capture_default_str();
  sub->add_option("--calcium-saturation", o.calcium_saturation, "calcium: K in F = c/(c+K)")
      ->capture_default_str();
  sub->add_option("--fluorescence-noise", o.fluorescence_noise,
                  "calcium: sd of additive noise on F")
      ->capture_default_str();
  sub->add_option("--downsample", o.downsample, "calcium: keep every k-th step")
      ->capture_default_str();
  sub->add_option("--connectome", o.connectome_path, "connectome: matrix CSV (Cook et al. layout)");
  sub->add_option(
         "--connectome-rows-are-sources", o.connectome_rows_are_sources,
         "connectome: rows = presynaptic (true for Cook et al.); false = file is [target, source]")
      ->capture_default_str();
  sub->add_option("--connectome-max-neurons", o.connectome_max_neurons,
                  "connectome: keep the most connected neurons (0 = all)")
      ->capture_default_str();
  sub->add_option(
      "--connectome-cell-types", o.connectome_cell_types_path,
      "connectome: NemaNode cell table; GABA -> inhibitory, acetylcholine -> excitatory");
  sub->add_option("--var-coefficients", a.var_coefficient_files,
                  "var: explicit A_1..A_P as .npy files [target, source] (sets --order and --n)");
}

}  // namespace

void RegisterSimulate(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<SimulateArgs>();
  auto* sub =
      app.add_subcommand("simulate", "Simulate a recording with known directed ground truth");
  sub->add_option("--family", args->family,
                  "var | tanh | tanh_lag2 | gated | poisson | hawkes | calcium | null | connectome")
      ->capture_default_str();
  sub->add_option("--out", args->out, "output directory")->required();
  sub->add_option("--format", args->format, "recording format")
      ->check(CLI::IsMember({"csv", "npy"}))
      ->capture_default_str();
  AddNetworkOptions(sub, args->options);
  AddObservationOptions(sub, *args);
  sub->callback([args, &exit_code] {
    const Status status = RunSimulate(*args);
    exit_code = status.ok() ? 0 : ReportError("simulate", status);
  });
}

}  // namespace sbtg::cli

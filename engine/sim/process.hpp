// Internal pieces of the simulator: the Process interface every family implements, the family
// builders, random-graph helpers and random draws. Not part of the public API (see
// include/sbtg/simulate.hpp). A Process is single-threaded state; each Simulate() call owns its
// own.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "sbtg/simulate.hpp"
#include "sbtg/status.hpp"

namespace sbtg::sim {

using Rng = std::mt19937_64;
using SparseRM = Eigen::SparseMatrix<double, Eigen::RowMajor>;

// Independent streams per purpose (graph, segment k) so that e.g. adding a segment or changing the
// frame count leaves the graph and the earlier segments unchanged. SplitMix64 decorrelates the
// seeds.
Rng MakeRng(std::uint64_t seed, std::uint64_t stream);
inline constexpr std::uint64_t kGraphStream = 1;
inline constexpr std::uint64_t kSegmentStreamBase = 1000;

double Uniform(Rng& rng, double lo, double hi);
bool Bernoulli(Rng& rng, double p);
void FillNormal(Rng& rng, Eigen::Ref<Eigen::VectorXd> out, double sd);
// Poisson draw; means are capped at kMaxCountMean (a runaway rate would overflow the count type).
double SamplePoisson(Rng& rng, double mean);
inline constexpr double kMaxCountMean = 1e4;
double Softplus(double u);

// One simulated system. Step() advances one output frame; statistics only count frames with
// record = true (burn-in frames are simulated and discarded).
class Process {
 public:
  virtual ~Process() = default;
  [[nodiscard]] virtual Eigen::Index latent_dim() const { return 0; }
  virtual void Reset(Rng& rng) = 0;  // fresh initial state for a new segment
  virtual void Step(Rng& rng, bool record) = 0;
  virtual void Observe(Eigen::Ref<Eigen::VectorXd> y) const = 0;
  virtual void Latent(Eigen::Ref<Eigen::VectorXd> /*z*/) const {}
  // After all segments: adds run statistics to `meta` and may finalise the truth (gated networks
  // weight their per-state couplings by the realised occupancy).
  virtual void Finish(nlohmann::json& meta, std::vector<Eigen::MatrixXd>& truth) const = 0;
};

// A family ready to run: the process, its truth (before Finish), names and known facts.
struct Model {
  std::unique_ptr<Process> process;
  std::vector<Eigen::MatrixXd> truth;
  std::vector<std::string> names;
  std::vector<std::string> latent_names;
  double output_period = 0.0;  // seconds per output frame
  nlohmann::json meta = nlohmann::json::object();
};

Result<Model> BuildVar(const SimOptions& o, Rng& graph_rng);
Result<Model> BuildNull(const SimOptions& o, Rng& graph_rng);
Result<Model> BuildPoisson(const SimOptions& o, Rng& graph_rng);
Result<Model> BuildTanh(const SimOptions& o, Rng& graph_rng);
Result<Model> BuildTanhLag2(const SimOptions& o, Rng& graph_rng);
Result<Model> BuildGated(const SimOptions& o, Rng& graph_rng);
Result<Model> BuildConnectome(const SimOptions& o, Rng& graph_rng);
Result<Model> BuildHawkes(const SimOptions& o, Rng& graph_rng);
Result<Model> BuildCalcium(const SimOptions& o, Rng& graph_rng);

// --- Random graphs (all [target, source]) ---

// Off-diagonal pairs carry an edge with probability `density`, positive with probability
// `excitatory_fraction`, magnitude uniform in [0.5, 1]. Pairs where `exclude` is nonzero stay
// empty.
Eigen::MatrixXd RandomCoupling(Eigen::Index n, double density, double excitatory_fraction, Rng& rng,
                               const Eigen::MatrixXd* exclude = nullptr);
// Eigenvalues exactly (dense QR) up to this size; above it only the radius, by power iteration
// (relative error < 3e-4, measured): a 300 × 300 dense eigensolve costs ~0.1 s of CPU, the power
// estimate ~0.01 s.
inline constexpr Eigen::Index kExactSpectrumMaxDim = 200;
struct Spectrum {
  double radius = 0.0;
  Eigen::VectorXcd eigenvalues;  // empty when the radius was estimated by power iteration
};
Spectrum ComputeSpectrum(const Eigen::MatrixXd& m);
double SpectralRadius(const Eigen::MatrixXd& m);
// Radius of the VAR(P) companion matrix of a[0..P-1].
double CompanionSpectralRadius(const std::vector<Eigen::MatrixXd>& a);
// Factor that brings `m` (whose spectral radius is `radius`) to `target`. An acyclic graph has
// radius 0; then the circular-law estimate sqrt(‖m‖_F² / n) stands in and `fallback` is set.
double RadiusScale(const Eigen::MatrixXd& m, double radius, double target, bool* fallback);
SparseRM ToSparse(const Eigen::MatrixXd& m);

// {"total", "excitatory", "inhibitory"} off-diagonal nonzeros of a [target, source] matrix.
nlohmann::json EdgeCounts(const Eigen::MatrixXd& m);
// Sparse edge list [[target, source, value], ...] for meta (n × n dense matrices would bloat it).
nlohmann::json EdgeList(const Eigen::MatrixXd& m);

// --- Rate networks (shared by tanh, tanh_lag2, gated, connectome) ---

struct RateNetworkSpec {
  std::vector<Eigen::MatrixXd> w1;  // lag-1 coupling per latent state (one entry when not gated)
  Eigen::MatrixXd w2;               // lag-2 coupling; empty = none
  Eigen::VectorXd bias;
  double gain = 1.0;
  double leak = 0.5;
  double innovation_sd = 0.1;
  double switch_probability = 0.0;  // per frame, gated networks only
};
// Builds the process and the truth: lag 1 = (1−λ)I + λ·g·W1 (W1 averaged over the latent states by
// realised occupancy at Finish), lag 2 = λ·g·W2.
Model MakeRateNetwork(RateNetworkSpec spec, nlohmann::json meta);
// Gain, leak, innovation sd and a random bias from the options (w1/w2 left to the caller).
RateNetworkSpec BaseRateSpec(const SimOptions& o, Eigen::Index n, Rng& rng);
// Realised radii of s·W, g·s·W and of the origin Jacobian (1−λ)I + λ·g·s·W into meta, from the
// spectrum of the unscaled W (the Jacobian's radius from W's eigenvalues when known, else by power
// iteration).
void AddRateRadiusMeta(const Spectrum& spectrum, const Eigen::MatrixXd& w, double scale, double gain,
                       double leak, nlohmann::json& meta);

// Innovation sd of the tanh families is kTanhNoiseScale · noise (see SimOptions::noise).
inline constexpr double kTanhNoiseScale = 0.2;
// Standard deviation of the tanh networks' random bias b.
inline constexpr double kTanhBiasSd = 0.1;

// Options as JSON (every field), for meta.
nlohmann::json OptionsToJson(const SimOptions& o);

}  // namespace sbtg::sim

// Simulator: seeded synthetic recordings with known directed ground truth.
//
// Every family writes its truth as one n × n matrix per lag, indexed [target, source] (truth[r-1](j, i)
// is the signed direct effect of neuron i at lag r on neuron j; 0 = no edge). The truth is the
// generating coupling (VAR coefficient, network weight), not an estimate. Simulate() is a pure function
// of its options: the same options (seed included) give bit-identical output on the same build.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sbtg/recording.hpp"
#include "sbtg/status.hpp"

namespace sbtg {

enum class SimFamily {
  kVar,         // VAR(P), sparse signed lag matrices scaled to a spectral radius
  kTanh,        // x_{t+1} = (1−λ)x_t + λ·tanh(g·W x_t + b) + noise
  kTanhLag2,    // the same with a second, lag-2 coupling matrix
  kGated,       // couplings switch on/off/sign with a slow latent state
  kPoisson,     // counts from a latent linear/nonlinear network
  kHawkes,      // self-exciting counts driven by past counts
  kCalcium,     // spiking network seen through a calcium indicator model
  kNull,        // independent AR(1) neurons, no edges
  kConnectome,  // tanh network wired by a real connectome file
};

Result<SimFamily> ParseSimFamily(std::string_view name);  // "var", "tanh", "tanh_lag2", "gated", ...
std::string_view ToString(SimFamily family);
std::vector<SimFamily> AllSimFamilies();  // every family that needs no external file

struct SimOptions {
  SimFamily family = SimFamily::kVar;
  Eigen::Index n = 50;            // neurons
  Eigen::Index frames = 2000;     // frames per segment (T)
  int segments = 1;               // independent trials
  double density = 0.05;          // fraction of off-diagonal pairs that carry an edge (per lag)
  double excitatory_fraction = 0.5;  // sign balance: share of edges with positive weight
  double noise = 1.0;             // innovation standard deviation (family-specific scale)
  double frame_period = 0.1;      // seconds per frame, written with the recording
  std::uint64_t seed = 1;
  int order = 1;                  // VAR order P (kVar only)
  double spectral_radius = 0.9;   // kVar: of the companion matrix; tanh families: of g·W
  double gain = 3.0;              // tanh families: g, high enough that neurons saturate
  double leak = 0.5;              // tanh families: λ
  double ar_coefficient = 0.95;   // kNull: φ of each independent AR(1)
  Eigen::Index burn_in = 500;     // frames simulated and discarded before each segment
  // kCalcium: indicator model
  double calcium_rise = 0.05;     // seconds
  double calcium_decay = 0.5;     // seconds
  double calcium_saturation = 2.0;  // half-saturation of the fluorescence nonlinearity
  double fluorescence_noise = 0.05;
  int downsample = 1;             // keep every k-th frame (frame period scales by k)
  // kConnectome: matrix file in the Cook et al. layout (first row = column names, first column = row names)
  std::string connectome_path;
  bool connectome_rows_are_sources = true;  // Cook et al.: row = presynaptic = source
  Eigen::Index connectome_max_neurons = 0;  // 0 = every neuron present on both axes

  Status Validate() const;  // names the offending field
};

struct Simulation {
  Recording recording;
  std::vector<Eigen::MatrixXd> truth;  // truth[r-1]: lag-r [target, source], signed
  nlohmann::json meta;                 // family, options, realised spectral radius, etc.
};

Result<Simulation> Simulate(const SimOptions& options);

}  // namespace sbtg

// Simulator: seeded synthetic recordings with known directed ground truth.
//
// Every family writes its truth as one n × n matrix per lag, indexed [target, source]
// (truth[r-1](j, i) is the signed direct effect of neuron i at lag r on neuron j; 0 = no edge). The
// truth is the generating coupling in the units of the model's linearisation (VAR coefficient,
// λ·g·W for the tanh networks = their Jacobian at the origin, W for the count models), not an
// estimate. Diagonal entries are self-terms (evaluation ignores them). Simulate() is a pure
// function of its options: the same options (seed included) give bit-identical output on the same
// build. The equations, parameters and truth definition of every family are in docs/simulator.md.
// Reentrant; no shared state.
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

Result<SimFamily> ParseSimFamily(
    std::string_view name);  // "var", "tanh", "tanh_lag2", "gated", ...
std::string_view ToString(SimFamily family);
std::vector<SimFamily> AllSimFamilies();  // every family that needs no external file

struct SimOptions {
  SimFamily family = SimFamily::kVar;
  Eigen::Index n = 50;               // neurons (kConnectome: taken from the file instead)
  Eigen::Index frames = 2000;        // output frames per segment (T)
  int segments = 1;                  // independent trials, each with its own burn-in
  double density = 0.05;             // fraction of off-diagonal pairs that carry an edge (per lag)
  double excitatory_fraction = 0.5;  // sign balance: share of edges with positive weight
  // Innovation scale, family-specific: the standard deviation itself for kVar, kNull and kPoisson's
  // latent VAR; 0.2·noise for the tanh families (their state lives in about [−1, 1]); unused by the
  // count families (their noise is the Poisson draw).
  double noise = 1.0;
  double frame_period = 0.1;  // seconds per simulation step (kCalcium output: × downsample)
  std::uint64_t seed = 1;
  int order = 1;  // VAR order P (kVar only)
  // kVar/kPoisson: of the companion matrix; tanh families: of W (so g·W has radius gain·this);
  // kHawkes/kCalcium: of the excitatory part max(W, 0), which bounds the linear branching ratio.
  double spectral_radius = 0.9;
  double gain = 3.0;             // tanh families: g, high enough that neurons saturate
  double leak = 0.5;             // tanh families: λ
  double ar_coefficient = 0.95;  // kNull: φ of each independent AR(1)
  Eigen::Index burn_in = 500;    // output frames simulated and discarded before each segment
  // kCalcium: indicator model
  double calcium_rise = 0.05;        // seconds
  double calcium_decay = 0.5;        // seconds
  double calcium_saturation = 2.0;   // half-saturation K of F = c/(c + K), c in peak-spike units
  double fluorescence_noise = 0.05;  // standard deviation of additive noise on F
  int downsample = 1;                // keep every k-th frame (frame period scales by k)
  // kConnectome: matrix file in the Cook et al. layout (first row = column names, first column =
  // row names)
  std::string connectome_path;
  bool connectome_rows_are_sources = true;  // Cook et al.: row = presynaptic = source
  Eigen::Index connectome_max_neurons = 0;  // 0 = every neuron present on both axes

  // --- Additions (all optional; defaults keep the behaviour above) ---
  // kVar: explicit lag matrices A_1..A_P ([target, source]), used as given (no rescaling; `order`
  // must equal their count and `n` their size). Empty = random sparse matrices.
  std::vector<Eigen::MatrixXd> var_coefficients;
  double gate_dwell = 200.0;   // kGated: mean frames spent in a latent state before switching
  double baseline_rate = 0.5;  // kPoisson/kHawkes: expected counts per frame at baseline
  // kCalcium: spikes per simulation step at baseline (0.2 at 0.1 s steps = 2 Hz; network excitation
  // adds to it). Lower than the count families' rate so single bursts stay visible under
  // saturation.
  double calcium_baseline_rate = 0.2;
  double count_gain = 1.0;  // kPoisson: standard deviation of the latent log-rate modulation
  // kConnectome: NemaNode cell table (name, …, neurotransmitter_codes, …). When set, GABAergic
  // sources are inhibitory and purely cholinergic ones excitatory; others keep a random sign.
  std::string connectome_cell_types_path;

  Status Validate() const;  // names the offending field
};

struct Simulation {
  Recording recording;
  std::vector<Eigen::MatrixXd> truth;  // truth[r-1]: lag-r [target, source], signed
  nlohmann::json meta;                 // family, options, realised spectral radius, etc.
  // Hidden variables aligned with the recording's frames (same segments); no segments when the
  // family has none. kGated: the latent state (0/1) that generated each frame; kPoisson: the latent
  // log-rate network z; kCalcium: spike counts per output frame.
  Recording latent;
};

Result<Simulation> Simulate(const SimOptions& options);

}  // namespace sbtg

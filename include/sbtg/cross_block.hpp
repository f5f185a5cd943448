// Cross-block product tests: the statistics shared by the offline estimator and the streaming engine.
//
// For aligned score blocks A (N × n, e.g. future-block scores s_f) and B (N × m, e.g. lag-r scores
// s_r), Y_t[j,i] = A[t,j]·B[t,i]. ProductMoments gives μ̂ = mean_t Y_t and the Newey–West (Bartlett)
// HAC variance of μ̂ for every pair at once, as matrix products: each autocovariance sum
// Σ_t Y_t Y_{t−ℓ} is (A ⊙ A⁽ℓ⁾)ᵀ(B ⊙ B⁽ℓ⁾) (DESIGN §2). Lagged pairs never straddle a run boundary
// (runs = contiguous stretches of windows, e.g. segments). Pure functions; thread-safe.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

namespace sbtg {

struct HacOptions {
  bool centred = true;     // subtract column means of A and B before forming products
  int bandwidth = -1;      // Bartlett bandwidth S (weights 1 − ℓ/S); −1 = Andrews AR(1) plug-in
  int max_bandwidth = -1;  // cap for the automatic choice; −1 = ⌈4·(N/100)^{2/9}⌉·4 (a generous cap)
};

struct ProductMoments {
  Eigen::MatrixXd mean;      // n × m, μ̂[j,i] = mean_t A[t,j] B[t,i]
  Eigen::MatrixXd variance;  // n × m, HAC variance of μ̂ (already divided by N)
  double bandwidth = 0;      // Bartlett bandwidth used
  Eigen::Index count = 0;    // N
  [[nodiscard]] Eigen::MatrixXd ZScores() const;  // μ̂ / √variance
};

// `run_starts`: first row of each run, ascending, starting with 0 (empty = one run).
ProductMoments ProductTest(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                           const std::vector<Eigen::Index>& run_starts, const HacOptions& options);

// Andrews (1991) AR(1) plug-in bandwidth for the Bartlett kernel, pooled over all pairs:
// S = 1.1447·(α̂·N)^{1/3} from per-pair lag-0/lag-1 autocovariances of the (centred) products.
double AndrewsBartlettBandwidth(const Eigen::MatrixXd& gamma0, const Eigen::MatrixXd& gamma1, Eigen::Index n);

// Standard deviation of μ̂ under circular shifts of B against A (within each run), over `shifts`
// random shifts of at least `min_shift` rows (seeded). Inputs as in ProductTest (centred by the caller).
Eigen::MatrixXd ShiftNullSd(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                            const std::vector<Eigen::Index>& run_starts, int shifts, int min_shift,
                            std::uint64_t seed);

}  // namespace sbtg

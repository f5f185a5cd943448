// SlidingEstimator: the per-lag μ̂ and Newey–West HAC sums of SBTG over the last N windows, kept
// incrementally (DESIGN §2, "Everything as matrix products").
//
// Each window contributes its score blocks [s_f; s_1; …; s_P] (one column of `scores`). For lag r,
// with A_t = s_f(t), B_t = s_r(t), the estimator keeps, over the windows in its ring,
//   S0 = Σ_t A_t B_tᵀ,   C_ℓ = Σ_{pairs (t, t−ℓ)} (A_t ⊙ A_{t−ℓ})(B_t ⊙ B_{t−ℓ})ᵀ,   ℓ = 0..L,
// where lagged pairs lie inside the ring and inside one run (a contiguous stretch of windows; a break
// starts a new run, so no pair ever straddles a gap). Adding the newest windows and evicting the
// oldest costs O(n²(L+2)) per window per lag; a batch of b windows is one rank-2b update per matrix.
// Products are uncentred (score means are ≈ 0 by Stein's identity): the offline twin of Compute() is
// ProductTest with centred = false on the ring's windows. Boundary terms (the first/last ℓ windows of
// each run) are formed from the ring at Compute() time.
//
// Floating-point drift from adding and subtracting is bounded by a rolling re-anchor: one matrix at a
// time is rebuilt in a shadow from windows that entered after a start point and swapped in once the
// ring holds only such windows, so every matrix is rebuilt exactly every (matrices × N) windows with no
// latency spike. Add() and Compute() do not allocate once constructed.
// Thread safety: single-threaded (the pipeline thread owns it).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "sbtg/estimator.hpp"

namespace sbtg::stream {

struct SlidingOptions {
  Eigen::Index n = 0;      // neurons
  int lags = 1;            // P: score blocks are [s_f; s_1; …; s_P]
  int capacity = 1000;     // N: windows kept (the sliding window)
  int max_lag = 16;        // L: HAC autocovariance lags kept; the Bartlett bandwidth is capped at L + 1
  int max_batch = 32;      // most windows per Add() call (sizes the gather buffers)
  bool full_correction = false;  // also keep Σ s_f s_fᵀ (Correction::kFull); else only its diagonal
  [[nodiscard]] Status Validate() const;
};

// Compute() output for one lag; matrices are [target, source].
struct LagMoments {
  int lag = 1;
  Eigen::MatrixXd mean;      // μ̂ = S0 / N (uncentred)
  Eigen::MatrixXd variance;  // HAC variance of μ̂ (divided by N)
  double bandwidth = 0;      // Bartlett bandwidth used
  bool bandwidth_capped = false;  // the automatic choice hit the cap
};

struct SlidingMoments {
  std::vector<LagMoments> lags;
  Eigen::MatrixXd sf_moment;  // mean s_f s_fᵀ (n × n) with full correction, else mean s_f² (n × 1)
  Eigen::Index count = 0;     // windows N
  Eigen::Index runs = 0;      // contiguous runs among them
  // Sizes every matrix once (so Compute() does not allocate).
  void Resize(Eigen::Index n, int lags, bool full_correction);
};

class SlidingEstimator {
 public:
  explicit SlidingEstimator(const SlidingOptions& options);  // throws SetupError on invalid options

  // Appends windows: `scores` is dim × k (k ≤ max_batch), one window per column; runs[c] is its run
  // id (equal ids = contiguous windows; ids never decrease). Evicts the oldest beyond capacity.
  void Add(const Eigen::Ref<const Eigen::MatrixXd>& scores, const std::uint64_t* runs);
  // μ̂, HAC variance and bandwidth per lag. bandwidth < 0: Andrews AR(1) plug-in capped at
  // min(ProductTest's default cap, L + 1); else used as given (must be ≤ L + 1).
  void Compute(double bandwidth, SlidingMoments& out);
  // Rebuilds every sum from the ring (tests; the rolling re-anchor does this gradually).
  void Recompute();
  void Clear();

  [[nodiscard]] Eigen::Index count() const { return count_; }
  [[nodiscard]] std::uint64_t added() const { return head_; }
  [[nodiscard]] const SlidingOptions& options() const { return options_; }
  [[nodiscard]] Eigen::Index dim() const { return dim_; }
  // Ring contents oldest first (count × dim, a window per row) and run starts (ascending, first 0),
  // the inputs of the offline twin.
  [[nodiscard]] Eigen::MatrixXd OrderedScores() const;
  [[nodiscard]] std::vector<Eigen::Index> RunStarts() const;
  // Number of completed re-anchors (swaps of a rebuilt matrix).
  [[nodiscard]] std::uint64_t reanchors() const { return reanchors_; }

 private:
  // One kept sum: Σ X Yᵀ with X = A_t (⊙ A_{t−ℓ}), Y = B_t (⊙ B_{t−ℓ}) for score blocks a, b.
  struct Spec {
    int a = 0, b = 0;
    int ell = 0;
    bool product = false;  // false: plain A_t B_tᵀ (S0); true: lag-ℓ product (C_ℓ)
  };
  struct Staged;

  void UpdateMatrix(std::size_t m, const Staged& st);
  void GatherTerm(const Spec& spec, std::int64_t t, std::int64_t q, const Staged& st, Eigen::Index col,
                  double sign);
  void AdvanceReanchor();
  void RebuildRuns();
  double AutoBandwidth(std::size_t lag_base, const LagMoments& lm);
  void AccumulateBoundary(std::size_t lag_base, int ell);
  [[nodiscard]] std::size_t SlotOf(std::int64_t g) const {
    return static_cast<std::size_t>(g % options_.capacity);
  }

  SlidingOptions options_;
  Eigen::Index n_, dim_;
  std::vector<Spec> specs_;             // per lag r: S0, C_0..C_L; then Σ s_f s_fᵀ if full
  std::vector<Eigen::MatrixXd> sums_;   // n × n each
  Eigen::MatrixXd ring_;                // dim × capacity, one window per column
  std::vector<std::uint64_t> run_ids_;  // per slot
  std::int64_t head_ = 0;               // windows ever added
  Eigen::Index count_ = 0;
  Eigen::MatrixXd gx_, gy_;             // gather buffers n × 2·max_batch
  // Rolling re-anchor state.
  std::size_t reanchor_target_ = 0;
  std::int64_t shadow_start_ = 0;
  Eigen::MatrixXd shadow_;
  std::uint64_t reanchors_ = 0;
  // Compute() scratch (sized once).
  Eigen::MatrixXd gamma0_, gamma_, head_sum_, tail_sum_, lrv_;
  std::vector<Eigen::Index> run_start_, run_len_;
};

// Multiplies-accumulates C += X Yᵀ over columns [k0, k0 + k) in cache-sized tiles: the same GEMM as
// `C.noalias() += X * Y.transpose()` without Eigen's heap-allocated packing buffers.
void AddOuterProducts(Eigen::MatrixXd& c, const Eigen::MatrixXd& x, const Eigen::MatrixXd& y, Eigen::Index k0,
                      Eigen::Index k);

// ProductTest's default cap on the automatic bandwidth for N windows: 4·⌈4·(N/100)^{2/9}⌉.
int DefaultBandwidthCap(Eigen::Index windows);

// AndrewsBartlettBandwidth without temporaries (same formula, evaluated as one expression).
double AndrewsBandwidthNoAlloc(const Eigen::MatrixXd& gamma0, const Eigen::MatrixXd& gamma1, Eigen::Index n);

}  // namespace sbtg::stream

// SiluMlp: the small scalar-valued network g(x) = w₃ᵀ SiLU(W₂ SiLU(W₁x + b₁) + b₂) + b₃ used inside
// the energy-based score models, with everything score matching needs in closed form:
//   value g(x), input gradient ∇ₓg, Laplacian Δₓg,
//   ∂/∂θ Σ_b e_b·∇ₓg(x_b)   (training gradient of any loss through the score; needs SiLU″),
//   ∂/∂θ Σ_b w_b Δₓg(x_b)   (training gradient of the exact score-matching term; needs SiLU‴).
// Batches are matrices with one sample per row. Parameters live in an external flat vector (see
// params.hpp); a Cache holds per-batch intermediates and is reused to avoid reallocation.
// Const methods are safe to call concurrently with distinct caches.
#pragma once

#include <Eigen/Core>
#include <random>
#include <string>

#include "engine/estimator/params.hpp"
#include "engine/estimator/silu.hpp"

namespace sbtg::est {

class SiluMlp {
 public:
  // Per-batch intermediates; names follow the formulas in mlp.cpp.
  struct Cache {
    Eigen::ArrayXXf a1, h1, d1, s1, t1;  // B × h1: pre-activation, SiLU, SiLU′, SiLU″, SiLU‴
    Eigen::ArrayXXf a2, h2, d2, s2, t2;  // B × h2
    Eigen::MatrixXf v2, u1, v1;          // B × h2, B × h1, B × h1 (input-gradient pass)
    Eigen::ArrayXXf sig;                 // sigmoid scratch
    SiluOrder order = SiluOrder::kValue;
  };

  // Registers W1 (h1×d), b1 (h1), W2 (h2×h1), b2 (h2), w3 (h2), b3 (1) under `prefix`.
  void Register(ParamLayout& layout, const std::string& prefix, Eigen::Index d, Eigen::Index h1,
                Eigen::Index h2);
  // Scaled-uniform initialisation; the output layer is multiplied by `output_scale` (0 ⇒ g ≡ b₃ = 0).
  void Init(Eigen::VectorXf& theta, std::mt19937_64& rng, float output_scale) const;

  [[nodiscard]] Eigen::Index input_dim() const { return d_; }

  // Forward pass up to the derivative order needed (kFirst: scores; kSecond: training; kThird: exact SM).
  // With a cache already sized for this batch, Forward/Value/InputGrad do not allocate (the streaming
  // engine scores one window per frame through them).
  void Forward(const Eigen::VectorXf& theta, const Eigen::Ref<const Eigen::MatrixXf>& x, SiluOrder order,
               Cache& c) const;
  void Value(const Eigen::VectorXf& theta, const Cache& c, Eigen::VectorXf& g) const;
  // ∇ₓg for every sample (B × d). Needs order ≥ kFirst; fills c.v2, c.u1, c.v1.
  void InputGrad(const Eigen::VectorXf& theta, Cache& c, Eigen::Ref<Eigen::MatrixXf> grad) const;
  // Δₓg for every sample. Needs order ≥ kSecond and InputGrad() called on the same cache.
  void Laplacian(const Eigen::VectorXf& theta, const Cache& c, Eigen::VectorXf& lap) const;
  // grad += scale · ∂/∂θ Σ_b e_b·∇ₓg(x_b). Needs order ≥ kSecond and InputGrad().
  void AddInputGradVjp(const Eigen::VectorXf& theta, const Eigen::Ref<const Eigen::MatrixXf>& x,
                       const Cache& c, const Eigen::Ref<const Eigen::MatrixXf>& e, float scale,
                       Eigen::VectorXf& grad) const;
  // grad += scale · ∂/∂θ Σ_b w_b Δₓg(x_b). Needs order ≥ kThird and InputGrad().
  void AddLaplacianGrad(const Eigen::VectorXf& theta, const Eigen::Ref<const Eigen::MatrixXf>& x,
                        const Cache& c, const Eigen::VectorXf& w, float scale, Eigen::VectorXf& grad) const;

 private:
  Eigen::Index d_ = 0, h1_ = 0, h2_ = 0;
  ParamBlock w1_, b1_, w2_, b2_, w3_, b3_;
};

}  // namespace sbtg::est

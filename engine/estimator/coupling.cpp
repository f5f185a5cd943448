// The three couplings C(x_f, x_p) of the structured energies (see score_model.hpp).
//   bilinear:          C = Σ_r x_fᵀ W_r x_{t−r}
//   feature_bilinear:  C = Σ_r ψ(x_f)ᵀ W_r φ_r(x_{t−r}), ψ, φ_r element-wise maps
//                      f(x) = x + Σ_k c_k SiLU(u_k x + v_k), shared across neurons (keeps W_r [target,
//                      source] and the cost O(n²) per window)
//   regime_gated:      C = Σ_k α_k(x_p) Σ_r x_fᵀ W_{r,k} x_{t−r}, α = softmax(V x_p + c)
// Row-batch conventions as in mlp.hpp: G += ∂C/∂z, Backprop adds ∂/∂θ[Σ_b e_b·∇C + Σ_b w_b ΔC].
#include <stdexcept>

#include "engine/estimator/score_model.hpp"

namespace sbtg::est {

using Eigen::ArrayXXf;
using Eigen::Index;
using Eigen::MatrixXf;
using Eigen::VectorXf;

namespace {

class Bilinear final : public Coupling {
 public:
  void Register(ParamLayout& layout, Index n, int order) override {
    n_ = n;
    for (int r = 1; r <= order; ++r) w_.push_back(layout.block(layout.Add("W_lag" + std::to_string(r), n, n, true)));
  }
  void Init(VectorXf& theta, std::mt19937_64& /*rng*/) const override {
    for (const auto& b : w_) ParamLayout::View(theta, b).setZero();
  }
  void SetBilinear(VectorXf& theta, const std::vector<MatrixXf>& w) const override {
    for (size_t r = 0; r < w_.size(); ++r) ParamLayout::View(theta, w_[r]) = w[r];
  }
  void AddEnergy(const VectorXf& theta, const MatrixXf& z, VectorXf& u) const override {
    for (size_t r = 0; r < w_.size(); ++r) {
      const MatrixXf xw = z.middleCols(static_cast<Index>(r + 1) * n_, n_) * ParamLayout::View(theta, w_[r]).transpose();
      u += (xw.array() * z.leftCols(n_).array()).rowwise().sum().matrix();
    }
  }
  void AddGrad(const VectorXf& theta, const MatrixXf& z, MatrixXf& g, Workspace& /*ws*/,
               bool /*need_second*/) const override {
    const auto xf = z.leftCols(n_);
    for (size_t r = 0; r < w_.size(); ++r) {
      const Index col = static_cast<Index>(r + 1) * n_;
      const auto w = ParamLayout::View(theta, w_[r]);
      g.leftCols(n_).noalias() += z.middleCols(col, n_) * w.transpose();
      g.middleCols(col, n_).noalias() += xf * w;
    }
  }
  void AddLaplacian(const VectorXf&, const MatrixXf&, VectorXf&, Workspace&) const override {}
  void Backprop(const VectorXf& /*theta*/, const MatrixXf& z, const MatrixXf& e, const VectorXf& /*w*/,
                VectorXf& grad, Workspace& /*ws*/) const override {
    for (size_t r = 0; r < w_.size(); ++r) {
      const Index col = static_cast<Index>(r + 1) * n_;
      ParamLayout::View(grad, w_[r]).noalias() +=
          e.leftCols(n_).transpose() * z.middleCols(col, n_) + z.leftCols(n_).transpose() * e.middleCols(col, n_);
    }
  }
  std::vector<MatrixXf> Matrices(const VectorXf& theta, std::vector<std::string>& names) const override {
    std::vector<MatrixXf> out;
    names.clear();
    for (size_t r = 0; r < w_.size(); ++r) {
      out.emplace_back(ParamLayout::View(theta, w_[r]));
      names.push_back("coupling");
    }
    return out;
  }
  [[nodiscard]] std::unique_ptr<Coupling> Clone() const override { return std::make_unique<Bilinear>(*this); }

 private:
  Index n_ = 0;
  std::vector<ParamBlock> w_;
};

// f(x) = x + Σ_k c_k SiLU(u_k x + v_k), applied element-wise; values and derivatives on B × n arrays.
class FeatureMap {
 public:
  void Register(ParamLayout& layout, const std::string& name, int hidden) {
    h_ = hidden;
    u_ = layout.block(layout.Add(name + ".u", hidden, 1));
    v_ = layout.block(layout.Add(name + ".v", hidden, 1));
    c_ = layout.block(layout.Add(name + ".c", hidden, 1));
  }
  void Init(VectorXf& theta, std::mt19937_64& rng) const {
    std::uniform_real_distribution<float> un(0.5f, 2.0f), vn(-2.0f, 2.0f);
    for (int k = 0; k < h_; ++k) {
      theta[u_.offset + k] = un(rng);
      theta[v_.offset + k] = vn(rng);
      theta[c_.offset + k] = 0.0f;  // identity at start: the model begins as the bilinear one
    }
  }
  // f, f′ and (if need_second) f″ of x.
  void Eval(const VectorXf& theta, const ArrayXXf& x, bool need_second, ArrayXXf& f, ArrayXXf& f1,
            ArrayXXf& f2) const {
    f = x;
    f1 = ArrayXXf::Ones(x.rows(), x.cols());
    f2 = ArrayXXf::Zero(x.rows(), x.cols());
    ArrayXXf s, d1, d2, d3;
    for (int k = 0; k < h_; ++k) {
      const float u = theta[u_.offset + k], v = theta[v_.offset + k], c = theta[c_.offset + k];
      SiluEval((u * x + v).eval(), need_second ? SiluOrder::kSecond : SiluOrder::kFirst, s, d1, d2, d3);
      f += c * s;
      f1 += (c * u) * d1;
      if (need_second) f2 += (c * u * u) * d2;
    }
  }
  // grad += ∂/∂(u,v,c) Σ [cf·f + cf1·f′ + cf2·f″] (cf2 may be empty).
  void Backprop(const VectorXf& theta, const ArrayXXf& x, const ArrayXXf& cf, const ArrayXXf& cf1,
                const ArrayXXf* cf2, VectorXf& grad) const {
    ArrayXXf s, d1, d2, d3;
    for (int k = 0; k < h_; ++k) {
      const float u = theta[u_.offset + k], v = theta[v_.offset + k], c = theta[c_.offset + k];
      SiluEval((u * x + v).eval(), cf2 != nullptr ? SiluOrder::kThird : SiluOrder::kSecond, s, d1, d2, d3);
      double dc = (cf * s + cf1 * u * d1).sum();
      double du = c * (cf * d1 * x + cf1 * (d1 + u * x * d2)).sum();
      double dv = c * (cf * d1 + cf1 * u * d2).sum();
      if (cf2 != nullptr) {
        dc += (*cf2 * (u * u) * d2).sum();
        du += c * (*cf2 * (2.0f * u * d2 + u * u * x * d3)).sum();
        dv += c * (*cf2 * (u * u) * d3).sum();
      }
      grad[u_.offset + k] += static_cast<float>(du);
      grad[v_.offset + k] += static_cast<float>(dv);
      grad[c_.offset + k] += static_cast<float>(dc);
    }
  }

 private:
  int h_ = 0;
  ParamBlock u_, v_, c_;
};

class FeatureBilinear final : public Coupling {
 public:
  explicit FeatureBilinear(int hidden) : hidden_(hidden) {}
  void Register(ParamLayout& layout, Index n, int order) override {
    n_ = n;
    order_ = order;
    maps_.resize(static_cast<size_t>(order) + 1);
    maps_[0].Register(layout, "psi", hidden_);
    for (int r = 1; r <= order; ++r) {
      maps_[static_cast<size_t>(r)].Register(layout, "phi_lag" + std::to_string(r), hidden_);
      w_.push_back(layout.block(layout.Add("W_lag" + std::to_string(r), n, n, true)));
    }
  }
  void Init(VectorXf& theta, std::mt19937_64& rng) const override {
    for (const auto& m : maps_) m.Init(theta, rng);
    for (const auto& b : w_) ParamLayout::View(theta, b).setZero();
  }
  void SetBilinear(VectorXf& theta, const std::vector<MatrixXf>& w) const override {
    for (size_t r = 0; r < w_.size(); ++r) ParamLayout::View(theta, w_[r]) = w[r];
  }
  void AddEnergy(const VectorXf& theta, const MatrixXf& z, VectorXf& u) const override {
    ArrayXXf psi, f1, f2, phi;
    maps_[0].Eval(theta, z.leftCols(n_).array(), false, psi, f1, f2);
    for (int r = 1; r <= order_; ++r) {
      maps_[static_cast<size_t>(r)].Eval(theta, z.middleCols(r * n_, n_).array(), false, phi, f1, f2);
      const MatrixXf pw = phi.matrix() * ParamLayout::View(theta, w_[static_cast<size_t>(r - 1)]).transpose();
      u += (pw.array() * psi).rowwise().sum().matrix();
    }
  }
  // Slots per block b = 0..P: [3b] f, [3b+1] f′, [3b+2] f″; then [3(P+1) + b] A_b where
  // A_0 = Σ_r Φ_r W_rᵀ (future) and A_r = Ψ W_r.
  void AddGrad(const VectorXf& theta, const MatrixXf& z, MatrixXf& g, Workspace& ws,
               bool need_second) const override {
    const auto blocks = static_cast<size_t>(order_) + 1;
    ws.slots.resize(4 * blocks);
    for (size_t b = 0; b < blocks; ++b) {
      maps_[b].Eval(theta, z.middleCols(static_cast<Index>(b) * n_, n_).array(), need_second, ws.slots[3 * b],
                    ws.slots[3 * b + 1], ws.slots[3 * b + 2]);
    }
    MatrixXf af = MatrixXf::Zero(z.rows(), n_);
    for (size_t r = 1; r < blocks; ++r) {
      const auto w = ParamLayout::View(theta, w_[r - 1]);
      af.noalias() += ws.slots[3 * r].matrix() * w.transpose();
      ws.slots[3 * blocks + r] = (ws.slots[0].matrix() * w).array();
      g.middleCols(static_cast<Index>(r) * n_, n_).array() += ws.slots[3 * r + 1] * ws.slots[3 * blocks + r];
    }
    ws.slots[3 * blocks] = af.array();
    g.leftCols(n_).array() += ws.slots[1] * ws.slots[3 * blocks];
  }
  void AddLaplacian(const VectorXf& /*theta*/, const MatrixXf& /*z*/, VectorXf& lap, Workspace& ws) const override {
    const auto blocks = static_cast<size_t>(order_) + 1;
    for (size_t b = 0; b < blocks; ++b) {
      lap += (ws.slots[3 * b + 2] * ws.slots[3 * blocks + b]).rowwise().sum().matrix();
    }
  }
  void Backprop(const VectorXf& theta, const MatrixXf& z, const MatrixXf& e, const VectorXf& w, VectorXf& grad,
                Workspace& ws) const override {
    const auto blocks = static_cast<size_t>(order_) + 1;
    const bool lap = w.size() > 0;
    // Cotangents of A_b and of f, f′, f″ per block.
    std::vector<ArrayXXf> abar(blocks), cf(blocks), cf1(blocks), cf2(blocks);
    for (size_t b = 0; b < blocks; ++b) {
      const ArrayXXf eb = e.middleCols(static_cast<Index>(b) * n_, n_).array();
      const ArrayXXf& a = ws.slots[3 * blocks + b];
      abar[b] = eb * ws.slots[3 * b + 1];
      if (lap) abar[b] += ws.slots[3 * b + 2].colwise() * w.array();
      cf1[b] = eb * a;
      if (lap) cf2[b] = a.colwise() * w.array();
      cf[b] = ArrayXXf::Zero(z.rows(), n_);
    }
    for (size_t r = 1; r < blocks; ++r) {
      const auto wr = ParamLayout::View(theta, w_[r - 1]);
      ParamLayout::View(grad, w_[r - 1]).noalias() +=
          abar[0].matrix().transpose() * ws.slots[3 * r].matrix() + ws.slots[0].matrix().transpose() * abar[r].matrix();
      cf[r] += (abar[0].matrix() * wr).array();
      cf[0] += (abar[r].matrix() * wr.transpose()).array();
    }
    for (size_t b = 0; b < blocks; ++b) {
      maps_[b].Backprop(theta, z.middleCols(static_cast<Index>(b) * n_, n_).array(), cf[b], cf1[b],
                        lap ? &cf2[b] : nullptr, grad);
    }
  }
  std::vector<MatrixXf> Matrices(const VectorXf& theta, std::vector<std::string>& names) const override {
    std::vector<MatrixXf> out;
    names.clear();
    for (const auto& b : w_) {
      out.emplace_back(ParamLayout::View(theta, b));
      names.push_back("coupling");
    }
    return out;
  }
  [[nodiscard]] std::unique_ptr<Coupling> Clone() const override {
    return std::make_unique<FeatureBilinear>(*this);
  }

 private:
  int hidden_;
  Index n_ = 0;
  int order_ = 1;
  std::vector<FeatureMap> maps_;
  std::vector<ParamBlock> w_;
};

// Regime-gated coupling. The exact score-matching objective would need the Laplacian of the softmax
// gate's cross terms; it is not implemented, so this coupling trains with denoising objectives only
// (FitSbtg rejects the combination with a clear error).
class RegimeGated final : public Coupling {
 public:
  explicit RegimeGated(int regimes) : k_(regimes) {}
  void Register(ParamLayout& layout, Index n, int order) override {
    n_ = n;
    order_ = order;
    for (int r = 1; r <= order; ++r) {
      for (int k = 0; k < k_; ++k) {
        w_.push_back(layout.block(
            layout.Add("W_lag" + std::to_string(r) + "_regime" + std::to_string(k), n, n, true)));
      }
    }
    v_ = layout.block(layout.Add("gate.V", k_, n * order));
    c_ = layout.block(layout.Add("gate.c", k_, 1));
  }
  void Init(VectorXf& theta, std::mt19937_64& rng) const override {
    std::normal_distribution<float> nd(0.0f, 0.1f / std::sqrt(static_cast<float>(n_ * order_)));
    auto v = ParamLayout::View(theta, v_);
    for (Index k = 0; k < v.size(); ++k) v.data()[k] = nd(rng);  // break the symmetry between regimes
    ParamLayout::View(theta, c_).setZero();
    for (const auto& b : w_) ParamLayout::View(theta, b).setZero();
  }
  void SetBilinear(VectorXf& theta, const std::vector<MatrixXf>& w) const override {
    for (int r = 0; r < order_; ++r) {
      for (int k = 0; k < k_; ++k) ParamLayout::View(theta, Block(r, k)) = w[static_cast<size_t>(r)];
    }
  }
  void AddEnergy(const VectorXf& theta, const MatrixXf& z, VectorXf& u) const override {
    Workspace ws;
    MatrixXf g = MatrixXf::Zero(z.rows(), z.cols());
    AddGrad(theta, z, g, ws, false);
    u += (ws.slots[0] * ws.slots[1]).rowwise().sum().matrix();
  }
  // Slots: [0] α (B×K), [1] c_k = Σ_r x_fᵀW_{r,k}x_r (B×K), [2+k] M_k = Σ_r X_r W_{r,k}ᵀ (B×n).
  void AddGrad(const VectorXf& theta, const MatrixXf& z, MatrixXf& g, Workspace& ws,
               bool /*need_second*/) const override {
    const Index np = n_ * order_;
    const auto xf = z.leftCols(n_);
    const auto xp = z.rightCols(np);
    ws.slots.resize(2 + static_cast<size_t>(k_));
    MatrixXf logits = xp * ParamLayout::View(theta, v_).transpose();
    logits.rowwise() += ParamLayout::View(theta, c_).col(0).transpose();
    ArrayXXf alpha = (logits.colwise() - logits.rowwise().maxCoeff()).array().exp();
    alpha.colwise() /= alpha.rowwise().sum();
    ArrayXXf energies(z.rows(), k_);
    for (int k = 0; k < k_; ++k) {
      MatrixXf mk = MatrixXf::Zero(z.rows(), n_);
      Eigen::VectorXf ck = Eigen::VectorXf::Zero(z.rows());
      for (int r = 0; r < order_; ++r) {
        const auto w = ParamLayout::View(theta, Block(r, k));
        const auto xr = z.middleCols((r + 1) * n_, n_);
        mk.noalias() += xr * w.transpose();
        const MatrixXf fw = xf * w;  // rows: W_{r,k}ᵀ x_f
        ck += (fw.array() * xr.array()).rowwise().sum().matrix();
        g.middleCols((r + 1) * n_, n_).array() += fw.array().colwise() * alpha.col(k);
      }
      g.leftCols(n_).array() += mk.array().colwise() * alpha.col(k);
      energies.col(k) = ck.array();
      ws.slots[2 + static_cast<size_t>(k)] = mk.array();
    }
    const Eigen::ArrayXf cbar = (alpha * energies).rowwise().sum();
    const ArrayXXf weight = alpha * (energies.colwise() - cbar);  // α_k (c_k − C)
    g.rightCols(np).noalias() += weight.matrix() * ParamLayout::View(theta, v_);
    ws.slots[0] = alpha;
    ws.slots[1] = energies;
  }
  void AddLaplacian(const VectorXf&, const MatrixXf&, VectorXf&, Workspace&) const override {
    throw std::logic_error("regime_gated: the exact score-matching Laplacian is not implemented");
  }
  void Backprop(const VectorXf& theta, const MatrixXf& z, const MatrixXf& e, const VectorXf& w, VectorXf& grad,
                Workspace& ws) const override {
    if (w.size() > 0) throw std::logic_error("regime_gated: exact score matching is not implemented");
    const Index np = n_ * order_;
    const auto xf = z.leftCols(n_);
    const auto xp = z.rightCols(np);
    const auto ef = e.leftCols(n_);
    const auto ep = e.rightCols(np);
    const ArrayXXf& alpha = ws.slots[0];
    const ArrayXXf& energies = ws.slots[1];
    const auto v = ParamLayout::View(theta, v_);
    const ArrayXXf ev = (ep * v.transpose()).array();                  // e_k = V_k·E_p
    ArrayXXf a(z.rows(), k_);                                           // a_k = E_f·M_k + E_p·ḡ_k
    for (int k = 0; k < k_; ++k) {
      Eigen::ArrayXf ak = (ef.array() * ws.slots[2 + static_cast<size_t>(k)]).rowwise().sum();
      for (int r = 0; r < order_; ++r) {
        const MatrixXf fw = xf * ParamLayout::View(theta, Block(r, k));
        ak += (fw.array() * e.middleCols((r + 1) * n_, n_).array()).rowwise().sum();
      }
      a.col(k) = ak;
    }
    const Eigen::ArrayXf cbar = (alpha * energies).rowwise().sum();
    const Eigen::ArrayXf ebar = (alpha * ev).rowwise().sum();
    // ∂O/∂α_k = a_k + c_k e_k − c_k ē − C e_k; softmax backprop to logits.
    const ArrayXXf dalpha = a + energies * ev - energies.colwise() * ebar - ev.colwise() * cbar;
    const Eigen::ArrayXf mean_d = (alpha * dalpha).rowwise().sum();
    const ArrayXXf dlogit = alpha * (dalpha.colwise() - mean_d);
    auto gv = ParamLayout::View(grad, v_);
    gv.noalias() += dlogit.matrix().transpose() * xp;
    gv.noalias() += (alpha * (energies.colwise() - cbar)).matrix().transpose() * ep;  // direct V in the gate term
    ParamLayout::View(grad, c_).col(0) += dlogit.colwise().sum().transpose().matrix();
    const ArrayXXf gamma = alpha * (ev.colwise() - ebar);  // ∂O/∂c_k
    for (int k = 0; k < k_; ++k) {
      for (int r = 0; r < order_; ++r) {
        const auto xr = z.middleCols((r + 1) * n_, n_);
        const auto er = e.middleCols((r + 1) * n_, n_);
        const MatrixXf af = (ef.array().colwise() * alpha.col(k)).matrix();
        const MatrixXf xfa = (xf.array().colwise() * alpha.col(k)).matrix();
        const MatrixXf xfg = (xf.array().colwise() * gamma.col(k)).matrix();
        ParamLayout::View(grad, Block(r, k)).noalias() += af.transpose() * xr + xfa.transpose() * er + xfg.transpose() * xr;
      }
    }
  }
  std::vector<MatrixXf> Matrices(const VectorXf& theta, std::vector<std::string>& names) const override {
    std::vector<MatrixXf> out;
    names.clear();
    for (int r = 0; r < order_; ++r) {
      for (int k = 0; k < k_; ++k) {
        out.emplace_back(ParamLayout::View(theta, Block(r, k)));
        names.push_back("coupling_regime" + std::to_string(k));
      }
    }
    return out;
  }
  [[nodiscard]] std::unique_ptr<Coupling> Clone() const override { return std::make_unique<RegimeGated>(*this); }

 private:
  [[nodiscard]] const ParamBlock& Block(int r, int k) const { return w_[static_cast<size_t>(r * k_ + k)]; }
  int k_;
  Index n_ = 0;
  int order_ = 1;
  std::vector<ParamBlock> w_;
  ParamBlock v_, c_;
};

}  // namespace

std::unique_ptr<Coupling> MakeCoupling(const ModelOptions& options) {
  switch (options.kind) {
    case ScoreModelKind::kGaussian:
    case ScoreModelKind::kLinear: return std::make_unique<Bilinear>();
    case ScoreModelKind::kFeatureBilinear: return std::make_unique<FeatureBilinear>(options.feature_hidden);
    case ScoreModelKind::kRegimeGated: return std::make_unique<RegimeGated>(options.regimes);
  }
  return std::make_unique<Bilinear>();
}

}  // namespace sbtg::est

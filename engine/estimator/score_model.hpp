// Energy-based score models on windows z = (x_t, x_{t−1}, …, x_{t−P}) (columns: future block first).
//
//   U(z) = ½ x_fᵀQ_f x_f + h_fᵀx_f + g_f(x_f)  +  ½ x_pᵀQ_p x_p + h_pᵀx_p + g_p(x_p)  +  C(x_f, x_p)
//
// x_p = (x_{t−1}, …, x_{t−P}) is the joint past (one g_p for all past blocks, DESIGN §2); g_f, g_p are
// SiLU MLPs (absent for the Gaussian model); C is the coupling (Coupling subclasses: bilinear
// Σ_r x_fᵀW_r x_{t−r}, feature-bilinear, regime-gated). The score is s = −∇U in closed form.
// Training losses (exact score matching, denoising score matching) and their parameter gradients are
// analytic. The model owns its parameter vector; Clone() gives an independent copy (snapshots).
// Const methods may be called concurrently with distinct Workspaces.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "engine/estimator/mlp.hpp"
#include "engine/estimator/params.hpp"
#include "sbtg/estimator.hpp"

namespace sbtg::est {

// Scratch space for one caller; reused across batches.
struct Workspace {
  SiluMlp::Cache mlp_f, mlp_p;
  Eigen::MatrixXf tmp_f, tmp_p;
  Eigen::MatrixXf quad, cross;  // fused quadratic form [[Q_f, W],[Wᵀ, Q_p]] and Zᵀ E
  std::vector<Eigen::ArrayXXf> slots;  // coupling intermediates
};

class ScoreModel;

// The cross-block part C(x_f, x_p) of the energy.
class Coupling {
 public:
  virtual ~Coupling() = default;
  virtual void Register(ParamLayout& layout, Eigen::Index n, int order) = 0;
  virtual void Init(Eigen::VectorXf& theta, std::mt19937_64& rng) const = 0;
  // Sets the coupling so that C(x_f, x_p) = Σ_r x_fᵀ W_r x_{t−r} (Gaussian warm start).
  virtual void SetBilinear(Eigen::VectorXf& theta, const std::vector<Eigen::MatrixXf>& w) const = 0;
  // u += C(z) per sample (used to check the closed-form derivatives).
  virtual void AddEnergy(const Eigen::VectorXf& theta, const Eigen::MatrixXf& z, Eigen::VectorXf& u) const = 0;
  // G_f += ∂C/∂x_f, G_p += ∂C/∂x_p; `need_second` prepares AddLaplacian/Backprop with a Laplacian.
  virtual void AddGrad(const Eigen::VectorXf& theta, const Eigen::MatrixXf& z, Eigen::MatrixXf& g,
                       Workspace& ws, bool need_second) const = 0;
  // lap += Δ_z C (after AddGrad on the same workspace).
  virtual void AddLaplacian(const Eigen::VectorXf& theta, const Eigen::MatrixXf& z, Eigen::VectorXf& lap,
                            Workspace& ws) const = 0;
  // grad += ∂/∂θ [Σ_b e_b·∇C(z_b) + Σ_b w_b ΔC(z_b)] (w empty ⇒ no Laplacian term).
  virtual void Backprop(const Eigen::VectorXf& theta, const Eigen::MatrixXf& z, const Eigen::MatrixXf& e,
                        const Eigen::VectorXf& w, Eigen::VectorXf& grad, Workspace& ws) const = 0;
  // Coupling matrices for export, [target, source] in μ convention (positive = inhibitory-like):
  // W_r for bilinear kinds, per-regime W_{r,k} for the gated kind (named in `names`).
  virtual std::vector<Eigen::MatrixXf> Matrices(const Eigen::VectorXf& theta,
                                                std::vector<std::string>& names) const = 0;
  [[nodiscard]] virtual std::unique_ptr<Coupling> Clone() const = 0;
};

class ScoreModel {
 public:
  ScoreModel(const ModelOptions& options, Eigen::Index n, int order, std::uint64_t seed);
  ScoreModel(const ScoreModel& other);
  ScoreModel& operator=(const ScoreModel&) = delete;
  [[nodiscard]] std::unique_ptr<ScoreModel> Clone() const { return std::make_unique<ScoreModel>(*this); }

  [[nodiscard]] Eigen::Index n() const { return n_; }
  [[nodiscard]] int order() const { return order_; }
  [[nodiscard]] Eigen::Index dim() const { return n_ * (order_ + 1); }
  [[nodiscard]] const ModelOptions& options() const { return options_; }
  [[nodiscard]] bool trainable() const { return options_.kind != ScoreModelKind::kGaussian; }
  [[nodiscard]] const ParamLayout& layout() const { return layout_; }
  Eigen::VectorXf& params() { return theta_; }
  [[nodiscard]] const Eigen::VectorXf& params() const { return theta_; }

  // Closed-form Gaussian fit: exact score matching of the quadratic energy = inverse of the (shrunk,
  // ridge-regularised) window covariance. Sets Q, h and the coupling; MLPs are left at g ≡ 0.
  // z: N × dim, double. shrinkage < 0 = Ledoit–Wolf. Returns the shrinkage intensity used.
  double FitGaussian(const Eigen::MatrixXd& z, double ridge, double shrinkage = 0.0);

  // U(z) per sample (up to the normalising constant).
  void Energy(const Eigen::MatrixXf& z, Eigen::VectorXf& u, Workspace& ws) const;
  // ∇U for a batch (B × dim); scores are its negation.
  void EnergyGradient(const Eigen::MatrixXf& z, Eigen::MatrixXf& g, Workspace& ws) const;
  void Score(const Eigen::MatrixXf& z, Eigen::MatrixXf& s, Workspace& ws) const;

  // Exact score-matching loss mean_b[½|∇U|² − ΔU]; fills grad when non-null.
  double ExactLoss(const Eigen::MatrixXf& z, Eigen::VectorXf* grad, Workspace& ws) const;
  // Denoising loss mean_b ½|ε − σ∇U(y)|² at y = z + σε (y and ε given); fills grad when non-null.
  double DenoisingLoss(const Eigen::MatrixXf& y, const Eigen::MatrixXf& eps, float sigma, Eigen::VectorXf* grad,
                       Workspace& ws) const;

  // Coupling matrices for export (see Coupling::Matrices).
  std::vector<Eigen::MatrixXf> CouplingMatrices(std::vector<std::string>& names) const;

 private:
  void Gradient(const Eigen::MatrixXf& z, Eigen::MatrixXf& g, Workspace& ws, SiluOrder order) const;
  void Backprop(const Eigen::MatrixXf& z, const Eigen::MatrixXf& e, const Eigen::VectorXf& w,
                Eigen::VectorXf& grad, Workspace& ws) const;
  double Laplacian(const Eigen::MatrixXf& z, Eigen::VectorXf& lap, Workspace& ws) const;

  ModelOptions options_;
  Eigen::Index n_;
  int order_;
  ParamLayout layout_;
  ParamBlock qf_, qp_, hf_, hp_;
  bool has_mlp_ = false;
  // Bilinear coupling: the quadratic blocks and W form one symmetric D × D matrix, so ∇U's quadratic
  // part is a single product Z·M and its parameter gradient a single Zᵀ·E (fewer, larger GEMMs).
  bool fused_ = false;
  std::vector<ParamBlock> w_blocks_;
  SiluMlp mlp_f_, mlp_p_;
  std::unique_ptr<Coupling> coupling_;
  Eigen::VectorXf theta_;
};

std::unique_ptr<Coupling> MakeCoupling(const ModelOptions& options);

// Ledoit & Wolf (2004) shrinkage intensity δ ∈ [0, 1] toward μI for the covariance `s` of the centred
// samples `centred` (rows): δ = min(b̄², d²)/d² with d² = ‖S − μI‖²_F and
// b̄² = N⁻² Σ_t ‖z_t z_tᵀ − S‖²_F = N⁻² (Σ_t ‖z_t‖⁴ − N‖S‖²_F).
double LedoitWolfIntensity(const Eigen::MatrixXd& centred, const Eigen::MatrixXd& s);

// Floating-point operations of one training step per window (matrix products counted as 2·m·k·n;
// element-wise work excluded), for reporting achieved GFLOP/s in benchmarks.
double TrainingFlopsPerWindow(const ScoreModel& model, Objective objective);

}  // namespace sbtg::est

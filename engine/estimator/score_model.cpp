#include "engine/estimator/score_model.hpp"

#include <Eigen/Cholesky>
#include <algorithm>
#include <stdexcept>

namespace sbtg::est {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::MatrixXf;
using Eigen::VectorXf;

ScoreModel::ScoreModel(const ModelOptions& options, Index n, int order, std::uint64_t seed)
    : options_(options), n_(n), order_(order), coupling_(MakeCoupling(options)) {
  const Index np = n * order;
  qf_ = layout_.block(layout_.Add("Q_f", n, n));
  qp_ = layout_.block(layout_.Add("Q_p", np, np));
  hf_ = layout_.block(layout_.Add("h_f", n, 1));
  hp_ = layout_.block(layout_.Add("h_p", np, 1));
  has_mlp_ = options.kind != ScoreModelKind::kGaussian;
  if (has_mlp_) {
    mlp_f_.Register(layout_, "g_f", n, options.hidden, options.hidden);
    mlp_p_.Register(layout_, "g_p", np, options.hidden, options.hidden);
  }
  coupling_->Register(layout_, n, order);
  fused_ = options.kind == ScoreModelKind::kGaussian || options.kind == ScoreModelKind::kLinear;
  if (fused_) {
    for (int r = 1; r <= order; ++r) {
      for (const auto& b : layout_.blocks()) {
        if (b.name == "W_lag" + std::to_string(r)) w_blocks_.push_back(b);
      }
    }
  }
  theta_ = VectorXf::Zero(layout_.size());
  std::mt19937_64 rng(seed);
  ParamLayout::View(theta_, qf_).setIdentity();
  ParamLayout::View(theta_, qp_).setIdentity();
  if (has_mlp_) {
    // Output layers start at zero: the model starts as its quadratic part (the Gaussian warm start).
    mlp_f_.Init(theta_, rng, 0.0f);
    mlp_p_.Init(theta_, rng, 0.0f);
  }
  coupling_->Init(theta_, rng);
}

ScoreModel::ScoreModel(const ScoreModel& other)
    : options_(other.options_),
      n_(other.n_),
      order_(other.order_),
      layout_(other.layout_),
      qf_(other.qf_),
      qp_(other.qp_),
      hf_(other.hf_),
      hp_(other.hp_),
      has_mlp_(other.has_mlp_),
      fused_(other.fused_),
      w_blocks_(other.w_blocks_),
      mlp_f_(other.mlp_f_),
      mlp_p_(other.mlp_p_),
      coupling_(other.coupling_->Clone()),
      theta_(other.theta_) {}

double LedoitWolfIntensity(const MatrixXd& centred, const MatrixXd& s) {
  const auto n = static_cast<double>(centred.rows());
  const double mu = s.trace() / static_cast<double>(s.rows());
  MatrixXd target_gap = s;
  target_gap.diagonal().array() -= mu;
  const double d2 = target_gap.squaredNorm();
  if (!(d2 > 0)) return 1.0;
  const double b2 = (centred.rowwise().squaredNorm().array().square().sum() - n * s.squaredNorm()) / (n * n);
  return std::clamp(b2 / d2, 0.0, 1.0);
}

double ScoreModel::FitGaussian(const MatrixXd& z, double ridge, double shrinkage) {
  const Index d = dim();
  const Eigen::RowVectorXd mean = z.colwise().mean();
  const MatrixXd centred = z.rowwise() - mean;
  MatrixXd cov = centred.transpose() * centred / static_cast<double>(z.rows());
  const double delta = shrinkage < 0 ? LedoitWolfIntensity(centred, cov) : shrinkage;
  if (delta > 0) {
    const double mu = cov.trace() / static_cast<double>(d);
    cov *= 1.0 - delta;
    cov.diagonal().array() += delta * mu;
  }
  cov.diagonal().array() += ridge;
  const MatrixXd k = cov.llt().solve(MatrixXd::Identity(d, d));
  const Eigen::VectorXd h = -k * mean.transpose();
  ParamLayout::View(theta_, qf_) = k.topLeftCorner(n_, n_).cast<float>();
  ParamLayout::View(theta_, qp_) = k.bottomRightCorner(d - n_, d - n_).cast<float>();
  ParamLayout::View(theta_, hf_) = h.head(n_).cast<float>();
  ParamLayout::View(theta_, hp_) = h.tail(d - n_).cast<float>();
  std::vector<MatrixXf> w;
  for (int r = 1; r <= order_; ++r) w.push_back(k.block(0, r * n_, n_, n_).cast<float>());
  coupling_->SetBilinear(theta_, w);
  return delta;
}

void ScoreModel::Energy(const MatrixXf& z, VectorXf& u, Workspace& ws) const {
  const Index np = dim() - n_;
  const auto xf = z.leftCols(n_);
  const auto xp = z.rightCols(np);
  u = 0.5f * ((xf * ParamLayout::View(theta_, qf_)).array() * xf.array()).rowwise().sum().matrix() +
      0.5f * ((xp * ParamLayout::View(theta_, qp_)).array() * xp.array()).rowwise().sum().matrix();
  u += xf * ParamLayout::View(theta_, hf_).col(0) + xp * ParamLayout::View(theta_, hp_).col(0);
  if (has_mlp_) {
    VectorXf g;
    mlp_f_.Forward(theta_, xf, SiluOrder::kValue, ws.mlp_f);
    mlp_f_.Value(theta_, ws.mlp_f, g);
    u += g;
    mlp_p_.Forward(theta_, xp, SiluOrder::kValue, ws.mlp_p);
    mlp_p_.Value(theta_, ws.mlp_p, g);
    u += g;
  }
  coupling_->AddEnergy(theta_, z, u);
}

void ScoreModel::EnergyGradient(const MatrixXf& z, MatrixXf& g, Workspace& ws) const {
  Gradient(z, g, ws, SiluOrder::kFirst);
}

void ScoreModel::Gradient(const MatrixXf& z, MatrixXf& g, Workspace& ws, SiluOrder order) const {
  const Index np = dim() - n_;
  const auto xf = z.leftCols(n_);
  const auto xp = z.rightCols(np);
  g.resize(z.rows(), dim());
  if (fused_) {
    ws.quad.resize(dim(), dim());
    ws.quad.topLeftCorner(n_, n_) = ParamLayout::View(theta_, qf_);
    ws.quad.bottomRightCorner(np, np) = ParamLayout::View(theta_, qp_);
    for (size_t r = 0; r < w_blocks_.size(); ++r) {
      const auto w = ParamLayout::View(theta_, w_blocks_[r]);
      const Index col = static_cast<Index>(r + 1) * n_;
      ws.quad.block(0, col, n_, n_) = w;
      ws.quad.block(col, 0, n_, n_) = w.transpose();
    }
    g.noalias() = z * ws.quad;
  } else {
    g.leftCols(n_).noalias() = xf * ParamLayout::View(theta_, qf_);
    g.rightCols(np).noalias() = xp * ParamLayout::View(theta_, qp_);
  }
  g.leftCols(n_).rowwise() += ParamLayout::View(theta_, hf_).col(0).transpose();
  g.rightCols(np).rowwise() += ParamLayout::View(theta_, hp_).col(0).transpose();
  if (has_mlp_) {
    mlp_f_.Forward(theta_, xf, order, ws.mlp_f);
    mlp_p_.Forward(theta_, xp, order, ws.mlp_p);
    ws.tmp_f.resize(z.rows(), n_);
    ws.tmp_p.resize(z.rows(), np);
    mlp_f_.InputGrad(theta_, ws.mlp_f, ws.tmp_f);
    mlp_p_.InputGrad(theta_, ws.mlp_p, ws.tmp_p);
    g.leftCols(n_) += ws.tmp_f;
    g.rightCols(np) += ws.tmp_p;
  }
  if (!fused_) coupling_->AddGrad(theta_, z, g, ws, order >= SiluOrder::kSecond);
}

void ScoreModel::Score(const MatrixXf& z, MatrixXf& s, Workspace& ws) const {
  Gradient(z, s, ws, SiluOrder::kFirst);
  s = -s;
}

double ScoreModel::Laplacian(const MatrixXf& z, VectorXf& lap, Workspace& ws) const {
  const double trace = ParamLayout::View(theta_, qf_).trace() + ParamLayout::View(theta_, qp_).trace();
  lap = VectorXf::Constant(z.rows(), static_cast<float>(trace));
  if (has_mlp_) {
    VectorXf part;
    mlp_f_.Laplacian(theta_, ws.mlp_f, part);
    lap += part;
    mlp_p_.Laplacian(theta_, ws.mlp_p, part);
    lap += part;
  }
  coupling_->AddLaplacian(theta_, z, lap, ws);
  return trace;
}

double ScoreModel::ExactLoss(const MatrixXf& z, VectorXf* grad, Workspace& ws) const {
  MatrixXf g;
  Gradient(z, g, ws, grad != nullptr ? SiluOrder::kThird : SiluOrder::kSecond);
  VectorXf lap;
  Laplacian(z, lap, ws);
  const auto b = static_cast<float>(z.rows());
  const double loss = (0.5f * g.rowwise().squaredNorm() - lap).mean();
  if (grad != nullptr) {
    const VectorXf w = VectorXf::Constant(z.rows(), -1.0f / b);
    Backprop(z, g / b, w, *grad, ws);
  }
  return loss;
}

double ScoreModel::DenoisingLoss(const MatrixXf& y, const MatrixXf& eps, float sigma, VectorXf* grad,
                                 Workspace& ws) const {
  MatrixXf g;
  Gradient(y, g, ws, grad != nullptr ? SiluOrder::kSecond : SiluOrder::kFirst);
  const MatrixXf r = eps - sigma * g;
  const double loss = 0.5 * r.rowwise().squaredNorm().mean();
  if (grad != nullptr) Backprop(y, (-sigma / static_cast<float>(y.rows())) * r, VectorXf(), *grad, ws);
  return loss;
}

void ScoreModel::Backprop(const MatrixXf& z, const MatrixXf& e, const VectorXf& w, VectorXf& grad,
                          Workspace& ws) const {
  const Index np = dim() - n_;
  grad = VectorXf::Zero(theta_.size());
  const auto xf = z.leftCols(n_);
  const auto xp = z.rightCols(np);
  const auto ef = e.leftCols(n_);
  const auto ep = e.rightCols(np);
  const float wsum = w.size() > 0 ? w.sum() : 0.0f;
  // Q enters symmetrically (U = ½xᵀQx with Q = Qᵀ): symmetrise its gradient so Q stays symmetric.
  auto gqf = ParamLayout::View(grad, qf_);
  auto gqp = ParamLayout::View(grad, qp_);
  if (fused_) {
    ws.cross.noalias() = z.transpose() * e;  // every block of the quadratic form's gradient at once
    gqf = 0.5f * (ws.cross.topLeftCorner(n_, n_) + ws.cross.topLeftCorner(n_, n_).transpose());
    gqp = 0.5f * (ws.cross.bottomRightCorner(np, np) + ws.cross.bottomRightCorner(np, np).transpose());
    for (size_t r = 0; r < w_blocks_.size(); ++r) {
      const Index col = static_cast<Index>(r + 1) * n_;
      ParamLayout::View(grad, w_blocks_[r]) = ws.cross.block(0, col, n_, n_) + ws.cross.block(col, 0, n_, n_).transpose();
    }
  } else {
    MatrixXf m = xf.transpose() * ef;
    gqf = 0.5f * (m + m.transpose());
    m = xp.transpose() * ep;
    gqp = 0.5f * (m + m.transpose());
  }
  gqf.diagonal().array() += wsum;
  gqp.diagonal().array() += wsum;
  ParamLayout::View(grad, hf_).col(0) = ef.colwise().sum().transpose();
  ParamLayout::View(grad, hp_).col(0) = ep.colwise().sum().transpose();
  if (has_mlp_) {
    mlp_f_.AddInputGradVjp(theta_, xf, ws.mlp_f, ef, 1.0f, grad);
    mlp_p_.AddInputGradVjp(theta_, xp, ws.mlp_p, ep, 1.0f, grad);
    if (w.size() > 0) {
      mlp_f_.AddLaplacianGrad(theta_, xf, ws.mlp_f, w, 1.0f, grad);
      mlp_p_.AddLaplacianGrad(theta_, xp, ws.mlp_p, w, 1.0f, grad);
    }
  }
  if (!fused_) coupling_->Backprop(theta_, z, e, w, grad, ws);
}

std::vector<MatrixXf> ScoreModel::CouplingMatrices(std::vector<std::string>& names) const {
  return coupling_->Matrices(theta_, names);
}

double TrainingFlopsPerWindow(const ScoreModel& model, Objective objective) {
  const auto n = static_cast<double>(model.n());
  const auto np = n * model.order();
  const auto h = static_cast<double>(model.options().hidden);
  // Quadratic blocks and bilinear coupling: forward ∇U and the backward products.
  double f = 2.0 * (2 * n * n + 2 * np * np + 4 * n * np);
  auto mlp = [&](double d) {
    double c = 10 * d * h + 12 * h * h;                  // forward, input gradient, double backprop
    if (objective == Objective::kExact) c += 6 * h * h * h + 4 * d * h;  // Laplacian and its gradient
    return c;
  };
  if (model.trainable()) f += mlp(n) + mlp(np);
  switch (model.options().kind) {
    case ScoreModelKind::kFeatureBilinear: f += 8 * n * np; break;  // feature products A_f, A_r and cotangents
    case ScoreModelKind::kRegimeGated: f += (model.options().regimes - 1) * 8 * n * np + 4 * model.options().regimes * np; break;
    default: break;
  }
  return f;
}

}  // namespace sbtg::est

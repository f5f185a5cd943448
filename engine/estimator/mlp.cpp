// Formulas (batch rows = samples; ⊙ element-wise; φ = SiLU):
//   A1 = X W1ᵀ + b1, H1 = φ(A1), D1 = φ′(A1);  A2 = H1 W2ᵀ + b2, H2 = φ(A2), D2 = φ′(A2)
//   g = H2 w3 + b3
//   V2 = D2 ⊙ w3ᵀ, U1 = V2 W2, V1 = D1 ⊙ U1, ∇g = V1 W1                         (DESIGN §7)
//   Δg = Σ_k S1_k U1_k |W1_k|² + Σ_m S2_m w3_m |(W2 diag(D1) W1)_m|²    (S = φ″; trace of the Hessian)
#include "engine/estimator/mlp.hpp"

#include <cmath>

namespace sbtg::est {

using Eigen::ArrayXXf;
using Eigen::Index;
using Eigen::MatrixXf;
using Eigen::VectorXf;

void SiluMlp::Register(ParamLayout& layout, const std::string& prefix, Index d, Index h1, Index h2) {
  d_ = d;
  h1_ = h1;
  h2_ = h2;
  w1_ = layout.block(layout.Add(prefix + ".W1", h1, d));
  b1_ = layout.block(layout.Add(prefix + ".b1", h1, 1));
  w2_ = layout.block(layout.Add(prefix + ".W2", h2, h1));
  b2_ = layout.block(layout.Add(prefix + ".b2", h2, 1));
  w3_ = layout.block(layout.Add(prefix + ".w3", h2, 1));
  b3_ = layout.block(layout.Add(prefix + ".b3", 1, 1));
}

void SiluMlp::Init(VectorXf& theta, std::mt19937_64& rng, float output_scale) const {
  auto fill = [&](const ParamBlock& b, float bound) {
    std::uniform_real_distribution<float> u(-bound, bound);
    auto m = ParamLayout::View(theta, b);
    for (Index k = 0; k < m.size(); ++k) m.data()[k] = u(rng);
  };
  fill(w1_, std::sqrt(3.0f / static_cast<float>(d_)));
  fill(w2_, std::sqrt(3.0f / static_cast<float>(h1_)));
  fill(w3_, output_scale * std::sqrt(3.0f / static_cast<float>(h2_)));
  ParamLayout::View(theta, b1_).setZero();
  ParamLayout::View(theta, b2_).setZero();
  ParamLayout::View(theta, b3_).setZero();
}

void SiluMlp::Forward(const VectorXf& theta, const Eigen::Ref<const MatrixXf>& x, SiluOrder order,
                      Cache& c) const {
  const auto w1 = ParamLayout::View(theta, w1_);
  const auto w2 = ParamLayout::View(theta, w2_);
  const auto b1 = ParamLayout::View(theta, b1_);
  const auto b2 = ParamLayout::View(theta, b2_);
  c.order = order;
  c.a1.resize(x.rows(), h1_);
  c.a1.matrix().noalias() = x * w1.transpose();
  c.a1.rowwise() += b1.col(0).transpose().array();
  SiluEval(c.a1, order, c.h1, c.d1, c.s1, c.t1, c.sig);
  c.a2.resize(x.rows(), h2_);
  c.a2.matrix().noalias() = c.h1.matrix() * w2.transpose();
  c.a2.rowwise() += b2.col(0).transpose().array();
  SiluEval(c.a2, order, c.h2, c.d2, c.s2, c.t2, c.sig);
}

void SiluMlp::Value(const VectorXf& theta, const Cache& c, VectorXf& g) const {
  g = c.h2.matrix() * ParamLayout::View(theta, w3_).col(0);
  g.array() += theta[b3_.offset];
}

void SiluMlp::InputGrad(const VectorXf& theta, Cache& c, Eigen::Ref<MatrixXf> grad) const {
  const auto w1 = ParamLayout::View(theta, w1_);
  const auto w2 = ParamLayout::View(theta, w2_);
  const auto w3 = ParamLayout::View(theta, w3_);
  c.v2.resize(c.d2.rows(), h2_);
  c.v2.array() = c.d2.rowwise() * w3.col(0).transpose().array();
  c.u1.resize(c.d2.rows(), h1_);
  c.u1.noalias() = c.v2 * w2;
  c.v1.resize(c.d2.rows(), h1_);
  c.v1.array() = c.d1 * c.u1.array();
  grad.noalias() = c.v1 * w1;
}

void SiluMlp::Laplacian(const VectorXf& theta, const Cache& c, VectorXf& lap) const {
  const auto w1 = ParamLayout::View(theta, w1_);
  const auto w2 = ParamLayout::View(theta, w2_);
  const auto w3 = ParamLayout::View(theta, w3_);
  const Eigen::RowVectorXf n1 = w1.rowwise().squaredNorm().transpose();
  lap = ((c.s1 * c.u1.array()).rowwise() * n1.array()).rowwise().sum().matrix();
  const MatrixXf gram = w1 * w1.transpose();  // G = W1 W1ᵀ, h1 × h1
  MatrixXf m(h2_, h1_), mg(h2_, h1_);
  for (Index b = 0; b < c.a1.rows(); ++b) {
    m = w2.array().rowwise() * c.d1.row(b);  // W2 diag(D1_b)
    mg.noalias() = m * gram;
    const Eigen::VectorXf cm = (mg.array() * m.array()).rowwise().sum().matrix();  // |row_m(W2 D1 W1)|²
    lap[b] += (c.s2.row(b).transpose() * w3.col(0).array() * cm.array()).sum();
  }
}

void SiluMlp::AddInputGradVjp(const VectorXf& theta, const Eigen::Ref<const MatrixXf>& x, const Cache& c,
                              const Eigen::Ref<const MatrixXf>& e, float scale, VectorXf& grad) const {
  const auto w1 = ParamLayout::View(theta, w1_);
  const auto w2 = ParamLayout::View(theta, w2_);
  const auto w3 = ParamLayout::View(theta, w3_);
  // Forward-mode tangent along e, then reverse through it ("double backprop").
  const MatrixXf a1dot = e * w1.transpose();                       // Ȧ1 = E W1ᵀ
  const MatrixXf h1dot = (c.d1 * a1dot.array()).matrix();          // Ḣ1 = D1 ⊙ Ȧ1
  const MatrixXf a2dot = h1dot * w2.transpose();                   // Ȧ2 = Ḣ1 W2ᵀ
  const MatrixXf q2 = ((c.s2 * a2dot.array()).rowwise() * w3.col(0).transpose().array()).matrix();
  const MatrixXf q1 = (c.s1 * a1dot.array() * c.u1.array() + c.d1 * (q2 * w2).array()).matrix();
  ParamLayout::View(grad, w3_).col(0) += scale * (c.d2 * a2dot.array()).colwise().sum().transpose().matrix();
  auto gw2 = ParamLayout::View(grad, w2_);
  gw2.noalias() += scale * (c.v2.transpose() * h1dot);
  gw2.noalias() += scale * (q2.transpose() * c.h1.matrix());
  ParamLayout::View(grad, b2_).col(0) += scale * q2.colwise().sum().transpose();
  auto gw1 = ParamLayout::View(grad, w1_);
  gw1.noalias() += scale * (c.v1.transpose() * e);
  gw1.noalias() += scale * (q1.transpose() * x);
  ParamLayout::View(grad, b1_).col(0) += scale * q1.colwise().sum().transpose();
}

void SiluMlp::AddLaplacianGrad(const VectorXf& theta, const Eigen::Ref<const MatrixXf>& x, const Cache& c,
                               const VectorXf& w, float scale, VectorXf& grad) const {
  const auto w1 = ParamLayout::View(theta, w1_);
  const auto w2 = ParamLayout::View(theta, w2_);
  const auto w3 = ParamLayout::View(theta, w3_);
  const Index batch = c.a1.rows();
  const Eigen::RowVectorXf n1 = w1.rowwise().squaredNorm().transpose();
  const ArrayXXf wcol = w.array().replicate(1, h1_);
  // Term A = Σ_b w_b Σ_k S1 U1 n1.
  const MatrixXf r = ((wcol * c.s1).rowwise() * n1.array()).matrix();       // ∂/∂U1
  ArrayXXf da1 = wcol * c.u1.array() * (c.t1.rowwise() * n1.array());          // via S1 = φ″(A1)
  const Eigen::VectorXf dn1 = (wcol * c.s1 * c.u1.array()).colwise().sum().transpose().matrix();
  MatrixXf gw1 = 2.0f * dn1.asDiagonal() * w1;
  MatrixXf gw2 = c.v2.transpose() * r;                                       // U1 = V2 W2
  const ArrayXXf dv2 = (r * w2.transpose()).array();                         // ∂/∂V2
  Eigen::VectorXf gw3 = (dv2 * c.d2).colwise().sum().transpose().matrix();   // V2 = D2 ⊙ w3
  ArrayXXf da2 = (dv2.rowwise() * w3.col(0).transpose().array()) * c.s2;     // via D2 = φ′(A2)
  // Term B = Σ_b w_b Σ_m S2_m w3_m c_m, c_m = |row_m(W2 diag(D1_b) W1)|².
  const MatrixXf gram = w1 * w1.transpose();
  MatrixXf m(h2_, h1_), mg(h2_, h1_), q = MatrixXf::Zero(h1_, h1_);
  ArrayXXf dd1(batch, h1_);
  Eigen::ArrayXXf cm(batch, h2_);
  for (Index b = 0; b < batch; ++b) {
    m = w2.array().rowwise() * c.d1.row(b);
    mg.noalias() = m * gram;
    cm.row(b) = (mg.array() * m.array()).rowwise().sum().transpose();
    const Eigen::ArrayXf k = w[b] * c.s2.row(b).transpose() * w3.col(0).array();  // ∂/∂c_m
    const MatrixXf kmg = k.matrix().asDiagonal() * mg;
    gw2.array() += 2.0f * (kmg.array().rowwise() * c.d1.row(b));
    dd1.row(b) = 2.0f * (w2.array() * kmg.array()).colwise().sum();
    q.noalias() += m.transpose() * k.matrix().asDiagonal() * m;
  }
  gw1.noalias() += 2.0f * q * w1;
  gw3 += (w.array().replicate(1, h2_) * c.s2 * cm).colwise().sum().transpose().matrix();
  da2 += ((w.array().replicate(1, h2_) * cm).rowwise() * w3.col(0).transpose().array()) * c.t2;
  da1 += dd1 * c.s1;  // via D1 = φ′(A1)
  // Back through A2 = H1 W2ᵀ + b2 and A1 = X W1ᵀ + b1.
  gw2.noalias() += da2.matrix().transpose() * c.h1.matrix();
  da1 += (da2.matrix() * w2).array() * c.d1;
  gw1.noalias() += da1.matrix().transpose() * x;
  ParamLayout::View(grad, w1_) += scale * gw1;
  ParamLayout::View(grad, w2_) += scale * gw2;
  ParamLayout::View(grad, w3_).col(0) += scale * gw3;
  ParamLayout::View(grad, b2_).col(0) += scale * da2.colwise().sum().transpose().matrix();
  ParamLayout::View(grad, b1_).col(0) += scale * da1.colwise().sum().transpose().matrix();
}

}  // namespace sbtg::est

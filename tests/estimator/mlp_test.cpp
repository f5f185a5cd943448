// Finite-difference checks of every closed-form derivative of the SiLU MLP (DESIGN §7).
#include <doctest/doctest.h>

#include <random>

#include "engine/estimator/mlp.hpp"

using Eigen::MatrixXf;
using Eigen::VectorXf;
using sbtg::est::ParamLayout;
using sbtg::est::SiluMlp;
using sbtg::est::SiluOrder;

namespace {

struct Fixture {
  ParamLayout layout;
  SiluMlp mlp;
  VectorXf theta;
  MatrixXf x;
  Fixture(Eigen::Index d, Eigen::Index h1, Eigen::Index h2, Eigen::Index batch) {
    mlp.Register(layout, "g", d, h1, h2);
    theta.resize(layout.size());
    std::mt19937_64 rng(7);
    mlp.Init(theta, rng, 1.0f);
    std::normal_distribution<float> nd;
    for (Eigen::Index k = 0; k < theta.size(); ++k) theta[k] += 0.1f * nd(rng);  // nonzero biases too
    x.resize(batch, d);
    for (Eigen::Index k = 0; k < x.size(); ++k) x.data()[k] = nd(rng);
  }
  VectorXf Values(const VectorXf& th, const MatrixXf& xs) const {
    SiluMlp::Cache c;
    mlp.Forward(th, xs, SiluOrder::kValue, c);
    VectorXf g;
    mlp.Value(th, c, g);
    return g;
  }
  MatrixXf Grad(const VectorXf& th, const MatrixXf& xs) const {
    SiluMlp::Cache c;
    mlp.Forward(th, xs, SiluOrder::kFirst, c);
    MatrixXf g(xs.rows(), xs.cols());
    mlp.InputGrad(th, c, g);
    return g;
  }
  VectorXf Lap(const VectorXf& th, const MatrixXf& xs) const {
    SiluMlp::Cache c;
    mlp.Forward(th, xs, SiluOrder::kSecond, c);
    MatrixXf g(xs.rows(), xs.cols());
    mlp.InputGrad(th, c, g);
    VectorXf lap;
    mlp.Laplacian(th, c, lap);
    return lap;
  }
};

// ‖a − b‖ / ‖b‖ — the whole-vector relative error; any formula mistake makes it O(1).
double RelErr(const VectorXf& a, const VectorXf& b) {
  return static_cast<double>((a - b).norm() / std::max(b.norm(), 1e-12f));
}

}  // namespace

TEST_SUITE("Mlp") {
  TEST_CASE("Mlp.SiluDerivativesMatchFiniteDifferences") {
    Eigen::ArrayXXf a = Eigen::ArrayXf::LinSpaced(41, -6.0f, 6.0f).transpose();
    Eigen::ArrayXXf f, d1, d2, d3, fp, fm, u1, u2, u3, l1, l2, l3;
    sbtg::est::SiluEval(a, SiluOrder::kThird, f, d1, d2, d3);
    const float h = 1e-2f;
    sbtg::est::SiluEval(a + h, SiluOrder::kThird, fp, u1, u2, u3);
    sbtg::est::SiluEval(a - h, SiluOrder::kThird, fm, l1, l2, l3);
    CHECK(((fp - fm) / (2 * h) - d1).abs().maxCoeff() < 2e-4);
    CHECK(((u1 - l1) / (2 * h) - d2).abs().maxCoeff() < 2e-4);
    CHECK(((u2 - l2) / (2 * h) - d3).abs().maxCoeff() < 2e-4);
    CHECK(f(0, 20) == doctest::Approx(0.0));  // SiLU(0) = 0, SiLU′(0) = 1/2, SiLU″(0) = 1/2
    CHECK(d1(0, 20) == doctest::Approx(0.5));
    CHECK(d2(0, 20) == doctest::Approx(0.5));
  }

  TEST_CASE("Mlp.InputGradientMatchesFiniteDifferences") {
    Fixture fx(5, 7, 6, 4);
    const MatrixXf g = fx.Grad(fx.theta, fx.x);
    const float h = 1e-2f;
    MatrixXf fd(g.rows(), g.cols());
    for (Eigen::Index i = 0; i < fx.x.cols(); ++i) {
      MatrixXf xp = fx.x, xm = fx.x;
      xp.col(i).array() += h;
      xm.col(i).array() -= h;
      fd.col(i) = (fx.Values(fx.theta, xp) - fx.Values(fx.theta, xm)) / (2 * h);
    }
    CHECK(RelErr(g.reshaped(), fd.reshaped()) < 1e-3);
  }

  TEST_CASE("Mlp.LaplacianMatchesFiniteDifferences") {
    Fixture fx(5, 7, 6, 4);
    const VectorXf lap = fx.Lap(fx.theta, fx.x);
    const float h = 1e-2f;
    VectorXf fd = VectorXf::Zero(lap.size());
    for (Eigen::Index i = 0; i < fx.x.cols(); ++i) {
      MatrixXf xp = fx.x, xm = fx.x;
      xp.col(i).array() += h;
      xm.col(i).array() -= h;
      fd += (fx.Grad(fx.theta, xp).col(i) - fx.Grad(fx.theta, xm).col(i)) / (2 * h);
    }
    CHECK(RelErr(lap, fd) < 1e-3);
  }

  TEST_CASE("Mlp.ParameterGradientOfScoreContractionMatchesFiniteDifferences") {
    Fixture fx(5, 7, 6, 4);
    std::mt19937_64 rng(3);
    std::normal_distribution<float> nd;
    MatrixXf e(fx.x.rows(), fx.x.cols());
    for (Eigen::Index k = 0; k < e.size(); ++k) e.data()[k] = nd(rng);
    auto objective = [&](const VectorXf& th) { return (fx.Grad(th, fx.x).array() * e.array()).sum(); };
    SiluMlp::Cache c;
    fx.mlp.Forward(fx.theta, fx.x, SiluOrder::kSecond, c);
    MatrixXf g(fx.x.rows(), fx.x.cols());
    fx.mlp.InputGrad(fx.theta, c, g);
    VectorXf grad = VectorXf::Zero(fx.theta.size());
    fx.mlp.AddInputGradVjp(fx.theta, fx.x, c, e, 1.0f, grad);
    VectorXf fd(fx.theta.size());
    const float h = 1e-2f;
    for (Eigen::Index k = 0; k < fx.theta.size(); ++k) {
      VectorXf tp = fx.theta, tm = fx.theta;
      tp[k] += h;
      tm[k] -= h;
      fd[k] = (objective(tp) - objective(tm)) / (2 * h);
    }
    CHECK(RelErr(grad, fd) < 2e-3);
  }

  TEST_CASE("Mlp.ParameterGradientOfLaplacianMatchesFiniteDifferences") {
    Fixture fx(5, 7, 6, 4);
    VectorXf w(fx.x.rows());
    w << 0.5f, -1.0f, 2.0f, 0.25f;
    auto objective = [&](const VectorXf& th) { return fx.Lap(th, fx.x).dot(w); };
    SiluMlp::Cache c;
    fx.mlp.Forward(fx.theta, fx.x, SiluOrder::kThird, c);
    MatrixXf g(fx.x.rows(), fx.x.cols());
    fx.mlp.InputGrad(fx.theta, c, g);
    VectorXf grad = VectorXf::Zero(fx.theta.size());
    fx.mlp.AddLaplacianGrad(fx.theta, fx.x, c, w, 1.0f, grad);
    VectorXf fd(fx.theta.size());
    const float h = 1e-2f;
    for (Eigen::Index k = 0; k < fx.theta.size(); ++k) {
      VectorXf tp = fx.theta, tm = fx.theta;
      tp[k] += h;
      tm[k] -= h;
      fd[k] = (objective(tp) - objective(tm)) / (2 * h);
    }
    CHECK(RelErr(grad, fd) < 2e-3);
  }
}

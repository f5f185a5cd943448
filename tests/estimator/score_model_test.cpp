// Finite-difference checks of the structured score models: energy → gradient (the score), gradient →
// Laplacian, and the parameter gradients of both training losses, for every model kind.
#include <doctest/doctest.h>

#include <random>

#include "engine/estimator/score_model.hpp"
#include "support/heap_watch.hpp"

using Eigen::MatrixXf;
using Eigen::VectorXf;
using sbtg::ScoreModelKind;
using sbtg::est::ScoreModel;
using sbtg::est::Workspace;

namespace {

constexpr Eigen::Index kN = 3;
constexpr int kOrder = 2;

ScoreModel RandomModel(ScoreModelKind kind) {
  sbtg::ModelOptions opt;
  opt.kind = kind;
  opt.hidden = 5;
  opt.feature_hidden = 3;
  opt.regimes = 2;
  ScoreModel model(opt, kN, kOrder, 11);
  std::mt19937_64 rng(5);
  std::normal_distribution<float> nd(0.0f, 0.3f);
  VectorXf& th = model.params();
  for (Eigen::Index k = 0; k < th.size(); ++k) th[k] += nd(rng);
  // Keep Q symmetric (the model's invariant).
  for (const auto& b : model.layout().blocks()) {
    if (b.name == "Q_f" || b.name == "Q_p") {
      auto q = sbtg::est::ParamLayout::View(th, b);
      const MatrixXf sym = 0.5f * (q + q.transpose());
      q = sym;
    }
  }
  return model;
}

MatrixXf RandomBatch(Eigen::Index rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> nd;
  MatrixXf z(rows, kN * (kOrder + 1));
  for (Eigen::Index k = 0; k < z.size(); ++k) z.data()[k] = nd(rng);
  return z;
}

double RelErr(const VectorXf& a, const VectorXf& b) {
  return static_cast<double>((a - b).norm() / std::max(b.norm(), 1e-12f));
}

// Central differences of a scalar function of the parameters; symmetric blocks are perturbed
// symmetrically (the gradient w.r.t. a symmetric matrix is then compared entry by entry on a basis
// where both (j,i) and (i,j) move; see the explicit handling below).
template <typename F>
VectorXf ParamFd(ScoreModel& model, F objective) {
  VectorXf& th = model.params();
  VectorXf fd(th.size());
  const float h = 1e-2f;
  for (Eigen::Index k = 0; k < th.size(); ++k) {
    const float keep = th[k];
    th[k] = keep + h;
    const double up = objective();
    th[k] = keep - h;
    const double down = objective();
    th[k] = keep;
    fd[k] = static_cast<float>((up - down) / (2 * h));
  }
  return fd;
}

// For a symmetric Q used as ½xᵀQx, the analytic gradient is the symmetrised one; finite differences on
// single entries give the unsymmetrised one. Compare after symmetrising the finite differences.
void SymmetriseQ(const ScoreModel& model, VectorXf& v) {
  for (const auto& b : model.layout().blocks()) {
    if (b.name == "Q_f" || b.name == "Q_p") {
      auto q = sbtg::est::ParamLayout::View(v, b);
      const MatrixXf sym = 0.5f * (q + q.transpose());
      q = sym;
    }
  }
}

}  // namespace

TEST_SUITE("ScoreModel") {
  TEST_CASE("ScoreModel.ScoreIsMinusEnergyGradient") {
    for (auto kind : {ScoreModelKind::kGaussian, ScoreModelKind::kLinear, ScoreModelKind::kFeatureBilinear,
                      ScoreModelKind::kRegimeGated}) {
      CAPTURE(static_cast<int>(kind));
      ScoreModel model = RandomModel(kind);
      Workspace ws;
      const MatrixXf z = RandomBatch(4, 2);
      MatrixXf s;
      model.Score(z, s, ws);
      MatrixXf fd(z.rows(), z.cols());
      const float h = 1e-2f;
      for (Eigen::Index c = 0; c < z.cols(); ++c) {
        MatrixXf zp = z, zm = z;
        zp.col(c).array() += h;
        zm.col(c).array() -= h;
        VectorXf up, down;
        model.Energy(zp, up, ws);
        model.Energy(zm, down, ws);
        fd.col(c) = -(up - down) / (2 * h);
      }
      CHECK(RelErr(s.reshaped(), fd.reshaped()) < 1e-3);
    }
  }

  TEST_CASE("ScoreModel.ExactLossGradientMatchesFiniteDifferences") {
    for (auto kind : {ScoreModelKind::kGaussian, ScoreModelKind::kLinear, ScoreModelKind::kFeatureBilinear}) {
      CAPTURE(static_cast<int>(kind));
      ScoreModel model = RandomModel(kind);
      Workspace ws;
      const MatrixXf z = RandomBatch(6, 3);
      // Laplacian of U vs the divergence of ∇U by finite differences (exact loss = ½|∇U|² − ΔU).
      VectorXf grad;
      const double loss = model.ExactLoss(z, &grad, ws);
      MatrixXf g0;
      model.EnergyGradient(z, g0, ws);
      VectorXf div = VectorXf::Zero(z.rows());
      const float h = 1e-2f;
      for (Eigen::Index c = 0; c < z.cols(); ++c) {
        MatrixXf zp = z, zm = z;
        zp.col(c).array() += h;
        zm.col(c).array() -= h;
        MatrixXf gp, gm;
        model.EnergyGradient(zp, gp, ws);
        model.EnergyGradient(zm, gm, ws);
        div += (gp.col(c) - gm.col(c)) / (2 * h);
      }
      const double expected = (0.5f * g0.rowwise().squaredNorm() - div).mean();
      CHECK(loss == doctest::Approx(expected).epsilon(1e-3));
      VectorXf fd = ParamFd(model, [&] { return model.ExactLoss(z, nullptr, ws); });
      SymmetriseQ(model, fd);
      CHECK(RelErr(grad, fd) < 3e-3);
    }
  }

  TEST_CASE("ScoreModel.DenoisingLossGradientMatchesFiniteDifferences") {
    for (auto kind : {ScoreModelKind::kGaussian, ScoreModelKind::kLinear, ScoreModelKind::kFeatureBilinear,
                      ScoreModelKind::kRegimeGated}) {
      CAPTURE(static_cast<int>(kind));
      ScoreModel model = RandomModel(kind);
      Workspace ws;
      const MatrixXf z = RandomBatch(6, 4);
      const MatrixXf eps = RandomBatch(6, 5);
      const float sigma = 0.3f;
      const MatrixXf y = z + sigma * eps;
      VectorXf grad;
      model.DenoisingLoss(y, eps, sigma, &grad, ws);
      VectorXf fd = ParamFd(model, [&] { return model.DenoisingLoss(y, eps, sigma, nullptr, ws); });
      SymmetriseQ(model, fd);
      CHECK(RelErr(grad, fd) < 3e-3);
    }
  }

  TEST_CASE("ScoreModel.GaussianFitIsWindowPrecision") {
    // Exact score matching of a quadratic energy is solved by the inverse covariance: the fitted
    // model's scores satisfy mean(s zᵀ) = −I (Stein identity on the sample) up to the ridge.
    std::mt19937_64 rng(9);
    std::normal_distribution<double> nd;
    Eigen::MatrixXd z(2000, kN * (kOrder + 1));
    for (Eigen::Index k = 0; k < z.size(); ++k) z.data()[k] = nd(rng);
    z.col(1) += 0.8 * z.col(0);
    sbtg::ModelOptions opt;
    opt.kind = ScoreModelKind::kGaussian;
    ScoreModel model(opt, kN, kOrder, 1);
    model.FitGaussian(z, 0.0);
    Workspace ws;
    MatrixXf s;
    model.Score(z.cast<float>(), s, ws);
    const Eigen::MatrixXd centred = z.rowwise() - z.colwise().mean();
    const Eigen::MatrixXd stein = s.cast<double>().transpose() * centred / static_cast<double>(z.rows());
    CHECK((stein + Eigen::MatrixXd::Identity(z.cols(), z.cols())).cwiseAbs().maxCoeff() < 1e-4);
  }
}

TEST_SUITE("ScoreModel") {
  TEST_CASE("ScoreModel.ScoringOneWindowDoesNotAllocate") {
    // The streaming engine scores one window per frame; the hot path must not touch the heap once its
    // workspace has been sized (HeapWatch: counted allocations, or Eigen's check under sanitizers).
    sbtg::ModelOptions opt;
    opt.kind = ScoreModelKind::kLinear;
    opt.hidden = 16;
    ScoreModel model(opt, 20, 2, 3);
    Workspace ws;
    MatrixXf z = MatrixXf::Random(1, model.dim());
    MatrixXf s(1, model.dim());
    model.Score(z, s, ws);  // warm-up sizes the workspace
    long allocations = 0;
    for (int k = 0; k < 3; ++k) {
      z.setRandom();
      const sbtg::testing::HeapWatch watch;
      model.Score(z, s, ws);
      allocations += watch.Allocations();
    }
    CHECK(allocations == 0);
    CHECK(s.allFinite());
  }
}

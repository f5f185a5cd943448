// Shared sufficient statistics and element-wise helpers for the baseline methods.
#include "engine/baselines/methods.hpp"
#include "sbtg/distributions.hpp"

namespace sbtg::baselines {

LaggedMoments ComputeMoments(const WindowBlocks& windows, bool with_gram) {
  LaggedMoments m;
  m.n = windows.future().cols();
  m.lags = windows.order;
  m.windows = windows.count();
  Eigen::MatrixXd x = windows.PastDesign();
  x.rowwise() -= x.colwise().mean();
  Eigen::MatrixXd y = windows.future();
  y.rowwise() -= y.colwise().mean();
  if (with_gram) {
    // Symmetric rank-N update: half the flops of a general XᵀX product.
    m.gram = Eigen::MatrixXd::Zero(x.cols(), x.cols());
    m.gram.selfadjointView<Eigen::Lower>().rankUpdate(x.transpose());
    m.gram = m.gram.selfadjointView<Eigen::Lower>();
    m.regressor_ss = m.gram.diagonal();
  } else {
    m.regressor_ss = x.colwise().squaredNorm().transpose();
  }
  m.cross.noalias() = x.transpose() * y;
  m.target_ss = y.colwise().squaredNorm().transpose();
  return m;
}

Eigen::MatrixXd StudentTwoSidedP(const Eigen::MatrixXd& t, double df) {
  return t.unaryExpr([df](double v) { return sbtg::StudentTwoSidedP(v, df); });
}

Eigen::MatrixXd StudentTwoSidedP(const Eigen::MatrixXd& t, const Eigen::MatrixXd& df) {
  return t.binaryExpr(df, [](double v, double d) { return sbtg::StudentTwoSidedP(v, d); });
}

Eigen::MatrixXd FisherUpperP(const Eigen::MatrixXd& f, double d1, double d2) {
  return f.unaryExpr([d1, d2](double v) { return sbtg::FisherUpperP(v, d1, d2); });
}

Eigen::MatrixXd SignedLogRatio(const Eigen::MatrixXd& beta, const Eigen::MatrixXd& delta_rss,
                               const Eigen::MatrixXd& rss_full) {
  const Eigen::ArrayXXd gc = (delta_rss.array() / rss_full.array()).log1p();
  return (beta.array().sign() * gc).matrix();
}

}  // namespace sbtg::baselines

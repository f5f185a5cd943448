// Bivariate (pairwise) Granger from sufficient statistics.
//
// For target j and source i the full model regresses y_j on j's own P lags (set o) and i's P lags
// (set s). By Frisch–Waugh, with A = G_oo, S = G_ss − G_so A⁻¹ G_os (the Schur complement) and
// u = c_s − G_so A⁻¹ c_o: β_s = S⁻¹u, RSS_restricted − RSS_full = uᵀS⁻¹u, and dropping lag r of i
// alone removes β_s[r]² / (S⁻¹)_rr. So each pair costs O(P³) on P × P blocks of the Gram matrix G =
// XᵀX and c = Xᵀy, never a pass over the data. The diagonal (i = j) holds the univariate test of
// j's own lags against the intercept alone.
#include <Eigen/Cholesky>
#include <Eigen/LU>
#include <cmath>
#include <limits>
#include <vector>

#include "engine/baselines/methods.hpp"
#include "sbtg/distributions.hpp"

namespace sbtg::baselines {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
// A Schur complement below this fraction of the source's own sum of squares means the source's lags
// are (numerically) a linear function of the target's: the test is undefined there.
constexpr double kMinRelativeSchur = 1e-12;

// Per pair [target, source]; the diagonal holds the univariate (own lags vs intercept) statistics.
struct PairStats {
  std::vector<Eigen::MatrixXd> beta;   // per lag: source coefficient
  std::vector<Eigen::MatrixXd> delta;  // per lag: RSS increase when that lag alone is dropped
  Eigen::MatrixXd joint;               // RSS increase when all P source lags are dropped
  Eigen::MatrixXd rss_full;

  PairStats(Eigen::Index n, int lags)
      : beta(static_cast<size_t>(lags), Eigen::MatrixXd(n, n)),
        delta(static_cast<size_t>(lags), Eigen::MatrixXd(n, n)),
        joint(n, n),
        rss_full(n, n) {}
};

// P = 1: every quantity is a closed-form 2 × 2 expression, evaluated for all pairs as arrays.
void PairsLagOne(const LaggedMoments& m, PairStats& st) {
  const Eigen::ArrayXXd g = m.gram.array();
  const Eigen::ArrayXd d = m.gram.diagonal().array();         // x_i's sum of squares
  const Eigen::ArrayXd c_own = m.cross.diagonal().array();    // Σ x_{t−1,j} y_{t,j}
  const Eigen::ArrayXXd c_src = m.cross.transpose().array();  // (j, i) = Σ x_{t−1,i} y_{t,j}
  const Eigen::ArrayXd rss_own = m.target_ss.array() - c_own.square() / d;
  const Eigen::ArrayXXd schur = d.transpose().replicate(m.n, 1) - g.square().colwise() / d;
  const Eigen::ArrayXXd u = c_src - g.colwise() * (c_own / d);
  const Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic> defined =
      schur > kMinRelativeSchur * d.transpose().replicate(m.n, 1);
  st.beta[0] = defined.select(u / schur, kNan).matrix();
  st.delta[0] = defined.select(u.square() / schur, kNan).matrix();
  st.rss_full = (-st.delta[0].array()).colwise() + rss_own;
  st.joint = st.delta[0];
  // Diagonal: y_j on its own lag only.
  st.beta[0].diagonal() = (c_own / d).matrix();
  st.delta[0].diagonal() = (c_own.square() / d).matrix();
  st.joint.diagonal() = st.delta[0].diagonal();
  st.rss_full.diagonal() = rss_own.matrix();
}

std::vector<Eigen::Index> LagColumns(const LaggedMoments& m, Eigen::Index neuron) {
  std::vector<Eigen::Index> cols;
  for (int r = 1; r <= m.lags; ++r) cols.push_back(DesignColumn(m.n, r, neuron));
  return cols;
}

// Stores one pair's (or the diagonal's) statistics from a coefficient vector β, the inverse of its
// Gram block, the joint RSS drop and the full RSS.
void StorePair(PairStats& st, Eigen::Index j, Eigen::Index i, const Eigen::VectorXd& beta,
               const Eigen::MatrixXd& inverse, double joint, double rss_full) {
  for (Eigen::Index r = 0; r < beta.size(); ++r) {
    st.beta[static_cast<size_t>(r)](j, i) = beta[r];
    st.delta[static_cast<size_t>(r)](j, i) = beta[r] * beta[r] / inverse(r, r);
  }
  st.joint(j, i) = joint;
  st.rss_full(j, i) = rss_full;
}

void StoreUndefined(PairStats& st, Eigen::Index j, Eigen::Index i) {
  for (size_t r = 0; r < st.beta.size(); ++r) st.beta[r](j, i) = st.delta[r](j, i) = kNan;
  st.joint(j, i) = st.rss_full(j, i) = kNan;
}

// General P: per target, the own-lag block is factorised once; per source, a P × P Schur
// complement.
void PairsGeneral(const LaggedMoments& m, PairStats& st) {
  std::vector<std::vector<Eigen::Index>> columns;
  for (Eigen::Index i = 0; i < m.n; ++i) columns.push_back(LagColumns(m, i));
  for (Eigen::Index j = 0; j < m.n; ++j) {
    const std::vector<Eigen::Index>& own = columns[static_cast<size_t>(j)];
    const Eigen::MatrixXd a_inv = m.gram(own, own).inverse();
    const Eigen::VectorXd c_own = m.cross(own, j);
    const Eigen::VectorXd beta_own = a_inv * c_own;
    const double explained = c_own.dot(beta_own);
    const double rss_own = m.target_ss[j] - explained;
    StorePair(st, j, j, beta_own, a_inv, explained, rss_own);
    const Eigen::MatrixXd a_inv_g = a_inv * m.gram(own, Eigen::all);  // P × nP: A⁻¹ G_o·
    for (Eigen::Index i = 0; i < m.n; ++i) {
      if (i == j) continue;
      const std::vector<Eigen::Index>& src = columns[static_cast<size_t>(i)];
      const Eigen::MatrixXd a_inv_g_os = a_inv_g(Eigen::all, src);  // A⁻¹ G_os
      const Eigen::MatrixXd g_ss = m.gram(src, src);
      const Eigen::MatrixXd schur = g_ss - m.gram(src, own) * a_inv_g_os;
      const Eigen::VectorXd u = m.cross(src, j) - a_inv_g_os.transpose() * c_own;
      const Eigen::LLT<Eigen::MatrixXd> llt(schur);
      if (llt.info() != Eigen::Success ||
          !(schur.diagonal().minCoeff() > kMinRelativeSchur * g_ss.diagonal().maxCoeff())) {
        StoreUndefined(st, j, i);
        continue;
      }
      const Eigen::MatrixXd s_inv = llt.solve(Eigen::MatrixXd::Identity(m.lags, m.lags));
      const Eigen::VectorXd beta_src = s_inv * u;
      const double joint = u.dot(beta_src);
      StorePair(st, j, i, beta_src, s_inv, joint, rss_own - joint);
    }
  }
}

// F-test p-values of an RSS drop with `dropped` numerator df: off-diagonal pairs against the
// bivariate model (df_pair), the diagonal against the univariate one (df_self).
Eigen::MatrixXd PairPValues(const Eigen::MatrixXd& delta, const Eigen::MatrixXd& rss_full,
                            int dropped, double df_pair, double df_self) {
  Eigen::MatrixXd f = (delta / dropped).cwiseQuotient(rss_full / df_pair);
  Eigen::MatrixXd p = FisherUpperP(f, dropped, df_pair);
  for (Eigen::Index j = 0; j < p.rows(); ++j) {
    p(j, j) =
        sbtg::FisherUpperP(delta(j, j) / dropped / (rss_full(j, j) / df_self), dropped, df_self);
  }
  return p;
}

}  // namespace

MethodOutput FitGrangerPairwise(const LaggedMoments& m) {
  PairStats st(m.n, m.lags);
  if (m.lags == 1) {
    PairsLagOne(m, st);
  } else {
    PairsGeneral(m, st);
  }
  const auto big_n = static_cast<double>(m.windows);
  const double df_pair = big_n - 2.0 * m.lags - 1.0;  // intercept + own P lags + source P lags
  const double df_self = big_n - m.lags - 1.0;        // intercept + own P lags
  const Eigen::MatrixXd gc_joint = st.joint.cwiseQuotient(st.rss_full).array().log1p().matrix();
  MethodOutput out;
  for (int r = 1; r <= m.lags; ++r) {
    const Eigen::MatrixXd& delta = st.delta[static_cast<size_t>(r - 1)];
    LagResult lag;
    lag.lag = r;
    lag.effect = SignedLogRatio(st.beta[static_cast<size_t>(r - 1)], delta, st.rss_full);
    lag.p = PairPValues(delta, st.rss_full, 1, df_pair, df_self);
    out.lags.push_back(std::move(lag));
  }
  // With one lag the joint test is the per-lag test; the F tail costs microseconds per pair.
  const Eigen::MatrixXd p_joint =
      m.lags == 1 ? out.lags.front().p
                  : PairPValues(st.joint, st.rss_full, m.lags, df_pair, df_self);
  for (LagResult& lag : out.lags) {
    lag.extra["p_joint"] = p_joint;
    lag.extra["gc_joint"] = gc_joint;
  }
  out.settings["df"] = df_pair;
  out.settings["df_diagonal"] = df_self;
  return out;
}

}  // namespace sbtg::baselines

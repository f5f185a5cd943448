// Linear-Gaussian families: VAR(P), independent AR(1) (null), and Poisson counts whose log-rates
// follow a latent VAR(1).
#include <cmath>
#include <string>
#include <utility>

#include "engine/sim/process.hpp"

namespace sbtg::sim {

namespace {

// x_t = Σ_r A_r x_{t−r} + sd·ε_t, started from zero at each segment (the burn-in forgets the
// start).
class VarProcess final : public Process {
 public:
  VarProcess(const std::vector<Eigen::MatrixXd>& a, double sd) : sd_(sd) {
    const Eigen::Index n = a.front().rows();
    for (const Eigen::MatrixXd& m : a) a_.push_back(ToSparse(m));
    history_.assign(a.size(), Eigen::VectorXd::Zero(n));
    next_ = Eigen::VectorXd::Zero(n);
  }
  void Reset(Rng& /*rng*/) override {
    for (Eigen::VectorXd& h : history_) h.setZero();
    head_ = 0;
  }
  void Step(Rng& rng, bool /*record*/) override {
    const size_t p = a_.size();
    FillNormal(rng, next_, sd_);
    // history_[head_] is x_t; lag r0+1 sits r0 slots behind it in the ring.
    for (size_t r0 = 0; r0 < p; ++r0) next_.noalias() += a_[r0] * history_[(head_ + p - r0) % p];
    head_ = (head_ + 1) % p;  // the slot of the oldest lag is no longer needed
    history_[head_].swap(next_);
  }
  void Observe(Eigen::Ref<Eigen::VectorXd> y) const override { y = state(); }
  void Finish(nlohmann::json& /*meta*/, std::vector<Eigen::MatrixXd>& /*truth*/) const override {}
  [[nodiscard]] const Eigen::VectorXd& state() const { return history_[head_]; }

 private:
  std::vector<SparseRM> a_;
  double sd_;
  std::vector<Eigen::VectorXd> history_;
  size_t head_ = 0;
  Eigen::VectorXd next_;
};

// Sparse signed lag matrices plus a positive lag-1 diagonal (self-memory), scaled so the companion
// radius is `target`. Scaling A_r by s^r scales every companion eigenvalue by exactly s.
std::vector<Eigen::MatrixXd> RandomVarMatrices(const SimOptions& o, int order, Rng& rng,
                                               nlohmann::json& meta) {
  std::vector<Eigen::MatrixXd> a;
  for (int r = 0; r < order; ++r)
    a.push_back(RandomCoupling(o.n, o.density, o.excitatory_fraction, rng));
  for (Eigen::Index j = 0; j < o.n; ++j) a[0](j, j) = Uniform(rng, 0.5, 1.0);
  const double raw = CompanionSpectralRadius(a);  // > 0: the companion's trace is positive
  const double s = o.spectral_radius / raw;
  double factor = 1.0;
  for (Eigen::MatrixXd& m : a) {
    factor *= s;
    m *= factor;
  }
  meta["self_memory"] = "lag-1 diagonal uniform in [0.5, 1] before scaling";
  meta["scale_per_lag"] = s;
  meta["spectral_radius_realised"] = s * raw;  // exact: the companion's eigenvalues scale by s
  return a;
}

Model MakeVarModel(std::vector<Eigen::MatrixXd> a, double sd, Eigen::Index n, double period,
                   nlohmann::json meta) {
  Model m;
  m.process = std::make_unique<VarProcess>(a, sd);
  m.names = DefaultNeuronNames(n);
  m.output_period = period;
  meta["innovation_sd"] = sd;
  m.truth = std::move(a);
  m.meta = std::move(meta);
  return m;
}

// Stationary covariance of z_{t+1} = A z_t + sd·ε by the doubling recursion
// S ← S + A_k S A_kᵀ, A_k ← A_k² (Smith 1968); converges when ρ(A) < 1.
Eigen::MatrixXd StationaryCovariance(const Eigen::MatrixXd& a, double sd) {
  Eigen::MatrixXd s = sd * sd * Eigen::MatrixXd::Identity(a.rows(), a.cols());
  Eigen::MatrixXd ak = a;
  for (int k = 0; k < 60 && ak.cwiseAbs().maxCoeff() > 1e-14; ++k) {
    s += ak * s * ak.transpose();
    ak = ak * ak;
  }
  return s;
}

// y_j ~ Poisson(exp(η_j)), η = b + c·z, z a latent VAR(1).
class PoissonProcess final : public Process {
 public:
  PoissonProcess(const Eigen::MatrixXd& a, double sd, double b, double c)
      : latent_({a}, sd), b_(b), c_(c), y_(Eigen::VectorXd::Zero(a.rows())) {}
  [[nodiscard]] Eigen::Index latent_dim() const override { return y_.size(); }
  void Reset(Rng& rng) override { latent_.Reset(rng); }
  void Step(Rng& rng, bool record) override {
    latent_.Step(rng, record);
    const Eigen::VectorXd& z = latent_.state();
    for (Eigen::Index j = 0; j < y_.size(); ++j) {
      const double mean = std::exp(b_ + c_ * z[j]);
      capped_ += record && mean > kMaxCountMean ? 1 : 0;
      y_[j] = SamplePoisson(rng, mean);
    }
    if (!record) return;
    total_ += y_.sum();
    zeros_ += static_cast<double>((y_.array() == 0.0).count());
    cells_ += static_cast<double>(y_.size());
  }
  void Observe(Eigen::Ref<Eigen::VectorXd> y) const override { y = y_; }
  void Latent(Eigen::Ref<Eigen::VectorXd> z) const override { z = latent_.state(); }
  void Finish(nlohmann::json& meta, std::vector<Eigen::MatrixXd>& /*truth*/) const override {
    meta["mean_count"] = cells_ > 0 ? total_ / cells_ : 0.0;
    meta["zero_share"] = cells_ > 0 ? zeros_ / cells_ : 0.0;
    meta["capped_rates"] = capped_;
  }

 private:
  VarProcess latent_;
  double b_;
  double c_;
  Eigen::VectorXd y_;
  double total_ = 0.0;
  double zeros_ = 0.0;
  double cells_ = 0.0;
  long capped_ = 0;
};

}  // namespace

Result<Model> BuildVar(const SimOptions& o, Rng& graph_rng) {
  nlohmann::json meta;
  std::vector<Eigen::MatrixXd> a;
  if (o.var_coefficients.empty()) {
    a = RandomVarMatrices(o, o.order, graph_rng, meta);
    meta["coefficients"] = "random";
  } else {
    a = o.var_coefficients;
    meta["coefficients"] = "explicit (SimOptions.var_coefficients)";
    const double radius = CompanionSpectralRadius(a);
    if (!(radius < 1.0)) {
      return Status::InvalidArgument("SimOptions.var_coefficients: companion spectral radius " +
                                     std::to_string(radius) + " >= 1, the VAR is not stationary");
    }
    meta["spectral_radius_realised"] = radius;
  }
  meta["truth_definition"] = "A_r, the VAR coefficient of lag r (diagonal = self-memory)";
  return MakeVarModel(std::move(a), o.noise, o.n, o.frame_period, std::move(meta));
}

Result<Model> BuildNull(const SimOptions& o, Rng& /*graph_rng*/) {
  nlohmann::json meta = {{"ar_coefficient", o.ar_coefficient},
                         {"spectral_radius_realised", std::abs(o.ar_coefficient)},
                         {"truth_definition", "all zero: independent AR(1) neurons, no edges"}};
  const Eigen::MatrixXd a = o.ar_coefficient * Eigen::MatrixXd::Identity(o.n, o.n);
  Model m = MakeVarModel({a}, o.noise, o.n, o.frame_period, std::move(meta));
  m.truth = {Eigen::MatrixXd::Zero(o.n, o.n)};  // the self-memory φ is not an edge
  return m;
}

Result<Model> BuildPoisson(const SimOptions& o, Rng& graph_rng) {
  nlohmann::json meta;
  std::vector<Eigen::MatrixXd> a = RandomVarMatrices(o, 1, graph_rng, meta);
  const Eigen::MatrixXd cov = StationaryCovariance(a[0], o.noise);
  const double mean_var = cov.diagonal().mean();
  // One common scale c keeps the log-rates' coupling equal to A: η_{t+1} − b = A(η_t − b) + c·sd·ε.
  const double c = mean_var > 0.0 ? o.count_gain / std::sqrt(mean_var) : 0.0;
  // E[exp(c z)] = exp(c² var / 2) for Gaussian z, so this b gives `baseline_rate` counts on
  // average.
  const double b = std::log(o.baseline_rate) - 0.5 * o.count_gain * o.count_gain;
  meta["latent_scale_c"] = c;
  meta["log_rate_offset_b"] = b;
  meta["latent_stationary_variance_mean"] = mean_var;
  meta["truth_definition"] =
      "A of the latent VAR(1) z (diagonal = self-memory); also the coupling of the log-rates b + "
      "c·z";
  Model m;
  m.process = std::make_unique<PoissonProcess>(a[0], o.noise, b, c);
  m.names = DefaultNeuronNames(o.n);
  for (const std::string& name : m.names) m.latent_names.push_back("z_" + name);
  m.output_period = o.frame_period;
  m.truth = std::move(a);
  m.meta = std::move(meta);
  return m;
}

}  // namespace sbtg::sim

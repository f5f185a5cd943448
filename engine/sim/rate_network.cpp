// Saturating rate networks: x_{t+1} = (1−λ)x_t + λ·tanh(g·(W1(s_t) x_t + W2 x_{t−1}) + b) + sd·ε.
// One process serves tanh (W2 = 0, one state), tanh_lag2 (W2 ≠ 0) and gated (two latent states
// s_t following a symmetric two-state Markov chain); the connectome family reuses it too.
#include <algorithm>
#include <array>
#include <cmath>
#include <utility>

#include "engine/sim/process.hpp"

namespace sbtg::sim {

namespace {

// Jacobian of the map at the origin for coupling w: (1−λ)I + λ·g·w.
Eigen::MatrixXd OriginJacobian(const Eigen::MatrixXd& w, double gain, double leak) {
  Eigen::MatrixXd j = leak * gain * w;
  j.diagonal().array() += 1.0 - leak;
  return j;
}

class RateNetwork final : public Process {
 public:
  explicit RateNetwork(RateNetworkSpec spec) : spec_(std::move(spec)) {
    for (const Eigen::MatrixXd& w : spec_.w1) w1_.push_back(ToSparse(spec_.gain * w));
    if (spec_.w2.size() > 0) w2_ = ToSparse(spec_.gain * spec_.w2);
    const Eigen::Index n = spec_.bias.size();
    x_ = x_prev_ = next_ = u_ = Eigen::VectorXd::Zero(n);
    occupancy_.assign(w1_.size(), 0.0);
  }
  [[nodiscard]] Eigen::Index latent_dim() const override { return gated() ? 1 : 0; }

  void Reset(Rng& rng) override {
    // A random start breaks the symmetry of the origin; the burn-in forgets it.
    for (Eigen::Index j = 0; j < x_.size(); ++j) x_[j] = Uniform(rng, -0.5, 0.5);
    x_prev_ = x_;
    state_ = gated() && Bernoulli(rng, 0.5) ? 1 : 0;
    recorded_in_segment_ = 0;
    if (gated()) runs_.push_back(nlohmann::json::array());
  }

  void Step(Rng& rng, bool record) override {
    u_.noalias() = w1_[state_] * x_;
    if (w2_.nonZeros() > 0) u_.noalias() += w2_ * x_prev_;
    u_ += spec_.bias;
    tanh_u_ = u_.array().tanh();
    FillNormal(rng, next_, spec_.innovation_sd);
    next_ += (1.0 - spec_.leak) * x_ + spec_.leak * tanh_u_.matrix();
    if (record) Count();
    used_state_ = state_;
    x_prev_.swap(x_);
    x_.swap(next_);
    if (gated() && Bernoulli(rng, spec_.switch_probability)) state_ = 1 - state_;
  }

  void Observe(Eigen::Ref<Eigen::VectorXd> y) const override { y = x_; }
  void Latent(Eigen::Ref<Eigen::VectorXd> z) const override { z[0] = used_state_; }

  void Finish(nlohmann::json& meta, std::vector<Eigen::MatrixXd>& truth) const override {
    const double cells = static_cast<double>(x_.size()) * total_recorded_;
    meta["saturation_share_gt1"] = cells > 0 ? saturated1_ / cells : 0.0;
    meta["saturation_share_gt2"] = cells > 0 ? saturated2_ / cells : 0.0;
    // E[sech²(u)]: how much of the origin Jacobian λ·g·W survives on average (1 = linear regime).
    meta["mean_tanh_slope"] = cells > 0 ? slope_sum_ / cells : 0.0;
    if (gated()) FinishGated(meta, truth);
  }

 private:
  [[nodiscard]] bool gated() const { return w1_.size() > 1; }

  void Count() {
    const Eigen::ArrayXd a = u_.array().abs();
    saturated1_ += static_cast<double>((a > 1.0).count());
    saturated2_ += static_cast<double>((a > 2.0).count());
    slope_sum_ += (1.0 - tanh_u_.square()).sum();
    total_recorded_ += 1.0;
    occupancy_[static_cast<size_t>(state_)] += 1.0;
    if (gated() && (recorded_in_segment_ == 0 || state_ != used_state_)) {
      runs_.back().push_back({recorded_in_segment_, state_});
    }
    ++recorded_in_segment_;
  }

  // Truth = Jacobian at the origin of the occupancy-weighted coupling Σ_s f_s W_s, f_s the share of
  // recorded frames generated in state s.
  void FinishGated(nlohmann::json& meta, std::vector<Eigen::MatrixXd>& truth) const {
    Eigen::MatrixXd average = Eigen::MatrixXd::Zero(x_.size(), x_.size());
    nlohmann::json per_state = nlohmann::json::array();
    std::vector<double> share;
    for (size_t s = 0; s < spec_.w1.size(); ++s) {
      share.push_back(total_recorded_ > 0 ? occupancy_[s] / total_recorded_ : 0.0);
      average += share.back() * spec_.w1[s];
      per_state.push_back(EdgeList(spec_.leak * spec_.gain * spec_.w1[s]));
    }
    truth[0] = OriginJacobian(average, spec_.gain, spec_.leak);
    // Every run entry opens a visit; the first of each segment is not a switch.
    size_t visits = 0;
    for (const auto& segment_runs : runs_) visits += segment_runs.size();
    meta["state_occupancy"] = share;
    meta["state_switches"] = visits - runs_.size();
    meta["mean_dwell_realised"] = visits > 0 ? total_recorded_ / static_cast<double>(visits) : 0.0;
    meta["state_coupling"] = std::move(per_state);  // λ·g·W_s per state as [target, source, value]
    meta["state_runs"] = runs_;  // per segment: [first recorded frame, state] at every change
  }

  RateNetworkSpec spec_;
  std::vector<SparseRM> w1_;  // g·W1 per state
  SparseRM w2_;               // g·W2
  Eigen::VectorXd x_, x_prev_, next_, u_;
  Eigen::ArrayXd tanh_u_;
  int state_ = 0;
  int used_state_ = 0;  // the state that generated the current x_
  // Statistics over recorded frames.
  double saturated1_ = 0.0;
  double saturated2_ = 0.0;
  double slope_sum_ = 0.0;
  double total_recorded_ = 0.0;
  std::vector<double> occupancy_;
  long recorded_in_segment_ = 0;
  nlohmann::json runs_ = nlohmann::json::array();
};

// Scales every matrix in `ws` by the one factor that brings the radius of `reference` to the target
// (one eigensolve), and writes the realised radii of W, g·W and the origin Jacobian to `meta`.
void ScaleTogether(std::vector<Eigen::MatrixXd*> ws, const Eigen::MatrixXd& reference,
                   double target, const SimOptions& o, nlohmann::json& meta) {
  const Spectrum spectrum = ComputeSpectrum(reference);
  bool fallback = false;
  const double s = RadiusScale(reference, spectrum.radius, target, &fallback);
  meta["radius_fallback"] = fallback;  // acyclic graph: scaled by the circular-law estimate instead
  AddRateRadiusMeta(spectrum, reference, s, o.gain, o.leak, meta);  // before `reference` may change
  for (Eigen::MatrixXd* w : ws) *w *= s;
}

}  // namespace

RateNetworkSpec BaseRateSpec(const SimOptions& o, Eigen::Index n, Rng& rng) {
  RateNetworkSpec spec;
  spec.gain = o.gain;
  spec.leak = o.leak;
  spec.innovation_sd = kTanhNoiseScale * o.noise;
  spec.bias.resize(n);
  FillNormal(rng, spec.bias, kTanhBiasSd);
  return spec;
}

void AddRateRadiusMeta(const Spectrum& spectrum, const Eigen::MatrixXd& w, double scale, double gain,
                       double leak, nlohmann::json& meta) {
  meta["spectral_radius_W"] = scale * spectrum.radius;
  meta["spectral_radius_gW"] = gain * scale * spectrum.radius;
  // Above 1 the origin is unstable and the network is spontaneously active. With the eigenvalues μ
  // of W at hand, those of (1−λ)I + λ·g·s·W are (1−λ) + λ·g·s·μ: no second eigensolve.
  if (spectrum.eigenvalues.size() == 0) {
    meta["spectral_radius_origin_jacobian"] = SpectralRadius(OriginJacobian(scale * w, gain, leak));
    return;
  }
  const Eigen::VectorXcd jacobian =
      (leak * gain * scale) * spectrum.eigenvalues.array() + (1.0 - leak);
  meta["spectral_radius_origin_jacobian"] = jacobian.cwiseAbs().maxCoeff();
}

Model MakeRateNetwork(RateNetworkSpec spec, nlohmann::json meta) {
  Model m;
  const Eigen::Index n = spec.bias.size();
  Eigen::MatrixXd mean_w1 = Eigen::MatrixXd::Zero(n, n);
  for (const Eigen::MatrixXd& w : spec.w1) mean_w1 += w / static_cast<double>(spec.w1.size());
  m.truth.push_back(OriginJacobian(mean_w1, spec.gain, spec.leak));
  if (spec.w2.size() > 0) m.truth.emplace_back(spec.leak * spec.gain * spec.w2);
  m.names = DefaultNeuronNames(n);
  if (spec.w1.size() > 1) m.latent_names = {"state"};
  meta["innovation_sd"] = spec.innovation_sd;
  meta["bias_sd"] = kTanhBiasSd;
  meta["truth_definition"] =
      "Jacobian at the origin: lag 1 = (1-leak)I + leak*gain*W1, lag 2 = leak*gain*W2";
  m.meta = std::move(meta);
  m.process = std::make_unique<RateNetwork>(std::move(spec));
  return m;
}

Result<Model> BuildTanh(const SimOptions& o, Rng& graph_rng) {
  nlohmann::json meta;
  Eigen::MatrixXd w = RandomCoupling(o.n, o.density, o.excitatory_fraction, graph_rng);
  ScaleTogether({&w}, w, o.spectral_radius, o, meta);  // reads w before scaling it
  RateNetworkSpec spec = BaseRateSpec(o, o.n, graph_rng);
  spec.w1 = {std::move(w)};
  Model m = MakeRateNetwork(std::move(spec), std::move(meta));
  m.output_period = o.frame_period;
  return m;
}

Result<Model> BuildTanhLag2(const SimOptions& o, Rng& graph_rng) {
  nlohmann::json meta;
  Eigen::MatrixXd w1 = RandomCoupling(o.n, o.density, o.excitatory_fraction, graph_rng);
  // Lag-2 edges only where there is no lag-1 edge, so each pair's lag is unambiguous.
  Eigen::MatrixXd w2 = RandomCoupling(o.n, o.density, o.excitatory_fraction, graph_rng, &w1);
  // The slow part of the input is g·(W1 + W2)x, so their sum carries the requested radius.
  const Eigen::MatrixXd sum = w1 + w2;
  ScaleTogether({&w1, &w2}, sum, o.spectral_radius, o, meta);  // radii in meta are of W1 + W2
  meta["lag2_density"] =
      "density*(1-density): lag-2 edges are drawn only on pairs without a lag-1 edge";
  RateNetworkSpec spec = BaseRateSpec(o, o.n, graph_rng);
  spec.w1 = {std::move(w1)};
  spec.w2 = std::move(w2);
  Model m = MakeRateNetwork(std::move(spec), std::move(meta));
  m.output_period = o.frame_period;
  return m;
}

namespace {

// Per-state couplings from a base graph: each edge is, with probability 1/3 each, always on, on in
// one state only (half each), or sign-flipping. A flipping edge draws an independent magnitude for
// state 1 so that its occupancy-weighted average is not zero.
std::array<Eigen::MatrixXd, 2> SplitByState(const Eigen::MatrixXd& base, Rng& rng,
                                            nlohmann::json& meta) {
  std::array<Eigen::MatrixXd, 2> w{base, base};
  long always = 0, only0 = 0, only1 = 0, flip = 0;
  for (Eigen::Index i = 0; i < base.cols(); ++i) {
    for (Eigen::Index j = 0; j < base.rows(); ++j) {
      if (base(j, i) == 0.0) continue;
      const double u = Uniform(rng, 0.0, 1.0);
      const double other = Uniform(rng, 0.5, 1.0);
      if (u < 1.0 / 3.0) {
        ++always;
      } else if (u < 1.0 / 2.0) {
        w[1](j, i) = 0.0;
        ++only0;
      } else if (u < 2.0 / 3.0) {
        w[0](j, i) = 0.0;
        ++only1;
      } else {
        w[1](j, i) = base(j, i) > 0.0 ? -other : other;
        ++flip;
      }
    }
  }
  meta["edge_categories"] = {
      {"always_on", always}, {"only_state0", only0}, {"only_state1", only1}, {"sign_flip", flip}};
  return w;
}

// One factor for both states, chosen so that the larger of the two radii is the requested one.
void ScaleStates(std::array<Eigen::MatrixXd, 2>& w, const SimOptions& o, nlohmann::json& meta) {
  const std::array<Spectrum, 2> spectra{ComputeSpectrum(w[0]), ComputeSpectrum(w[1])};
  const size_t larger = spectra[0].radius >= spectra[1].radius ? 0 : 1;
  bool fallback = false;
  const double s = RadiusScale(w[larger], spectra[larger].radius, o.spectral_radius, &fallback);
  nlohmann::json per_state = nlohmann::json::array();
  for (size_t k = 0; k < 2; ++k) {
    nlohmann::json facts;
    AddRateRadiusMeta(spectra[k], w[k], s, o.gain, o.leak, facts);
    per_state.push_back(std::move(facts));
    w[k] *= s;
  }
  meta["radius_fallback"] = fallback;
  meta["radii_per_state"] = std::move(per_state);
}

}  // namespace

Result<Model> BuildGated(const SimOptions& o, Rng& graph_rng) {
  nlohmann::json meta;
  const Eigen::MatrixXd base = RandomCoupling(o.n, o.density, o.excitatory_fraction, graph_rng);
  std::array<Eigen::MatrixXd, 2> w = SplitByState(base, graph_rng, meta);
  ScaleStates(w, o, meta);
  meta["switch_probability"] = 1.0 / o.gate_dwell;
  RateNetworkSpec spec = BaseRateSpec(o, o.n, graph_rng);
  spec.w1 = {std::move(w[0]), std::move(w[1])};
  spec.switch_probability = 1.0 / o.gate_dwell;
  Model m = MakeRateNetwork(std::move(spec), std::move(meta));
  m.meta["truth_definition"] =
      "lag 1 = (1-leak)I + leak*gain*(occupancy-weighted mean of the per-state W); support = union";
  m.output_period = o.frame_period;
  return m;
}

}  // namespace sbtg::sim

// Count families: discrete-time Hawkes/GLM counts, and the same spiking network seen through a
// calcium indicator (double-exponential kernel, saturating fluorescence, additive noise, optional
// downsampling).
#include <cmath>
#include <string>
#include <utility>

#include "engine/sim/process.hpp"

namespace sbtg::sim {

namespace {

// y_{t,j} ~ Poisson(softplus(b + Σ_i W_ji y_{t−1,i})), started from zero counts.
class HawkesProcess final : public Process {
 public:
  HawkesProcess(const Eigen::MatrixXd& w, double b)
      : w_(ToSparse(w)),
        b_(b),
        y_(Eigen::VectorXd::Zero(w.rows())),
        u_(Eigen::VectorXd::Zero(w.rows())) {}
  void Reset(Rng& /*rng*/) override { y_.setZero(); }
  void Step(Rng& rng, bool record) override {
    u_.noalias() = w_ * y_;  // from the previous counts, before they are replaced
    for (Eigen::Index j = 0; j < y_.size(); ++j) {
      const double rate = Softplus(b_ + u_[j]);
      capped_ += record && rate > kMaxCountMean ? 1 : 0;
      y_[j] = SamplePoisson(rng, rate);
    }
    if (!record) return;
    total_ += y_.sum();
    cells_ += static_cast<double>(y_.size());
  }
  void Observe(Eigen::Ref<Eigen::VectorXd> y) const override { y = y_; }
  void Finish(nlohmann::json& meta, std::vector<Eigen::MatrixXd>& /*truth*/) const override {
    meta["mean_count_per_step"] = cells_ > 0 ? total_ / cells_ : 0.0;
    meta["capped_rates"] = capped_;
  }
  [[nodiscard]] const Eigen::VectorXd& counts() const { return y_; }

 private:
  SparseRM w_;
  double b_;
  Eigen::VectorXd y_, u_;
  double total_ = 0.0;
  double cells_ = 0.0;
  long capped_ = 0;
};

struct IndicatorSpec {
  double rise_decay = 0.0;   // per simulation step: exp(−Δ/τ_rise)
  double decay_decay = 0.0;  // exp(−Δ/τ_decay)
  double peak_norm = 1.0;    // makes one spike's peak 1
  double saturation = 2.0;   // K
  double noise_sd = 0.05;
  int downsample = 1;
};

// Largest value over whole steps m >= 1 of exp(−mΔ/τd) − exp(−mΔ/τr): one spike's discrete peak.
double KernelPeak(double decay_decay, double rise_decay) {
  double peak = 0.0;
  double d = 1.0;
  double r = 1.0;
  for (int m = 1; m < 1000000 && d > 1e-9; ++m) {
    d *= decay_decay;
    r *= rise_decay;
    peak = std::max(peak, d - r);
  }
  return peak;
}

// Calcium c = Σ_spikes kernel, with the double-exponential kernel run as two first-order filters
// (a spike at step s enters at s + 1); F = c / (c + K) + noise, sampled every `downsample` steps.
class CalciumProcess final : public Process {
 public:
  CalciumProcess(const Eigen::MatrixXd& w, double b, IndicatorSpec spec)
      : spikes_(w, b), spec_(spec) {
    const Eigen::Index n = w.rows();
    slow_ = fast_ = f_ = noise_ = spike_sum_ = Eigen::VectorXd::Zero(n);
  }
  [[nodiscard]] Eigen::Index latent_dim() const override { return f_.size(); }
  void Reset(Rng& rng) override {
    spikes_.Reset(rng);
    slow_.setZero();
    fast_.setZero();
  }
  void Step(Rng& rng, bool record) override {
    spike_sum_.setZero();
    for (int s = 0; s < spec_.downsample; ++s) {
      spikes_.Step(rng, record);
      const Eigen::VectorXd& y = spikes_.counts();
      slow_ = spec_.decay_decay * slow_ + y;
      fast_ = spec_.rise_decay * fast_ + y;
      spike_sum_ += y;
    }
    const Eigen::ArrayXd c = spec_.peak_norm * (slow_ - fast_).array();
    FillNormal(rng, noise_, spec_.noise_sd);
    f_ = (c / (c + spec_.saturation)).matrix() + noise_;
    if (!record) return;
    calcium_sum_ += c.sum();
    above_half_ += static_cast<double>((c > spec_.saturation).count());
    cells_ += static_cast<double>(c.size());
  }
  void Observe(Eigen::Ref<Eigen::VectorXd> y) const override { y = f_; }
  void Latent(Eigen::Ref<Eigen::VectorXd> z) const override { z = spike_sum_; }
  void Finish(nlohmann::json& meta, std::vector<Eigen::MatrixXd>& truth) const override {
    spikes_.Finish(meta, truth);
    meta["mean_calcium"] = cells_ > 0 ? calcium_sum_ / cells_ : 0.0;
    // Share of frames past half saturation (c > K): there a spike moves F by less than half.
    meta["saturation_share"] = cells_ > 0 ? above_half_ / cells_ : 0.0;
  }

 private:
  HawkesProcess spikes_;
  IndicatorSpec spec_;
  Eigen::VectorXd slow_, fast_, f_, noise_, spike_sum_;
  double calcium_sum_ = 0.0;
  double above_half_ = 0.0;
  double cells_ = 0.0;
};

// Sparse signed W (no self-terms) scaled so the excitatory part max(W, 0) has the requested radius:
// softplus(u) <= log 2 + max(u, 0), so the rates are bounded by a linear Hawkes process with
// branching matrix max(W, 0), stable when its radius is < 1.
Eigen::MatrixXd SpikeCoupling(const SimOptions& o, Rng& rng, nlohmann::json& meta) {
  Eigen::MatrixXd w = RandomCoupling(o.n, o.density, o.excitatory_fraction, rng);
  const Eigen::MatrixXd excitatory = w.cwiseMax(0.0);
  bool fallback = false;
  const double radius = SpectralRadius(excitatory);
  const double scale = RadiusScale(excitatory, radius, o.spectral_radius, &fallback);
  w *= scale;
  meta["radius_fallback"] = fallback;
  meta["spectral_radius_excitatory"] = scale * radius;
  return w;
}

Model MakeSpikingModel(const SimOptions& o, Eigen::MatrixXd w, nlohmann::json meta) {
  Model m;
  m.names = DefaultNeuronNames(o.n);
  m.truth = {std::move(w)};
  m.meta = std::move(meta);
  m.meta["truth_definition"] =
      "W: weight of a source count at lag 1 in the target's softplus argument";
  return m;
}

}  // namespace

Result<Model> BuildHawkes(const SimOptions& o, Rng& graph_rng) {
  nlohmann::json meta;
  Eigen::MatrixXd w = SpikeCoupling(o, graph_rng, meta);
  const double b = std::log(std::expm1(o.baseline_rate));  // softplus(b) = baseline_rate
  meta["baseline_drive_b"] = b;
  Model m = MakeSpikingModel(o, w, std::move(meta));
  m.process = std::make_unique<HawkesProcess>(w, b);
  m.output_period = o.frame_period;
  return m;
}

Result<Model> BuildCalcium(const SimOptions& o, Rng& graph_rng) {
  nlohmann::json meta;
  Eigen::MatrixXd w = SpikeCoupling(o, graph_rng, meta);
  const double b = std::log(std::expm1(o.calcium_baseline_rate));
  IndicatorSpec spec;
  spec.rise_decay = std::exp(-o.frame_period / o.calcium_rise);
  spec.decay_decay = std::exp(-o.frame_period / o.calcium_decay);
  spec.peak_norm = 1.0 / KernelPeak(spec.decay_decay, spec.rise_decay);
  spec.saturation = o.calcium_saturation;
  spec.noise_sd = o.fluorescence_noise;
  spec.downsample = o.downsample;
  meta["baseline_drive_b"] = b;
  meta["simulation_step"] = o.frame_period;
  meta["kernel_peak_norm"] = spec.peak_norm;
  meta["lag_mapping"] =
      "spikes couple at lag 1 simulation step; the truth is stated at lag 1 output frame "
      "(downsample k "
      "steps per frame): with k > 1 part of the effect lands within the same output frame";
  Model m = MakeSpikingModel(o, w, std::move(meta));
  m.latent_names.clear();
  for (const std::string& name : m.names) m.latent_names.push_back("spikes_" + name);
  m.process = std::make_unique<CalciumProcess>(w, b, spec);
  m.output_period = o.frame_period * o.downsample;
  return m;
}

}  // namespace sbtg::sim

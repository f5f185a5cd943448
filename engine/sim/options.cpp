// SimFamily names and SimOptions validation.
#include <array>
#include <cmath>
#include <sstream>
#include <string>
#include <utility>

#include "engine/sim/process.hpp"

namespace sbtg {

namespace {

constexpr std::array<std::pair<SimFamily, std::string_view>, 9> kFamilyNames{{
    {SimFamily::kVar, "var"},
    {SimFamily::kTanh, "tanh"},
    {SimFamily::kTanhLag2, "tanh_lag2"},
    {SimFamily::kGated, "gated"},
    {SimFamily::kPoisson, "poisson"},
    {SimFamily::kHawkes, "hawkes"},
    {SimFamily::kCalcium, "calcium"},
    {SimFamily::kNull, "null"},
    {SimFamily::kConnectome, "connectome"},
}};

template <typename T>
Status Bad(const std::string& field, const T& value, const std::string& requirement) {
  std::ostringstream msg;
  msg << "SimOptions." << field << " = " << value << ": " << requirement;
  return Status::InvalidArgument(msg.str());
}

bool IsTanhFamily(SimFamily f) {
  return f == SimFamily::kTanh || f == SimFamily::kTanhLag2 || f == SimFamily::kGated ||
         f == SimFamily::kConnectome;
}

// Fields every family uses.
Status ValidateCommon(const SimOptions& o) {
  if (o.family != SimFamily::kConnectome && o.n < 2)
    return Bad("n", o.n, "need at least 2 neurons");
  if (o.frames < 10) return Bad("frames", o.frames, "need at least 10 frames per segment");
  if (o.segments < 1) return Bad("segments", o.segments, "need at least 1 segment");
  if (o.burn_in < 0) return Bad("burn_in", o.burn_in, "must be >= 0");
  if (!(o.density > 0.0 && o.density <= 1.0)) return Bad("density", o.density, "must be in (0, 1]");
  if (!(o.excitatory_fraction >= 0.0 && o.excitatory_fraction <= 1.0)) {
    return Bad("excitatory_fraction", o.excitatory_fraction, "must be in [0, 1]");
  }
  if (!(o.noise >= 0.0 && std::isfinite(o.noise)))
    return Bad("noise", o.noise, "must be finite and >= 0");
  if (!(o.frame_period > 0.0 && std::isfinite(o.frame_period))) {
    return Bad("frame_period", o.frame_period, "must be a finite number of seconds > 0");
  }
  if (!(o.spectral_radius > 0.0 && std::isfinite(o.spectral_radius))) {
    return Bad("spectral_radius", o.spectral_radius, "must be finite and > 0");
  }
  return Status::Ok();
}

Status ValidateVar(const SimOptions& o) {
  if (o.order < 1 || o.order > 50) return Bad("order", o.order, "must be in [1, 50]");
  if (o.spectral_radius >= 1.0) {
    return Bad("spectral_radius", o.spectral_radius, "must be < 1 for a stationary VAR");
  }
  if (o.var_coefficients.empty()) return Status::Ok();
  if (static_cast<int>(o.var_coefficients.size()) != o.order) {
    return Bad("var_coefficients", o.var_coefficients.size(),
               "must hold exactly `order` = " + std::to_string(o.order) + " matrices");
  }
  for (size_t r = 0; r < o.var_coefficients.size(); ++r) {
    const Eigen::MatrixXd& a = o.var_coefficients[r];
    const std::string field = "var_coefficients[" + std::to_string(r) + "]";
    if (a.rows() != o.n || a.cols() != o.n) {
      return Bad(field, std::to_string(a.rows()) + "x" + std::to_string(a.cols()),
                 "must be n x n with n = " + std::to_string(o.n));
    }
    if (!a.allFinite()) return Bad(field, "(matrix)", "contains NaN or Inf");
  }
  return Status::Ok();
}

Status ValidateTanh(const SimOptions& o) {
  if (!(o.gain > 0.0 && std::isfinite(o.gain)))
    return Bad("gain", o.gain, "must be finite and > 0");
  if (!(o.leak > 0.0 && o.leak <= 1.0)) return Bad("leak", o.leak, "must be in (0, 1]");
  if (o.family == SimFamily::kTanhLag2 && o.density > 0.5) {
    return Bad("density", o.density,
               "tanh_lag2 draws disjoint lag-1 and lag-2 edges: must be <= 0.5");
  }
  if (o.family == SimFamily::kGated && !(o.gate_dwell >= 2.0 && std::isfinite(o.gate_dwell))) {
    return Bad("gate_dwell", o.gate_dwell, "must be a finite number of frames >= 2");
  }
  if (o.family == SimFamily::kConnectome) {
    if (o.connectome_path.empty()) {
      return Bad("connectome_path", "\"\"", "family connectome needs a connectome matrix file");
    }
    if (o.connectome_max_neurons < 0 || o.connectome_max_neurons == 1) {
      return Bad("connectome_max_neurons", o.connectome_max_neurons, "must be 0 (all) or >= 2");
    }
  }
  return Status::Ok();
}

Status ValidateCounts(const SimOptions& o) {
  if (o.family == SimFamily::kCalcium) {
    if (!(o.calcium_baseline_rate > 0.0 && o.calcium_baseline_rate < 100.0)) {
      return Bad("calcium_baseline_rate", o.calcium_baseline_rate,
                 "must be in (0, 100) spikes per step");
    }
  } else if (!(o.baseline_rate > 0.0 && o.baseline_rate < 100.0)) {
    return Bad("baseline_rate", o.baseline_rate, "must be in (0, 100) counts per frame");
  }
  if (o.family == SimFamily::kPoisson) {
    if (o.spectral_radius >= 1.0) {
      return Bad("spectral_radius", o.spectral_radius, "must be < 1 for the stationary latent VAR");
    }
    if (!(o.count_gain >= 0.0 && o.count_gain <= 5.0))
      return Bad("count_gain", o.count_gain, "must be in [0, 5]");
    return Status::Ok();
  }
  if (o.spectral_radius >= 1.0) {
    return Bad("spectral_radius", o.spectral_radius,
               "must be < 1: it is the branching ratio of the excitatory couplings");
  }
  if (o.family != SimFamily::kCalcium) return Status::Ok();
  if (!(o.calcium_rise > 0.0)) return Bad("calcium_rise", o.calcium_rise, "must be > 0 seconds");
  if (!(o.calcium_decay > o.calcium_rise && std::isfinite(o.calcium_decay))) {
    return Bad("calcium_decay", o.calcium_decay, "must be finite and > calcium_rise");
  }
  if (!(o.calcium_saturation > 0.0 && std::isfinite(o.calcium_saturation))) {
    return Bad("calcium_saturation", o.calcium_saturation, "must be finite and > 0");
  }
  if (!(o.fluorescence_noise >= 0.0 && std::isfinite(o.fluorescence_noise))) {
    return Bad("fluorescence_noise", o.fluorescence_noise, "must be finite and >= 0");
  }
  if (o.downsample < 1) return Bad("downsample", o.downsample, "must be >= 1");
  return Status::Ok();
}

}  // namespace

Result<SimFamily> ParseSimFamily(std::string_view name) {
  for (const auto& [family, text] : kFamilyNames) {
    if (text == name) return family;
  }
  std::string known;
  for (const auto& entry : kFamilyNames)
    known += (known.empty() ? "" : ", ") + std::string(entry.second);
  return Status::InvalidArgument("unknown simulator family '" + std::string(name) +
                                 "' (known: " + known + ")");
}

std::string_view ToString(SimFamily family) {
  for (const auto& [f, text] : kFamilyNames) {
    if (f == family) return text;
  }
  return "unknown";
}

std::vector<SimFamily> AllSimFamilies() {
  std::vector<SimFamily> out;
  for (const auto& entry : kFamilyNames) {
    if (entry.first != SimFamily::kConnectome) out.push_back(entry.first);
  }
  return out;
}

Status SimOptions::Validate() const {
  SBTG_RETURN_IF_ERROR(ValidateCommon(*this));
  switch (family) {
    case SimFamily::kVar:
      return ValidateVar(*this);
    case SimFamily::kNull:
      if (!(ar_coefficient > -1.0 && ar_coefficient < 1.0)) {
        return Bad("ar_coefficient", ar_coefficient, "must be in (-1, 1) for a stationary AR(1)");
      }
      return Status::Ok();
    case SimFamily::kPoisson:
    case SimFamily::kHawkes:
    case SimFamily::kCalcium:
      return ValidateCounts(*this);
    default:
      break;
  }
  if (IsTanhFamily(family)) return ValidateTanh(*this);
  return Status::InvalidArgument("SimOptions.family: unknown value");
}

namespace sim {

nlohmann::json OptionsToJson(const SimOptions& o) {
  nlohmann::json j = {
      {"family", ToString(o.family)},
      {"n", o.n},
      {"frames", o.frames},
      {"segments", o.segments},
      {"density", o.density},
      {"excitatory_fraction", o.excitatory_fraction},
      {"noise", o.noise},
      {"frame_period", o.frame_period},
      {"seed", o.seed},
      {"order", o.order},
      {"spectral_radius", o.spectral_radius},
      {"gain", o.gain},
      {"leak", o.leak},
      {"ar_coefficient", o.ar_coefficient},
      {"burn_in", o.burn_in},
      {"calcium_rise", o.calcium_rise},
      {"calcium_decay", o.calcium_decay},
      {"calcium_saturation", o.calcium_saturation},
      {"fluorescence_noise", o.fluorescence_noise},
      {"downsample", o.downsample},
      {"connectome_path", o.connectome_path},
      {"connectome_rows_are_sources", o.connectome_rows_are_sources},
      {"connectome_max_neurons", o.connectome_max_neurons},
      {"connectome_cell_types_path", o.connectome_cell_types_path},
      {"gate_dwell", o.gate_dwell},
      {"baseline_rate", o.baseline_rate},
      {"calcium_baseline_rate", o.calcium_baseline_rate},
      {"count_gain", o.count_gain},
  };
  nlohmann::json coefficients = nlohmann::json::array();
  for (const Eigen::MatrixXd& a : o.var_coefficients) {
    nlohmann::json rows = nlohmann::json::array();
    for (Eigen::Index r = 0; r < a.rows(); ++r) {
      rows.push_back(nlohmann::json::array());
      for (Eigen::Index c = 0; c < a.cols(); ++c) rows.back().push_back(a(r, c));
    }
    coefficients.push_back(std::move(rows));
  }
  j["var_coefficients"] = std::move(coefficients);
  return j;
}

}  // namespace sim
}  // namespace sbtg

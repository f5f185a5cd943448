#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sbtg/eval.hpp"
#include "support/test_support.hpp"

using sbtg::NeuronClass;
using sbtg::NormalizeNeuronName;

namespace {

// Comma-separated fields of one line (the files read here have no quoted fields).
std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string field;
  while (std::getline(ss, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

std::set<std::string> NormalizedCookNames(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::set<std::string> names;
  std::getline(in, line);
  const auto header = SplitCsv(line);
  for (size_t k = 1; k < header.size(); ++k) names.insert(NormalizeNeuronName(header[k]));
  while (std::getline(in, line)) names.insert(NormalizeNeuronName(SplitCsv(line)[0]));
  return names;
}

}  // namespace

TEST_SUITE("EvalNames") {
  TEST_CASE("EvalNames.NormalizeRealNames") {
    // Cook et al. 2019 (zero-padded ventral cord, mixed-case non-neurons).
    CHECK(NormalizeNeuronName("DA01") == "DA1");
    CHECK(NormalizeNeuronName("DA09") == "DA9");
    CHECK(NormalizeNeuronName("VB01") == "VB1");
    CHECK(NormalizeNeuronName("AS10") == "AS10");
    CHECK(NormalizeNeuronName("VD13") == "VD13");
    CHECK(NormalizeNeuronName("CEPshDL") == "CEPSHDL");
    CHECK(NormalizeNeuronName("IL1DL") == "IL1DL");
    // Randi et al. 2023 nodes (unpadded).
    CHECK(NormalizeNeuronName("DA1") == "DA1");
    CHECK(NormalizeNeuronName("AS1") == "AS1");
    CHECK(NormalizeNeuronName("I1L") == "I1L");
    // Flavell NeuroPAL labels: padded VB02, '?' where the side is unknown, stray case/space.
    CHECK(NormalizeNeuronName("VB02") == "VB2");
    CHECK(NormalizeNeuronName("RMF?") == "RMF");
    CHECK(NormalizeNeuronName("SAAD?") == "SAAD");
    CHECK(NormalizeNeuronName(" aval ") == "AVAL");
    CHECK(NormalizeNeuronName("") == "");
    CHECK(NormalizeNeuronName("?") == "");
  }

  TEST_CASE("EvalNames.ClassesOfRealNames") {
    CHECK(NeuronClass("AVAL") == "AVA");
    CHECK(NeuronClass("AVAR") == "AVA");
    CHECK(NeuronClass("RMDDL") == "RMD");
    CHECK(NeuronClass("RMDL") == "RMD");
    CHECK(NeuronClass("RMED") == "RME");
    CHECK(NeuronClass("SABD") == "SAB");
    CHECK(NeuronClass("IL1VR") == "IL1");
    CHECK(NeuronClass("CEPshDL") == "CEPSH");
    CHECK(NeuronClass("DA01") == "DA");
    CHECK(NeuronClass("AS10") == "AS");
    CHECK(NeuronClass("VB02") == "VB");
    CHECK(NeuronClass("I1L") == "I1");
    CHECK(NeuronClass("MCL") == "MC");
    CHECK(NeuronClass("OLLL") == "OLL");
    CHECK(NeuronClass("ADLR") == "ADL");
    CHECK(NeuronClass("AVDL") == "AVD");  // D here is part of the class name
    CHECK(NeuronClass("RID") == "RID");
    // Singletons whose name ends in L/R keep it.
    CHECK(NeuronClass("AVL") == "AVL");
    CHECK(NeuronClass("PVR") == "PVR");
    CHECK(NeuronClass("RIR") == "RIR");
    CHECK(NeuronClass("AQR") == "AQR");
    // NeuroPAL labels with an unknown side join their class.
    CHECK(NeuronClass("RMF?") == "RMF");
    CHECK(NeuronClass("RMDD?") == "RMD");
    CHECK(NeuronClass("SAAD?") == "SAA");
    CHECK(NeuronClass("SIBV?") == "SIB");
    CHECK(NeuronClass("AIY?") == "AIY");
    // Idempotent on class names, including the ones ending in L/R/D/V.
    for (const char* cls :
         {"OLL", "ADL", "AVL", "PVR", "RMD", "AVD", "SMD", "VB", "IL1", "CEPSH"}) {
      CHECK(NeuronClass(cls) == cls);
    }
  }

  TEST_CASE("EvalNames.ClassNamesKeepOrderAndUnlabelled") {
    const std::vector<std::string> names = {"AVAR", "", "RIML", "AVAL", "", "VB02", "VB1"};
    const std::vector<std::string> want = {"AVA", "", "RIM", "", "VB"};
    CHECK(sbtg::ClassNames(names) == want);
  }

  TEST_CASE("EvalNames.ClassesMatchNemaNode") {
    // Every neuron of NemaNode's cell table (type codes s/i/m/n) must map to its listed class, with
    // NemaNode's ventral-cord classes "DAn" written as "DA" here.
    const auto dir = sbtg::testing::SharedDataOrSkip("celegans_connectome_and_celltypes");
    if (!dir) return;
    std::ifstream in(*dir / "nemanode_cells.csv");
    REQUIRE(in.good());
    std::string line;
    std::getline(in, line);
    int neurons = 0;
    while (std::getline(in, line)) {
      const auto f = SplitCsv(line);
      REQUIRE(f.size() >= 3);
      if (f[2].find_first_of("simn") == std::string::npos) continue;
      std::string cls = f[1];
      if (cls.back() == 'n') cls.pop_back();  // DAn → DA, ..., VCn → VC
      cls = NormalizeNeuronName(cls);
      INFO(f[0]);
      CHECK(NeuronClass(f[0]) == cls);
      ++neurons;
    }
    CHECK(neurons == 300);
  }

  TEST_CASE("EvalNames.AllSourcesJoinCook") {
    // Every Randi atlas node and every confidently labelled Flavell neuron is a Cook name after
    // normalisation; labels with '?' (side unknown) are not, by design.
    const auto data = sbtg::testing::SharedDataOrSkip();
    if (!data) return;
    const auto cook = NormalizedCookNames(*data / "connectome" / "herm_chem_cells.csv");
    REQUIRE(cook.size() == 454);
    std::ifstream nodes(*data / "leifer_randi2023_funconn" / "nodes_wt.txt");
    std::string line;
    int randi = 0;
    while (std::getline(nodes, line)) {
      if (line.empty()) continue;
      INFO(line);
      CHECK(cook.count(NormalizeNeuronName(line)) == 1);
      ++randi;
    }
    CHECK(randi == 188);
    int labelled = 0, uncertain = 0;
    for (const auto& entry :
         std::filesystem::directory_iterator(*data / "flavell_dag2023_wholebrain")) {
      std::ifstream in(entry.path() / "neurons.csv");
      if (!in) continue;
      std::getline(in, line);
      while (std::getline(in, line)) {
        const std::string label = SplitCsv(line).at(2);
        if (label.empty()) continue;
        if (label.back() == '?') {
          ++uncertain;
          CHECK(cook.count(NormalizeNeuronName(label)) == 0);
          continue;
        }
        INFO(label);
        CHECK(cook.count(NormalizeNeuronName(label)) == 1);
        ++labelled;
      }
    }
    CHECK(labelled > 400);
    CHECK(uncertain > 0);
  }

  TEST_CASE("EvalNames.AggregateToClasses") {
    // Neurons AVAL, AVAR, RIML, DA01 → classes AVA (0, 1), RIM (2), DA (3).
    sbtg::FitResult r;
    r.method = "m";
    r.names = {"AVAL", "AVAR", "RIML", "DA01"};
    sbtg::LagResult lag;
    lag.effect = Eigen::MatrixXd::Zero(4, 4);
    lag.effect(2, 0) = 0.3;   // AVAL → RIML
    lag.effect(2, 1) = -0.6;  // AVAR → RIML
    lag.effect(0, 1) = 5.0;   // AVAR → AVAL: inside the class, only the class diagonal sees it
    lag.effect(0, 0) = 9.0;   // a self-effect is never a member pair
    lag.p = Eigen::MatrixXd::Constant(4, 4, 0.5);
    lag.p(2, 0) = 0.01;
    lag.p(2, 1) = std::numeric_limits<double>::quiet_NaN();
    lag.p(0, 0) = 0.0;
    lag.selected = sbtg::Int8Matrix::Zero(4, 4);
    lag.selected(2, 0) = 1;
    r.lags.push_back(lag);
    const auto agg = sbtg::AggregateToClasses(r);
    REQUIRE(agg.ok());
    CHECK(agg->names == std::vector<std::string>{"AVA", "RIM", "DA"});
    const sbtg::LagResult& a = agg->lags.at(0);
    CHECK(a.effect(1, 0) == doctest::Approx(-0.6));  // largest |effect|, sign kept
    CHECK(a.p(1, 0) == doctest::Approx(0.01));       // min p, NaN ignored
    CHECK(a.selected(1, 0) == 1);                    // the only selected member
    CHECK(a.effect(0, 0) == doctest::Approx(5.0));   // class diagonal from AVAR → AVAL, not 9
    CHECK(a.p(0, 0) == doctest::Approx(0.5));
    CHECK(a.effect(2, 1) == doctest::Approx(0.0));
    CHECK(std::isnan(a.effect(2, 2)));  // DA has one member: no member pair on its diagonal
    r.lags[0].q = Eigen::MatrixXd::Zero(3, 3);
    CHECK_FALSE(sbtg::AggregateToClasses(r).ok());
  }
}

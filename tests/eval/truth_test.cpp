#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <string>
#include <vector>

#include "sbtg/eval.hpp"
#include "support/test_support.hpp"

namespace {

std::filesystem::path WriteFile(const std::string& test, const std::string& name,
                                const std::string& text) {
  const auto path = sbtg::testing::ScratchDir(test) / name;
  std::ofstream(path) << text;
  return path;
}

sbtg::MatrixTruthOptions Options(bool rows_are_sources) {
  sbtg::MatrixTruthOptions o;
  o.rows_are_sources = rows_are_sources;
  return o;
}

// A Cook-layout file: rows = presynaptic sources (3 neurons), columns = targets (plus a muscle).
// Edges: AVAL→DA01 6, ASHL→AVAL 15, DA01→mu 2.
constexpr const char* kCookLike =
    "pre\\post,AVAL,DA01,ASHL,dBWML1\n"
    "AVAL,0,6,0,0\n"
    "DA01,0,0,0,2\n"
    "ASHL,15,0,0,0\n";

}  // namespace

TEST_SUITE("EvalTruth") {
  TEST_CASE("EvalTruth.OrientationAndJoin") {
    const auto file = WriteFile("truth_orient", "cook.csv", kCookLike);
    // Recording names in another order, another spelling (DA1), one absent from the truth (RIML).
    const std::vector<std::string> rec = {"DA1", "AVAL", "RIML", "ashl"};
    auto truth = sbtg::LoadMatrixTruth(file, rec, Options(true));
    REQUIRE(truth.ok());
    REQUIRE(truth->any_lag);
    const Eigen::MatrixXd& t = *truth->any_lag;  // [target, source] over rec
    CHECK(truth->names == rec);
    CHECK(t(0, 1) == 6.0);       // target DA1, source AVAL
    CHECK(t(1, 0) == 0.0);       // target AVAL, source DA1: defined, no edge
    CHECK(t(1, 3) == 15.0);      // ASHL → AVAL
    CHECK(std::isnan(t(2, 1)));  // RIML absent: undefined
    CHECK(std::isnan(t(1, 2)));
    CHECK(std::isnan(t(0, 0)));  // diagonal
    CHECK_FALSE(truth->signed_truth);
    CHECK(truth->description.find("3/4 names joined") != std::string::npos);
    // The other orientation reads the same file transposed.
    truth = sbtg::LoadMatrixTruth(file, rec, Options(false));
    REQUIRE(truth.ok());
    CHECK((*truth->any_lag)(1, 0) == 6.0);
    CHECK((*truth->any_lag)(0, 1) == 0.0);
  }

  TEST_CASE("EvalTruth.ThresholdUndirectedAndDuplicates") {
    const auto file = WriteFile("truth_options", "cook.csv", kCookLike);
    sbtg::MatrixTruthOptions o = Options(true);
    o.threshold = 10.0;
    auto truth = sbtg::LoadMatrixTruth(file, {"AVAL", "DA01", "ASHL"}, o);
    REQUIRE(truth.ok());
    CHECK((*truth->any_lag)(1, 0) == 0.0);   // 6 ≤ 10
    CHECK((*truth->any_lag)(0, 2) == 15.0);  // 15 > 10
    o.threshold = 0.0;
    o.undirected = true;
    truth = sbtg::LoadMatrixTruth(file, {"AVAL", "DA01", "ASHL"}, o);
    REQUIRE(truth.ok());
    CHECK((*truth->any_lag)(1, 0) == 6.0);
    CHECK((*truth->any_lag)(0, 1) == 6.0);
    // One neuron recorded twice: the pair between the two columns is not a pair.
    truth = sbtg::LoadMatrixTruth(file, {"AVAL", "DA01", "AVAL"}, Options(true));
    REQUIRE(truth.ok());
    CHECK(std::isnan((*truth->any_lag)(2, 0)));
    CHECK((*truth->any_lag)(1, 2) == 6.0);
    o = Options(true);
    o.threshold = -1.0;
    const auto bad = sbtg::LoadMatrixTruth(file, {"AVAL"}, o);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.status().message().find("threshold") != std::string::npos);
  }

  TEST_CASE("EvalTruth.Errors") {
    const auto file = WriteFile("truth_errors", "cook.csv", kCookLike);
    auto truth = sbtg::LoadMatrixTruth(file, {"n001", "n002"}, Options(true));
    REQUIRE_FALSE(truth.ok());
    CHECK(truth.status().message().find("none of the 2 recording names") != std::string::npos);
    const auto dup = WriteFile("truth_errors_dup", "dup.csv", "x,DA01,DA1\nAVAL,1,2\n");
    truth = sbtg::LoadMatrixTruth(dup, {"AVAL", "DA1"}, Options(true));
    REQUIRE_FALSE(truth.ok());
    CHECK(truth.status().message().find("'DA01' and 'DA1'") != std::string::npos);
    CHECK_FALSE(
        sbtg::LoadMatrixTruth(file.parent_path() / "absent.csv", {"AVAL"}, Options(true)).ok());
    const auto ragged = WriteFile("truth_errors_ragged", "r.csv", "ADAL,ADAR\n0,1\n1\n");
    truth = sbtg::LoadMatrixTruth(ragged, {"ADAL", "ADAR"}, Options(true));
    REQUIRE_FALSE(truth.ok());
    CHECK(truth.status().message().find("line 3") != std::string::npos);
  }

  TEST_CASE("EvalTruth.MatrixWithoutRowNames") {
    // The Randi atlas layout: header = names, rows unnamed in header order. Row 1 = ADAL
    // stimulated.
    const auto file =
        WriteFile("truth_unlabelled", "m.csv", "ADAL,ADAR,ADEL\n0,0,22\n0,0,0\n-3,0,0\n");
    const auto truth = sbtg::LoadMatrixTruth(file, {"ADEL", "ADAL"}, Options(true));
    REQUIRE(truth.ok());
    CHECK((*truth->any_lag)(0, 1) == 22.0);  // ADAL → ADEL
    CHECK((*truth->any_lag)(1, 0) == -3.0);  // ADEL → ADAL
  }

  TEST_CASE("EvalTruth.EdgeList") {
    const auto csv =
        WriteFile("truth_edges", "e.csv",
                  "pre_stimulated,post_responding,weight\nADAL,ADEL,22\nADAL,AS1,-12\n");
    sbtg::MatrixTruthOptions o = Options(true);
    o.signed_truth = true;
    auto truth = sbtg::LoadEdgeListTruth(csv, {"AS01", "ADAL", "ADEL", "AVAL"}, o);
    REQUIRE(truth.ok());
    const Eigen::MatrixXd& t = *truth->any_lag;
    CHECK(t(2, 1) == 22.0);
    CHECK(t(0, 1) == -12.0);
    CHECK(t(1, 2) == 0.0);       // listed names, unlisted pair: no edge
    CHECK(std::isnan(t(3, 1)));  // AVAL not in the list
    CHECK(truth->signed_truth);
    const auto tsv = WriteFile("truth_edges_tsv", "p.tsv", "ADAL\tADEL\t22\nADEL\tADAL\t0\n");
    truth = sbtg::LoadEdgeListTruth(tsv, {"ADAL", "ADEL"}, Options(true));
    REQUIRE(truth.ok());
    CHECK((*truth->any_lag)(1, 0) == 22.0);
    const auto dup = WriteFile("truth_edges_dup", "d.csv", "A,B,1\nA,C,1\nA,B,2\n");
    truth = sbtg::LoadEdgeListTruth(dup, {"A", "B"}, Options(true));
    REQUIRE_FALSE(truth.ok());
    CHECK(truth.status().message().find("line 3: pair A -> B repeats line 1") != std::string::npos);
  }

  TEST_CASE("EvalTruth.ClassLevel") {
    // Class AVA has an edge to DA if any member pair has one (AVAL → DA01 = 6); recording AVAR and
    // DA02 only: the class truth does not depend on which members were recorded.
    const auto file = WriteFile("truth_class", "cook.csv", kCookLike);
    sbtg::MatrixTruthOptions o = Options(true);
    o.class_level = true;
    const std::vector<std::string> rec = {"AVAR", "DA02", "ASHR", "AVAL"};
    const auto truth = sbtg::LoadMatrixTruth(file, rec, o);
    REQUIRE(truth.ok());
    CHECK(truth->names == std::vector<std::string>{"AVA", "DA", "ASH"});
    const Eigen::MatrixXd& t = *truth->any_lag;
    CHECK(t(1, 0) == 6.0);   // AVA → DA
    CHECK(t(0, 2) == 15.0);  // ASH → AVA
    CHECK(t(0, 1) == 0.0);
    CHECK(std::isnan(t(0, 0)));
  }

  TEST_CASE("EvalTruth.CookOrientationOnRealData") {
    // Cook et al. 2019: AVAL→DA01 = 6, DA01→AVAL = 0, ASHL→AVAL = 15 (row = presynaptic).
    // Transposing the file would swap these, so this fails if orientation is wrong.
    const auto dir = sbtg::testing::SharedDataOrSkip("connectome");
    if (!dir) return;
    const auto truth =
        sbtg::LoadMatrixTruth(*dir / "herm_chem_cells.csv", {"AVAL", "DA1", "ASHL"}, Options(true));
    REQUIRE(truth.ok());
    const Eigen::MatrixXd& t = *truth->any_lag;
    CHECK(t(1, 0) == 6.0);   // [target DA1, source AVAL]: edge
    CHECK(t(0, 1) == 0.0);   // [target AVAL, source DA1]: none
    CHECK(t(0, 2) == 15.0);  // [AVAL, ASHL]
    CHECK(t(2, 0) == 0.0);
    // Gap junctions: AVAL–PVCL is listed once (5) in the asymmetric sheet; undirected or the
    // symmetric sheet give both directions.
    sbtg::MatrixTruthOptions o = Options(true);
    o.undirected = true;
    const auto gap = sbtg::LoadMatrixTruth(*dir / "herm_gap_asym_cells.csv", {"AVAL", "PVCL"}, o);
    const auto sym =
        sbtg::LoadMatrixTruth(*dir / "herm_gap_sym_cells.csv", {"AVAL", "PVCL"}, Options(true));
    REQUIRE(gap.ok());
    REQUIRE(sym.ok());
    CHECK((*gap->any_lag)(1, 0) == 5.0);
    CHECK((*gap->any_lag)(0, 1) == 5.0);
    CHECK((*sym->any_lag)(0, 1) == 5.0);
  }

  TEST_CASE("EvalTruth.RandiOrientationOnRealData") {
    // Randi et al. 2023: ADAL (stimulated) → ADEL = 22, ADEL → ADAL = 0; ADAL → AS1 = −12.
    const auto dir = sbtg::testing::SharedDataOrSkip("leifer_randi2023_funconn");
    if (!dir) return;
    sbtg::MatrixTruthOptions o = Options(true);
    o.signed_truth = true;
    const std::vector<std::string> rec = {"ADAL", "ADEL", "AS01"};
    const auto truth = sbtg::LoadMatrixTruth(*dir / "funconn_wt_matrix.csv", rec, o);
    REQUIRE(truth.ok());
    const Eigen::MatrixXd& t = *truth->any_lag;
    CHECK(t(1, 0) == 22.0);
    CHECK(t(0, 1) == 0.0);
    CHECK(t(2, 0) == -12.0);
    CHECK(truth->signed_truth);
  }

  TEST_CASE("EvalTruth.RandiMatrixEqualsPairList") {
    // The dense matrix (no row names) and the complete pair list must give the same truth over all
    // 188 nodes: 1131 non-zero directed pairs (README), none on the diagonal.
    const auto dir = sbtg::testing::SharedDataOrSkip("leifer_randi2023_funconn");
    if (!dir) return;
    std::vector<std::string> nodes;
    std::ifstream in(*dir / "nodes_wt.txt");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) nodes.push_back(line);
    }
    REQUIRE(nodes.size() == 188);
    const auto matrix = sbtg::LoadMatrixTruth(*dir / "funconn_wt_matrix.csv", nodes, Options(true));
    const auto pairs = sbtg::LoadEdgeListTruth(*dir / "funconn_wt_pairs.tsv", nodes, Options(true));
    const auto edges = sbtg::LoadEdgeListTruth(*dir / "funconn_wt_edges.csv", nodes, Options(true));
    REQUIRE(matrix.ok());
    REQUIRE(pairs.ok());
    REQUIRE(edges.ok());
    const Eigen::MatrixXd& m = *matrix->any_lag;
    const Eigen::MatrixXd off = m.unaryExpr([](double v) { return std::isnan(v) ? 0.0 : v; });
    CHECK((off.array() != 0).count() == 1131);
    CHECK((m.array().isNaN()).count() == 188);  // the diagonal only
    CHECK(
        off.isApprox(pairs->any_lag->unaryExpr([](double v) { return std::isnan(v) ? 0.0 : v; })));
    // The non-zero edge list covers fewer names (only those in some edge); where both define a
    // pair they agree.
    const Eigen::MatrixXd& e = *edges->any_lag;
    const auto both = !e.array().isNaN() && !m.array().isNaN();
    CHECK(both.count() > 0);
    CHECK((both && (e.array() != m.array())).count() == 0);
  }

  TEST_CASE("EvalTruth.FlavellLabelsJoinRandi") {
    // A real NeuroPAL label list joins the atlas by name; '?' labels and unlabelled columns do not.
    const auto data = sbtg::testing::SharedDataOrSkip();
    if (!data) return;
    std::ifstream in(*data / "flavell_dag2023_wholebrain" / "2022-07-27-38" / "neurons.csv");
    REQUIRE(in.good());
    std::vector<std::string> labels;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      const size_t a = line.find(',');
      const size_t b = line.find(',', a + 1);
      const size_t c = line.find(',', b + 1);
      labels.push_back(line.substr(b + 1, c - b - 1));
    }
    REQUIRE(labels.size() == 135);
    sbtg::MatrixTruthOptions o = Options(true);
    const auto truth = sbtg::LoadMatrixTruth(
        *data / "leifer_randi2023_funconn" / "funconn_wt_matrix.csv", labels, o);
    REQUIRE(truth.ok());
    CHECK(truth->description.find("names joined") != std::string::npos);
    // URADL occurs twice in this recording: the pair between its two columns is undefined.
    std::vector<size_t> urad;
    for (size_t k = 0; k < labels.size(); ++k) {
      if (labels[k] == "URADL") urad.push_back(k);
    }
    REQUIRE(urad.size() == 2);
    const auto j = static_cast<Eigen::Index>(urad[0]), i = static_cast<Eigen::Index>(urad[1]);
    CHECK(std::isnan((*truth->any_lag)(j, i)));
    // At class level "RMDD?" and "SAAD?" join their classes.
    o.class_level = true;
    const auto cls = sbtg::LoadMatrixTruth(
        *data / "leifer_randi2023_funconn" / "funconn_wt_matrix.csv", labels, o);
    REQUIRE(cls.ok());
    const auto& names = cls->names;
    CHECK(std::find(names.begin(), names.end(), "RMD") != names.end());
    CHECK(std::find(names.begin(), names.end(), "SAA") != names.end());
  }
}

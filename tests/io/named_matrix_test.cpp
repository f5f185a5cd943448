#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "io/io_test_util.hpp"
#include "sbtg/io.hpp"
#include "support/test_support.hpp"

using sbtg::testing::CheckError;
using sbtg::testing::ScratchDir;
using sbtg::testing::WriteFile;

namespace {

Eigen::Index IndexOf(const std::vector<std::string>& names, const std::string& name) {
  const auto it = std::find(names.begin(), names.end(), name);
  REQUIRE_MESSAGE(it != names.end(), "name " << name << " not found");
  return it - names.begin();
}

double At(const sbtg::NamedMatrix& m, const std::string& row, const std::string& col) {
  return m.values(IndexOf(m.row_names, row), IndexOf(m.col_names, col));
}

}  // namespace

TEST_SUITE("NamedMatrix") {
  TEST_CASE("NamedMatrix.CookChemicalRowIsPresynaptic") {
    const auto data = sbtg::testing::SharedDataOrSkip("connectome");
    if (!data) return;
    auto m = sbtg::ReadNamedMatrixCsv(*data / "herm_chem_cells.csv");
    REQUIRE_MESSAGE(m.ok(), m.status().ToString());
    // README: 300 × 454 (rows: neurons; columns also muscles and end organs), 4879 nonzero, sum
    // 28113.
    CHECK(m->values.rows() == 300);
    CHECK(m->values.cols() == 454);
    CHECK((m->values.array() != 0).count() == 4879);
    CHECK(m->values.sum() == 28113.0);
    CHECK(At(*m, "AVAL", "DA01") == 6.0);
    CHECK(At(*m, "DA01", "AVAL") == 0.0);
    CHECK(At(*m, "ASHL", "AVAL") == 15.0);
    CHECK(At(*m, "AIYL", "AIZL") == 67.0);
    CHECK(m->col_names.front() == "I1L");  // the corner cell "pre\post" is not a column
  }

  TEST_CASE("NamedMatrix.RandiAtlasHasNoRowNames") {
    // funconn_wt_matrix.csv: first line = the 188 node names with no corner cell, then 188 lines of
    // 188 integers without row names; rows follow the header order (README: row = stimulated).
    const auto data = sbtg::testing::SharedDataOrSkip("leifer_randi2023_funconn");
    if (!data) return;
    auto m = sbtg::ReadNamedMatrixCsv(*data / "funconn_wt_matrix.csv");
    REQUIRE_MESSAGE(m.ok(), m.status().ToString());
    CHECK(m->values.rows() == 188);
    CHECK(m->values.cols() == 188);
    CHECK(m->row_names == m->col_names);
    std::vector<std::string> nodes;
    std::ifstream in(*data / "nodes_wt.txt");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) nodes.push_back(line);
    }
    CHECK(m->col_names == nodes);
    // README: 1,131 non-zero pairs (990 positive, 141 negative), no self-pairs; edges file rows
    // ADAL → ADEL = 22 and ADAL → AS1 = -12.
    CHECK((m->values.array() != 0).count() == 1131);
    CHECK((m->values.array() > 0).count() == 990);
    CHECK(m->values.diagonal().isZero());
    CHECK(At(*m, "ADAL", "ADEL") == 22.0);
    CHECK(At(*m, "ADAL", "AS1") == -12.0);
  }

  TEST_CASE("NamedMatrix.ThreeLayouts") {
    const auto dir = ScratchDir("named_layouts");
    WriteFile(dir / "corner.csv", "pre\\post,x,y,z\na,1,2,3\nb,4,5,6\n");
    WriteFile(dir / "nocorner.csv", "x,y,z\na,1,2,3\nb,4,5,6\n");
    for (const char* name : {"corner.csv", "nocorner.csv"}) {
      CAPTURE(name);
      auto m = sbtg::ReadNamedMatrixCsv(dir / name);
      REQUIRE_MESSAGE(m.ok(), m.status().ToString());
      CHECK(m->row_names == std::vector<std::string>{"a", "b"});
      CHECK(m->col_names == std::vector<std::string>{"x", "y", "z"});
      CHECK(m->values(1, 2) == 6.0);
    }
    WriteFile(dir / "square.csv", "x,y\n1,2\n3,4\n");
    auto m = sbtg::ReadNamedMatrixCsv(dir / "square.csv");
    REQUIRE_MESSAGE(m.ok(), m.status().ToString());
    CHECK(m->row_names == std::vector<std::string>{"x", "y"});
    CHECK(m->values(1, 0) == 3.0);
  }

  TEST_CASE("NamedMatrix.Errors") {
    const auto dir = ScratchDir("named_errors");
    struct Case {
      const char* what;
      std::string text;
      std::vector<std::string> fragments;
    };
    const std::vector<Case> cases = {
        {"empty", "", {"empty file"}},
        {"header only", "c,x,y\n", {"header but no data rows"}},
        {"not square", "x,y\n1,2\n", {"no row names", "square"}},
        {"ragged first", "c,x,y\na,1\n", {"line 2", "2 fields", "header has 3"}},
        {"ragged later", "c,x,y\na,1,2\nb,1\n", {"line 3", "expected 3 fields", "found 2"}},
        {"non-numeric", "c,x,y\na,1,2\nb,1,oops\n", {"line 3", "column 3 ('y')", "'oops'"}},
        {"nan", "c,x,y\na,1,nan\n", {"line 2", "column 3 ('y')", "not a finite number"}},
        {"duplicate column", "c,x,x\na,1,2\n", {"column name 'x' appears twice"}},
        {"duplicate row", "c,x\na,1\na,2\n", {"row name 'a' appears twice", "rows 1 and 2"}},
    };
    for (const auto& c : cases) {
      CAPTURE(c.what);
      WriteFile(dir / "m.csv", c.text);
      auto m = sbtg::ReadNamedMatrixCsv(dir / "m.csv");
      CheckError(m.status(), {(dir / "m.csv").string()});
      for (const auto& f : c.fragments) CheckError(m.status(), {f});
    }
    CheckError(sbtg::ReadNamedMatrixCsv(dir / "absent.csv").status(),
               {"absent.csv", "no such file"});
  }
}

#include "tools/sbtg/commands.hpp"

namespace sbtg::cli {

void RegisterEval(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("eval", "(not built yet)");
  sub->callback([&exit_code] { exit_code = ReportError("eval", Status::Unavailable("not implemented yet")); });
}

}  // namespace sbtg::cli

#include "tools/sbtg/commands.hpp"

namespace sbtg::cli {

void RegisterSimulate(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("simulate", "(not built yet)");
  sub->callback([&exit_code] { exit_code = ReportError("simulate", Status::Unavailable("not implemented yet")); });
}

}  // namespace sbtg::cli

#include "tools/sbtg/commands.hpp"

namespace sbtg::cli {

void RegisterFit(CLI::App& app, int& exit_code) {
  auto* sub = app.add_subcommand("fit", "(not built yet)");
  sub->callback([&exit_code] { exit_code = ReportError("fit", Status::Unavailable("not implemented yet")); });
}

}  // namespace sbtg::cli

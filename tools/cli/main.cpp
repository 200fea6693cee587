// speecht5 command line. Subcommands register themselves (command.h); errors are reported
// here, at the boundary, as one line on stderr and a non-zero exit status.
#include <cstdio>
#include <map>

#include "command.h"
#include "core/error.h"

namespace speecht5::cli {
std::vector<CommandInfo>& command_registry() {
  static std::vector<CommandInfo> registry;
  return registry;
}
}  // namespace speecht5::cli

int main(int argc, char** argv) {
  using namespace speecht5;
  CLI::App app{"speecht5: text to speech with Microsoft SpeechT5, in C++"};
  app.require_subcommand(0, 1);
  std::map<CLI::App*, cli::CommandRun> runs;
  for (auto& info : cli::command_registry()) {
    CLI::App* sub = app.add_subcommand(info.name, info.description);
    runs[sub] = info.setup(*sub);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);  // prints usage; non-zero for real errors, 0 for --help
  } catch (const Error& e) {
    std::fprintf(stderr, "speecht5: error: %s\n", e.what());
    return 1;
  }
  try {
    for (auto& [sub, run] : runs)
      if (sub->parsed()) return run();
    std::fputs(app.help().c_str(), stderr);
    return 2;
  } catch (const Error& e) {
    std::fprintf(stderr, "speecht5: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "speecht5: internal error: %s\n", e.what());
    return 1;
  }
}

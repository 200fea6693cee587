// speecht5 command line. Subcommands register themselves (command.h); errors are reported
// here, at the boundary, as one line on stderr and a non-zero exit status.
#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>
#include <map>

#include "command.h"
#include "core/error.h"

#ifndef SPEECHT5_CLI_VERSION
#define SPEECHT5_CLI_VERSION "speecht5.cpp"
#endif

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
  app.set_version_flag("--version", SPEECHT5_CLI_VERSION);
  app.footer(
      "With no command, `synth` is assumed:\n"
      "  speecht5 \"Hello world.\" -o hello.wav\n"
      "  speecht5 synth --help    for all synthesis options");
  // `speecht5 [synth] ...`: anything that is not a command name or a top-level flag is
  // handed to synth, the way local TTS command lines are used.
  std::vector<std::string> args(argv + 1, argv + argc);
  const bool has_synth = std::any_of(cli::command_registry().begin(), cli::command_registry().end(),
                                     [](const cli::CommandInfo& c) { return c.name == "synth"; });
  if (has_synth && !args.empty()) {
    const std::string& first = args.front();
    const bool is_command = std::any_of(cli::command_registry().begin(), cli::command_registry().end(),
                                        [&](const cli::CommandInfo& c) { return c.name == first; });
    const bool is_top_flag = first == "--help" || first == "-h" || first == "--version";
    if (!is_command && !is_top_flag) args.insert(args.begin(), "synth");
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes the vector in reverse order
  try {
    app.parse(args);
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

// `speecht5 voices`: lists the voices compiled into the binary.
#include <cstdio>

#include "command.h"
#include "runtime/voices.h"

namespace speecht5::cli {
namespace {

RegisterCommand voices_command("voices", "List the built-in voices (CMU ARCTIC x-vectors)", [](CLI::App&) -> CommandRun {
  return [] {
    for (const auto& voice : builtin_voices())
      std::printf("%-4s  %-30s  %s\n", voice.name, voice.description, voice.source);
    return 0;
  };
});

}  // namespace
}  // namespace speecht5::cli

// `speecht5 [synth] [options] [TEXT...]`: text (or token ids) → speech. The options are declared
// in synth_options.cpp and run by synth_run.cpp; the work itself is runtime::Synthesizer.
#include <memory>

#include "command.h"
#include "synth_options.h"

namespace speecht5::cli {
namespace {

RegisterCommand synth_command("synth", "Synthesize speech from text (the default command)",
                              [](CLI::App& sub) -> CommandRun {
                                auto args = std::make_shared<SynthArgs>();
                                add_synth_options(sub, *args);
                                return [args] { return run_synth(*args); };
                              });

}  // namespace
}  // namespace speecht5::cli

// `speecht5 download REPO_ID [--revision REV]`: fetches a model into the Hugging Face cache
// (or checks that the cached copy is current) and prints the snapshot folder.
#include <cstdio>

#include "command.h"
#include "io/hub.h"

namespace speecht5::cli {
namespace {

struct DownloadArgs {
  std::string repo_id;
  std::string revision = "main";
  std::string cache_dir;
};

const RegisterCommand kRegister(
    "download", "Download a model from the Hugging Face Hub into the cache", [](CLI::App& sub) {
      auto args = std::make_shared<DownloadArgs>();
      sub.add_option("repo_id", args->repo_id, "Hub repository, e.g. microsoft/speecht5_tts")
          ->required();
      sub.add_option("--revision", args->revision, "Branch, tag or commit hash")
          ->capture_default_str();
      sub.add_option("--cache-dir", args->cache_dir,
                     "Cache folder (default: HF_HUB_CACHE, else HF_HOME/hub, else "
                     "~/.cache/huggingface/hub)");
      sub.footer(
          "Honours HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE and HF_HUB_OFFLINE=1 (cache "
          "only). Prints the snapshot folder, usable as --model.");
      return [args]() {
        io::HubOptions options = io::HubOptions::from_environment();
        options.revision = args->revision;
        if (!args->cache_dir.empty()) options.cache_dir = args->cache_dir;
        options.refresh = true;  // an explicit download checks the Hub for a newer revision
        const auto snapshot = io::download_model_snapshot(args->repo_id, options);
        std::printf("%s\n", snapshot.string().c_str());
        return 0;
      };
    });

}  // namespace
}  // namespace speecht5::cli

// `speecht5 download [REPO_ID...] [--revision REV]`: fetches models into the Hugging Face cache
// (or checks that the cached copies are current) and prints one snapshot folder per repo. With
// no repo id it fetches the default TTS model and vocoder, to prepare a machine for offline use.
#include <cstdio>

#include "command.h"
#include "io/hub.h"

namespace speecht5::cli {
namespace {

struct DownloadArgs {
  std::vector<std::string> repo_ids;
  std::string revision = "main";
  std::string cache_dir;
};

const RegisterCommand kRegister(
    "download", "Download models from the Hugging Face Hub into the cache", [](CLI::App& sub) {
      auto args = std::make_shared<DownloadArgs>();
      sub.add_option("repo_id", args->repo_ids,
                     std::string("Hub repositories (default: ") + io::kDefaultTtsRepo + " " +
                         io::kDefaultVocoderRepo + ")");
      sub.add_option("--revision", args->revision, "Branch, tag or commit hash")
          ->capture_default_str();
      sub.add_option("--cache-dir", args->cache_dir,
                     "Cache folder (default: HF_HUB_CACHE, else HF_HOME/hub, else "
                     "~/.cache/huggingface/hub)");
      sub.footer(
          "Honours HF_ENDPOINT, HF_TOKEN, HF_HOME, HF_HUB_CACHE and HF_HUB_OFFLINE=1 (cache "
          "only). Prints each snapshot folder, usable as --model / --vocoder.");
      return [args]() {
        io::HubOptions options = io::HubOptions::from_environment();
        options.revision = args->revision;
        if (!args->cache_dir.empty()) options.cache_dir = args->cache_dir;
        options.refresh = true;  // an explicit download checks the Hub for a newer revision
        std::vector<std::string> repo_ids = args->repo_ids;
        if (repo_ids.empty()) repo_ids = {io::kDefaultTtsRepo, io::kDefaultVocoderRepo};
        for (const auto& repo_id : repo_ids) io::validate_repo_id(repo_id);  // before any fetch
        for (const auto& repo_id : repo_ids) {
          const auto snapshot = io::download_model_snapshot(repo_id, options);
          std::printf("%s\n", snapshot.string().c_str());
          std::fflush(stdout);
        }
        return 0;
      };
    });

}  // namespace
}  // namespace speecht5::cli

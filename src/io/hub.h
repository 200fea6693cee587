#pragma once
// Models from the Hugging Face Hub, fetched on first use into the cache huggingface_hub shares
// (see hub_cache.h). `resolve_model` is the entry point: a folder is used as it is, a repo id
// ("org/name") becomes the folder of its cached snapshot, downloading what is missing.
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace speecht5::io {

inline constexpr const char* kDefaultTtsRepo = "microsoft/speecht5_tts";
inline constexpr const char* kDefaultVocoderRepo = "microsoft/speecht5_hifigan";

// Everything the Hub client reads from the environment, made explicit so tests (and library
// users) need not touch process-wide variables.
struct HubOptions {
  std::string endpoint = "https://huggingface.co";  // HF_ENDPOINT
  std::filesystem::path cache_dir;                  // HF_HUB_CACHE, HF_HOME/hub, ~/.cache/...
  std::string token;                                // HF_TOKEN or the token file; "" for none
  bool offline = false;                             // HF_HUB_OFFLINE: never touch the network
  std::string revision = "main";                    // branch, tag or commit hash
  // Ask the Hub even when the cache already holds a complete snapshot of the revision (a
  // branch may have moved). Off by default: a cached model is used without any request.
  bool refresh = false;
  bool progress = false;         // progress bar on stderr (default: when stderr is a terminal)
  long connect_timeout_s = 10;   // HF_HUB_DOWNLOAD_TIMEOUT
  long stall_timeout_s = 30;     // abort a transfer that received nothing for this long
  long metadata_timeout_s = 10;  // HF_HUB_ETAG_TIMEOUT: whole HEAD request
  int max_resume_attempts = 3;   // automatic resumes of a broken transfer within one call

  using Lookup = std::function<std::optional<std::string>(const std::string& name)>;
  static HubOptions from_environment();
  // The same rules over any variable source (tests pass a map); reads the token file too.
  static HubOptions from_variables(const Lookup& lookup);
};

// "org/name" with the Hub's rules (letters, digits, '-', '_', '.'; no "--" or ".."; at most 96
// characters). Throws Error(kInvalidArgument) explaining what is wrong.
void validate_repo_id(const std::string& repo_id);
bool is_valid_repo_id(const std::string& repo_id);

// A folder that exists is returned as it is; otherwise `folder_or_repo_id` must be a repo id,
// whose snapshot (config.json, the weights, tokenizer files) is fetched or found in the cache.
std::filesystem::path resolve_model(const std::string& folder_or_repo_id,
                                    const HubOptions& options);

// The snapshot folder of a repo with the files a SpeechT5 model needs: config.json,
// model.safetensors (else pytorch_model.bin) and the tokenizer files the repo has.
std::filesystem::path download_model_snapshot(const std::string& repo_id,
                                              const HubOptions& options);

// One file of a repo, as huggingface_hub's hf_hub_download: its path inside the snapshot.
// Throws Error(kNetwork) when the file does not exist.
std::filesystem::path hub_download_file(const std::string& repo_id, const std::string& filename,
                                        const HubOptions& options);

}  // namespace speecht5::io

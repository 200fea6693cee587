#include "io/hub.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "core/error.h"
#include "core/log.h"
#include "io/hub_download.h"
#include "io/progress_bar.h"

namespace speecht5::io {
namespace fs = std::filesystem;
namespace {

constexpr const char* kConfigFile = "config.json";
// Preferred first: safetensors maps without conversion; older repos only have the pickle.
const std::vector<std::string> kWeightFiles = {"model.safetensors", "pytorch_model.bin"};
// Fetched when the repo has them (the vocoder repo has none of these).
const std::vector<std::string> kOptionalFiles = {
    "spm_char.model",    "tokenizer_config.json",  "special_tokens_map.json",
    "added_tokens.json", "generation_config.json", "preprocessor_config.json"};

bool truthy(const std::optional<std::string>& value) {
  if (!value) return false;
  std::string upper = *value;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return upper == "1" || upper == "ON" || upper == "YES" || upper == "TRUE";
}

std::string trim(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  size_t begin = 0;
  while (begin < text.size() && std::isspace(static_cast<unsigned char>(text[begin]))) ++begin;
  return text.substr(begin);
}

long parse_seconds(const std::optional<std::string>& value, const char* name, long fallback) {
  if (!value) return fallback;
  try {
    size_t used = 0;
    const double seconds = std::stod(*value, &used);
    if (used == value->size() && seconds > 0) return std::max(1L, static_cast<long>(seconds));
  } catch (const std::exception&) {
  }
  fail(ErrorCode::kInvalidArgument,
       std::string(name) + "='" + *value + "' is not a positive number of seconds");
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
}

// The whole model file set is in the snapshot. `strict` also demands an answer for every
// optional file (present, or marked absent by an earlier download), so a snapshot that
// another tool filled only partly is completed online rather than used short of files.
std::optional<fs::path> complete_snapshot(const HubCache& cache, const std::string& revision,
                                          bool strict) {
  const auto commit = cache.resolve_commit(revision);
  if (!commit || !cache.has_file(*commit, kConfigFile)) return std::nullopt;
  bool weights = false;
  for (const auto& name : kWeightFiles) {
    if (cache.has_file(*commit, name)) {
      weights = true;
      break;
    }
    if (strict && !cache.is_marked_missing(*commit, name)) return std::nullopt;
  }
  if (!weights) return std::nullopt;
  if (strict)
    for (const auto& name : kOptionalFiles)
      if (!cache.has_file(*commit, name) && !cache.is_marked_missing(*commit, name))
        return std::nullopt;
  return cache.snapshot_dir(*commit);
}

std::string offline_hint(const std::string& repo_id) {
  return "; run `speecht5 download " + repo_id + "` with network access first";
}

fs::path fetch_model_files(const std::string& repo_id, const HubOptions& options) {
  HubFetcher fetcher(repo_id, options);
  const HubCache& cache = fetcher.cache();
  const auto config = fetcher.metadata(options.revision, kConfigFile);
  if (!config)
    fail(ErrorCode::kNetwork, repo_id + " has no " + kConfigFile + " at revision '" +
                                  options.revision + "': is it a SpeechT5 model repository?");
  const std::string commit = config->commit;
  fetcher.fetch(kConfigFile, *config);
  cache.write_ref(options.revision, commit);

  // The other files are asked for at the commit config.json came from, so a push to the
  // branch in the meantime cannot mix two revisions in one snapshot.
  bool have_weights = false;
  for (const auto& name : kWeightFiles) {
    if (const auto meta = fetcher.metadata(commit, name)) {
      fetcher.fetch(name, *meta);
      have_weights = true;
      break;
    }
    cache.mark_missing(commit, name);
  }
  if (!have_weights)
    fail(ErrorCode::kNetwork, repo_id +
                                  " has neither model.safetensors nor pytorch_model.bin at "
                                  "revision '" +
                                  options.revision + "'");
  for (const auto& name : kOptionalFiles) {
    if (const auto meta = fetcher.metadata(commit, name))
      fetcher.fetch(name, *meta);
    else
      cache.mark_missing(commit, name);
  }
  log::info("model ", repo_id, " (", commit.substr(0, 8), ") is in ",
            cache.snapshot_dir(commit).string());
  return cache.snapshot_dir(commit);
}

}  // namespace

HubOptions HubOptions::from_environment() {
  return from_variables([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  });
}

HubOptions HubOptions::from_variables(const Lookup& lookup) {
  // Empty variables count as unset, as in huggingface_hub.
  const auto get = [&](const char* name) -> std::optional<std::string> {
    auto value = lookup(name);
    if (value && value->empty()) return std::nullopt;
    return value;
  };
  const auto home = get("HOME");
  const auto expand_user = [&](const std::string& path) -> fs::path {
    if (home && (path == "~" || path.rfind("~/", 0) == 0))
      return fs::path(*home) / path.substr(std::min<size_t>(2, path.size()));
    return path;
  };

  HubOptions options;
  if (auto endpoint = get("HF_ENDPOINT")) {
    while (!endpoint->empty() && endpoint->back() == '/') endpoint->pop_back();
    options.endpoint = *endpoint;
  }
  fs::path hf_home;
  if (auto value = get("HF_HOME")) {
    hf_home = expand_user(*value);
  } else if (auto xdg = get("XDG_CACHE_HOME")) {
    hf_home = fs::path(*xdg) / "huggingface";
  } else {
    hf_home = fs::path(home.value_or(".")) / ".cache" / "huggingface";
  }
  if (auto value = get("HF_HUB_CACHE")) {
    options.cache_dir = expand_user(*value);
  } else if (auto legacy = get("HUGGINGFACE_HUB_CACHE")) {
    options.cache_dir = expand_user(*legacy);
  } else {
    options.cache_dir = hf_home / "hub";
  }
  if (auto token = get("HF_TOKEN")) {
    options.token = trim(*token);
  } else if (auto legacy = get("HUGGING_FACE_HUB_TOKEN")) {
    options.token = trim(*legacy);
  } else {
    // Written by `huggingface-cli login`.
    const auto path = get("HF_TOKEN_PATH");
    std::ifstream file(path ? expand_user(*path) : hf_home / "token");
    std::string token;
    if (file && std::getline(file, token)) options.token = trim(token);
  }
  options.offline = truthy(get("HF_HUB_OFFLINE"));
  options.progress = stderr_is_terminal() && !truthy(get("HF_HUB_DISABLE_PROGRESS_BARS"));
  options.metadata_timeout_s =
      parse_seconds(get("HF_HUB_ETAG_TIMEOUT"), "HF_HUB_ETAG_TIMEOUT", options.metadata_timeout_s);
  options.connect_timeout_s = parse_seconds(get("HF_HUB_DOWNLOAD_TIMEOUT"),
                                            "HF_HUB_DOWNLOAD_TIMEOUT", options.connect_timeout_s);
  return options;
}

bool is_valid_repo_id(const std::string& repo_id) {
  const size_t slash = repo_id.find('/');
  if (slash == std::string::npos || repo_id.find('/', slash + 1) != std::string::npos) return false;
  if (repo_id.size() > 96 || repo_id.find("--") != std::string::npos ||
      repo_id.find("..") != std::string::npos)
    return false;
  const std::string parts[] = {repo_id.substr(0, slash), repo_id.substr(slash + 1)};
  for (const std::string& part : parts) {
    if (part.empty() || !std::all_of(part.begin(), part.end(), is_name_char)) return false;
    // Each part starts and ends with a letter, digit or '_' (the Hub's \b...\b).
    for (char edge : {part.front(), part.back()})
      if (edge == '-' || edge == '.') return false;
  }
  return true;
}

void validate_repo_id(const std::string& repo_id) {
  if (!is_valid_repo_id(repo_id))
    fail(ErrorCode::kInvalidArgument,
         "'" + repo_id +
             "' is not a Hugging Face repo id: expected org/name (letters, digits, "
             "'-', '_', '.'), like " +
             kDefaultTtsRepo);
}

fs::path resolve_model(const std::string& folder_or_repo_id, const HubOptions& options) {
  std::error_code ec;
  if (fs::is_directory(folder_or_repo_id, ec)) return folder_or_repo_id;
  if (fs::exists(folder_or_repo_id, ec))
    fail(ErrorCode::kInvalidArgument,
         "'" + folder_or_repo_id +
             "' is a file; a model is given as a folder (with config.json) "
             "or a Hugging Face repo id like " +
             kDefaultTtsRepo);
  if (!is_valid_repo_id(folder_or_repo_id))
    fail(ErrorCode::kInvalidArgument,
         "'" + folder_or_repo_id +
             "' is neither an existing folder nor a Hugging Face repo id "
             "(org/name, like " +
             kDefaultTtsRepo + ")");
  return download_model_snapshot(folder_or_repo_id, options);
}

fs::path download_model_snapshot(const std::string& repo_id, const HubOptions& options) {
  validate_repo_id(repo_id);
  const HubCache cache(options.cache_dir, repo_id);
  if (options.offline) {
    if (auto dir = complete_snapshot(cache, options.revision, false)) return *dir;
    fail(ErrorCode::kNetwork, "offline mode (HF_HUB_OFFLINE=1) and " + repo_id + " (revision '" +
                                  options.revision + "') is not complete in the cache " +
                                  options.cache_dir.string() + offline_hint(repo_id));
  }
  if (!options.refresh)
    if (auto dir = complete_snapshot(cache, options.revision, true)) {
      log::debug("using cached ", repo_id, " from ", dir->string());
      return *dir;
    }
  try {
    return fetch_model_files(repo_id, options);
  } catch (const HubUnreachable& error) {
    if (auto dir = complete_snapshot(cache, options.revision, false)) {
      log::warn(error.what(), "; using the cached copy of ", repo_id);
      return *dir;
    }
    throw;
  }
}

fs::path hub_download_file(const std::string& repo_id, const std::string& filename,
                           const HubOptions& options) {
  validate_repo_id(repo_id);
  const HubCache cache(options.cache_dir, repo_id);
  const auto cached = [&]() -> std::optional<fs::path> {
    const auto commit = cache.resolve_commit(options.revision);
    if (commit && cache.has_file(*commit, filename)) return cache.snapshot_file(*commit, filename);
    return std::nullopt;
  };
  if (options.offline) {
    if (auto path = cached()) return *path;
    fail(ErrorCode::kNetwork, "offline mode (HF_HUB_OFFLINE=1) and " + filename + " of " + repo_id +
                                  " is not in the cache " + options.cache_dir.string() +
                                  offline_hint(repo_id));
  }
  if (!options.refresh)
    if (auto path = cached()) return *path;
  try {
    HubFetcher fetcher(repo_id, options);
    const auto meta = fetcher.metadata(options.revision, filename);
    if (!meta)
      fail(ErrorCode::kNetwork,
           filename + " not found in " + repo_id + " at revision '" + options.revision + "'");
    const fs::path path = fetcher.fetch(filename, *meta);
    cache.write_ref(options.revision, meta->commit);
    return path;
  } catch (const HubUnreachable& error) {
    if (auto path = cached()) {
      log::warn(error.what(), "; using the cached copy of ", filename);
      return *path;
    }
    throw;
  }
}

}  // namespace speecht5::io

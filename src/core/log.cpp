#include "core/log.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace speecht5::log {
namespace {

Level level_from_env() {
  const char* env = std::getenv("SPEECHT5_LOG");
  if (env == nullptr) return Level::kWarn;
  if (std::strcmp(env, "debug") == 0) return Level::kDebug;
  if (std::strcmp(env, "info") == 0) return Level::kInfo;
  if (std::strcmp(env, "error") == 0) return Level::kError;
  if (std::strcmp(env, "quiet") == 0) return Level::kQuiet;
  return Level::kWarn;
}

std::atomic<Level>& current() {
  static std::atomic<Level> value{level_from_env()};
  return value;
}

}  // namespace

void set_level(Level lvl) {
  // An explicit environment setting wins, so a user can always get debug output.
  if (std::getenv("SPEECHT5_LOG") != nullptr) return;
  current().store(lvl);
}

Level level() { return current().load(std::memory_order_relaxed); }

void write(Level lvl, const std::string& message) {
  static const char* const kNames[] = {"debug", "info", "warn", "error", ""};
  std::fprintf(stderr, "speecht5 [%s] %s\n", kNames[static_cast<int>(lvl)], message.c_str());
}

}  // namespace speecht5::log

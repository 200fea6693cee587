// speecht5 command line: dispatches to subcommands. Errors are reported here, at the
// boundary, as one line on stderr and a non-zero exit status.
#include <cstdio>

#include "core/error.h"

int main(int argc, char** argv) {
  try {
    std::fprintf(stderr, "speecht5: no commands yet\n");
    return 2;
  } catch (const speecht5::Error& e) {
    std::fprintf(stderr, "speecht5: error: %s\n", e.what());
    return 1;
  }
}

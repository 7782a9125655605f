// F6: the configuration file. Any bytes as --config: either the options are
// accepted or the process would exit 2 with a message; never a crash, never
// an exception.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#include "server/options.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string path = "/tmp/hubbub-fuzz-config-" + std::to_string(::getpid()) + ".toml";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) {
    return 0;
  }
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  const char* argv[] = {"hubbub", "--config", path.c_str()};
  std::ostringstream out;
  std::ostringstream err;
  const auto parsed = hubbub::parse_options(3, argv, out, err);
  if (parsed.exit_code && (*parsed.exit_code != 2 || err.str().empty())) {
    std::abort();
  }
  return 0;
}

// hubbub(8) (contrib/hubbub.8) against the options' one source of truth.

#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>

#include "server/options.h"

using namespace hubbub;

namespace {

std::string man_page() {
  std::ifstream in(std::string(HUBBUB_SOURCE_DIR) + "/contrib/hubbub.8");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("the man page documents every option with its default, and no other", "[server][options][man_page]") {
  const std::string page = man_page();
  REQUIRE(page.find(".Dt HUBBUB 8") != std::string::npos);
  const auto options_start = page.find("\n.Sh OPTIONS");
  const auto options_end = page.find("\n.Sh ", options_start + 1);
  REQUIRE(options_start != std::string::npos);
  const std::string section = page.substr(options_start, options_end - options_start);
  std::set<std::string> documented;
  for (auto at = section.find("\n.It Fl -"); at != std::string::npos; at = section.find("\n.It Fl -", at + 1)) {
    const auto start = at + 8;
    documented.insert("-" + section.substr(start, section.find_first_of(" \n", start) - start));
  }
  std::set<std::string> expected{"--config"};
  for (const OptionDoc& option : option_catalog()) {
    INFO(option.flag);
    expected.insert(option.flag);
    const auto item = section.find("\n.It Fl " + option.flag.substr(1) + (option.takes_value ? " " : "\n"));
    REQUIRE(item != std::string::npos);
    const auto next = section.find("\n.It ", item + 1);
    const std::string text = section.substr(item, next - item);
    if (!option.default_value.empty()) {
      CHECK(text.find("Default: " + option.default_value + ".") != std::string::npos);
    }
  }
  CHECK(documented == expected);
}

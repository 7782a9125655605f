// F1: the form-body parser. No crash or UB on any bytes; parsing is
// deterministic; decoded output never exceeds the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "util/form.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto first = hubbub::Form::parse(body);
  const auto second = hubbub::Form::parse(body);
  if (first.has_value() != second.has_value()) {
    std::abort();
  }
  if (!first) {
    if (first.error().message.empty()) {
      std::abort();  // every refusal says why
    }
    return 0;
  }
  std::size_t out = 0;
  for (const auto& field : first->fields()) {
    out += field.name.size() + field.value.size();
  }
  if (out > size || first->fields().size() != second->fields().size()) {
    std::abort();
  }
  for (std::size_t i = 0; i < first->fields().size(); ++i) {
    if (first->fields()[i].name != second->fields()[i].name || first->fields()[i].value != second->fields()[i].value) {
      std::abort();  // deterministic
    }
    if (!first->first(first->fields()[i].name)) {
      std::abort();  // every parsed name can be looked up
    }
  }
  return 0;
}

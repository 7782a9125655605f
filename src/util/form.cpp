#include "util/form.h"

#include "util/percent_encoding.h"

namespace hubbub {

Result<Form> Form::parse(std::string_view body) {
  Form form;
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string_view::npos) {
      end = body.size();
    }
    const std::string_view pair = body.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) {
      continue;
    }
    const std::size_t eq = pair.find('=');
    const std::string_view raw_name = pair.substr(0, eq);
    const std::string_view raw_value = eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1);
    auto name = percent_decode(raw_name, true);
    if (!name) {
      return fail("malformed form field name: " + name.error().message);
    }
    auto value = percent_decode(raw_value, true);
    if (!value) {
      return fail("malformed value of form field '" + *name + "': " + value.error().message);
    }
    form.m_fields.push_back({std::move(*name), std::move(*value)});
  }
  return form;
}

std::size_t Form::count(std::string_view name) const {
  std::size_t n = 0;
  for (const auto& f : m_fields) {
    n += f.name == name ? 1 : 0;
  }
  return n;
}

std::optional<std::string_view> Form::first(std::string_view name) const {
  for (const auto& f : m_fields) {
    if (f.name == name) {
      return f.value;
    }
  }
  return std::nullopt;
}

std::vector<std::string_view> Form::all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& f : m_fields) {
    if (f.name == name) {
      values.push_back(f.value);
    }
  }
  return values;
}

}  // namespace hubbub

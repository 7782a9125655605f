#pragma once
// application/x-www-form-urlencoded bodies (WHATWG URL "urlencoded parser",
// except that a malformed percent-escape is an error instead of being kept).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace hubbub {

struct FormField {
  std::string name;
  std::string value;
};

// The fields of a form body, decoded, in their original order; repeated names
// are all kept. Empty sequences between '&' are skipped; a field without '='
// has an empty value. Names and values are raw bytes (not checked as UTF-8).
class Form {
 public:
  static Result<Form> parse(std::string_view body);

  const std::vector<FormField>& fields() const { return m_fields; }
  // Number of fields called `name`.
  std::size_t count(std::string_view name) const;
  // Value of the first field called `name`.
  std::optional<std::string_view> first(std::string_view name) const;
  // Values of every field called `name`, in order.
  std::vector<std::string_view> all(std::string_view name) const;

 private:
  std::vector<FormField> m_fields;
};

}  // namespace hubbub

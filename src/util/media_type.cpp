#include "util/media_type.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "util/text.h"

namespace hubbub {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::string media_type_essence(std::string_view content_type) {
  return lower(trim_blanks(content_type.substr(0, content_type.find(';'))));
}

double accept_quality(std::string_view accept, std::string_view media_type) {
  if (trim_blanks(accept).empty()) {
    return 1.0;
  }
  const std::string wanted = lower(media_type);
  const std::string wanted_type = wanted.substr(0, wanted.find('/'));
  int best_specificity = -1;
  double best_q = 0.0;
  std::size_t start = 0;
  while (start <= accept.size()) {
    std::size_t end = accept.find(',', start);
    if (end == std::string_view::npos) {
      end = accept.size();
    }
    const std::string_view range_with_params = accept.substr(start, end - start);
    start = end + 1;
    const std::string range = media_type_essence(range_with_params);
    int specificity = -1;
    if (range == wanted) {
      specificity = 2;
    } else if (range == wanted_type + "/*") {
      specificity = 1;
    } else if (range == "*/*") {
      specificity = 0;
    }
    if (specificity < best_specificity || specificity < 0) {
      continue;
    }
    double q = 1.0;
    std::size_t param = range_with_params.find(';');
    while (param != std::string_view::npos) {
      const std::size_t next = range_with_params.find(';', param + 1);
      const std::string p = lower(trim_blanks(range_with_params.substr(param + 1, next - param - 1)));
      if (p.starts_with("q=")) {
        q = std::clamp(std::strtod(p.c_str() + 2, nullptr), 0.0, 1.0);
      }
      param = next;
    }
    best_specificity = specificity;
    best_q = q;
  }
  return best_specificity < 0 ? 0.0 : best_q;
}

}  // namespace hubbub

#pragma once
// Media types in Content-Type and Accept headers (RFC 9110 §8.3, §12.5.1).

#include <string>
#include <string_view>

namespace hubbub {

// "type/subtype" of a Content-Type value, lower-cased, parameters dropped.
std::string media_type_essence(std::string_view content_type);

// The quality an Accept header gives `media_type` ("text/plain"): the most
// specific matching range wins (type/subtype over type/* over */*). A missing
// or empty header accepts everything at 1.
double accept_quality(std::string_view accept, std::string_view media_type);

}  // namespace hubbub

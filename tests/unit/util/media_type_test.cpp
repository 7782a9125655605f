#include "util/media_type.h"

#include <catch2/catch.hpp>

using namespace hubbub;

TEST_CASE("takes the essence of a Content-Type", "[util][media_type]") {
  CHECK(media_type_essence("application/x-www-form-urlencoded; charset=UTF-8") == "application/x-www-form-urlencoded");
  CHECK(media_type_essence(" Text/HTML ") == "text/html");
}

TEST_CASE("weighs Accept ranges by specificity and q", "[util][media_type]") {
  CHECK(accept_quality("", "application/json") == 1.0);
  CHECK(accept_quality("text/plain", "application/json") == 0.0);
  CHECK(accept_quality("text/plain", "text/plain") == 1.0);
  CHECK(accept_quality("*/*;q=0.1, text/*;q=0.5, text/plain;q=0.9", "text/plain") == Approx(0.9));
  CHECK(accept_quality("*/*;q=0.1, text/*;q=0.5", "text/html") == Approx(0.5));
  CHECK(accept_quality("*/*;q=0.1, text/*;q=0.5", "application/json") == Approx(0.1));
}

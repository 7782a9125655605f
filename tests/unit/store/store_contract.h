#pragma once
// The store contract (websub/store.h), one suite for every engine. Each case
// is written once and registered for each engine with its tag, so that one
// engine's half runs alone: `unit_tests '[contract][sqlite]'` or
// `unit_tests '[contract][postgres]'` (which needs HUBBUB_TEST_POSTGRES, set
// by the test command; support/store_engines.h).

#include <catch2/catch.hpp>

#include "support/store_engines.h"

// STORE_CONTRACT(id, "name", "[tags]") { body using `engine` }
#define STORE_CONTRACT(id, name, tags)                                \
  static void id(hubbub::test::StoreEngine& engine);                  \
  TEST_CASE(name " (sqlite)", "[store][contract][sqlite]" tags) {     \
    hubbub::test::SqliteEngine engine;                                \
    id(engine);                                                       \
  }                                                                   \
  TEST_CASE(name " (postgres)", "[store][contract][postgres]" tags) { \
    hubbub::test::PostgresEngine engine;                              \
    id(engine);                                                       \
  }                                                                   \
  static void id(hubbub::test::StoreEngine& engine)

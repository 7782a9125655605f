# Writes a C++ source holding every migration as a raw string literal.
# Invoked by the build (see CMakeLists.txt) with -DOUTPUT=<file> -DINPUTS=<a|b|c>.
# The function is named after the output file: embedded_migrations.cpp
# defines embedded_migrations(), postgres_migrations.cpp postgres_migrations().
string(REPLACE "|" ";" INPUTS "${INPUTS}")
get_filename_component(function ${OUTPUT} NAME_WE)
set(body "// Generated from migrations/*.sql by src/store/embed_migrations.cmake. Do not edit.\n")
string(APPEND body "#include \"store/migrator.h\"\n\nnamespace hubbub {\nnamespace {\nconstexpr Migration k_migrations[] = {\n")
foreach(path IN LISTS INPUTS)
  get_filename_component(name ${path} NAME_WE)
  string(REGEX MATCH "^([0-9]+)_(.+)$" matched ${name})
  if(NOT matched)
    message(FATAL_ERROR "migration file name must be NNNN_description.sql: ${path}")
  endif()
  math(EXPR version "${CMAKE_MATCH_1}")
  set(description ${CMAKE_MATCH_2})
  file(READ ${path} sql)
  string(APPEND body "  {${version}, \"${description}\", R\"hubbub_sql(${sql})hubbub_sql\"},\n")
endforeach()
string(APPEND body "};\n}  // namespace\n\nstd::span<const Migration> ${function}() { return k_migrations; }\n\n}  // namespace hubbub\n")
file(WRITE ${OUTPUT}.tmp "${body}")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUTPUT}.tmp)

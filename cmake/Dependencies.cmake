# Third-party libraries. Debian packages are found the usual way; DuckDB is the
# prebuilt 1.4.4 library that scripts/setup unpacks into third_party/duckdb.
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(date REQUIRED)
find_package(PkgConfig REQUIRED)
# libgit2 1.5 (Debian 12) ships no CMake package, only a pkg-config file.
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2)
# jemalloc replaces glibc's malloc in the floe binary (not under the
# sanitizers, which bring their own allocator): see src/CMakeLists.txt.
if(NOT FLOE_SANITIZE AND NOT FLOE_FUZZ)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()

set(FLOE_DUCKDB_DIR "${PROJECT_SOURCE_DIR}/third_party/duckdb" CACHE PATH "DuckDB 1.4.4 prebuilt library and headers")
if(NOT EXISTS "${FLOE_DUCKDB_DIR}/lib/libduckdb.so" OR NOT EXISTS "${FLOE_DUCKDB_DIR}/include/duckdb.hpp")
  message(FATAL_ERROR "DuckDB not found in ${FLOE_DUCKDB_DIR}: run scripts/setup first")
endif()
add_library(duckdb SHARED IMPORTED GLOBAL)
set_target_properties(duckdb PROPERTIES
  IMPORTED_LOCATION "${FLOE_DUCKDB_DIR}/lib/libduckdb.so"
  IMPORTED_NO_SONAME ON
  INTERFACE_INCLUDE_DIRECTORIES "${FLOE_DUCKDB_DIR}/include")
# DuckDB's headers are not ours to keep warning-free.
set_property(TARGET duckdb PROPERTY INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${FLOE_DUCKDB_DIR}/include")

# Every third-party dependency, found once, from Debian packages
# (scripts/install-deps installs them by name).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL REQUIRED)          # SHA-256, HMAC
find_package(ZLIB REQUIRED)             # gzip attachments
find_package(SQLite3 REQUIRED)          # embedded store
find_package(CURL REQUIRED)             # Elasticsearch bulk API
find_package(tl-expected REQUIRED)      # Result<T>
find_package(date REQUIRED)             # HowardHinnant date, OS tzdb (USE_OS_TZDB=1)
find_package(Mimetic REQUIRED)          # MIME build and parse (cmake/FindMimetic.cmake)
find_package(GTest REQUIRED)
find_package(benchmark QUIET)

pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)
pkg_check_modules(ESMTP REQUIRED IMPORTED_TARGET libesmtp-1.0)
pkg_check_modules(MAXMINDDB REQUIRED IMPORTED_TARGET libmaxminddb)

# The programs' allocator. An event is a tree of small allocations made and
# freed per log line; mimalloc serves them in fewer instructions than glibc's
# malloc (docs/BENCHMARKS.md: about 10% of the access pipeline's cycles).
# Programs and benchmarks only: libraries and unit tests keep the system
# allocator, and the sanitizer build must keep its own.
if(LOGPOST_MIMALLOC AND NOT LOGPOST_SANITIZE)
  find_package(mimalloc 2.0 REQUIRED)
endif()
function(logpost_program_allocator target)
  if(LOGPOST_MIMALLOC AND NOT LOGPOST_SANITIZE)
    # No direct references to it: keep the linker from dropping it.
    target_link_options(${target} PRIVATE "LINKER:--no-as-needed")
    target_link_libraries(${target} PRIVATE mimalloc)
    # Its options (why: the file's comment).
    target_sources(${target} PRIVATE "${PROJECT_SOURCE_DIR}/common/program_allocator.cpp")
  endif()
endfunction()

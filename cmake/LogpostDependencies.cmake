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

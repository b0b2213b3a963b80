# Every external library comes from a Debian package (scripts/setup installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCAP REQUIRED IMPORTED_TARGET libpcap)
pkg_check_modules(NDPI REQUIRED IMPORTED_TARGET libndpi)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(GCRYPT REQUIRED IMPORTED_TARGET libgcrypt)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
find_package(SQLite3 REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(nlohmann_json 3.10 REQUIRED)
# The collector parses every received event: simdjson does it an order of magnitude faster than
# a DOM of nlohmann objects, and its parser is reused without allocating.
find_package(simdjson REQUIRED)
# TLS to a SIEM (collector forwarding, RFC 5425).
find_package(OpenSSL 3 REQUIRED)
find_package(GTest REQUIRED)
find_package(Threads REQUIRED)
find_path(CPPZMQ_INCLUDE_DIR zmq.hpp REQUIRED)

# DPDK (libdpdk-dev, installed by scripts/setup) for --dpdk capture. A build without it still
# works: --dpdk then says the build lacks it.
pkg_check_modules(DPDK IMPORTED_TARGET libdpdk)
if(DPDK_FOUND)
  message(STATUS "DPDK ${DPDK_VERSION} found")
else()
  message(STATUS "DPDK not found: --dpdk capture is left out of this build")
endif()

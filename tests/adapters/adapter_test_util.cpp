#include "adapters/adapter_test_util.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>

#include <cstdlib>
#include <zmq.hpp>

namespace sbtg::testing {

bool PythonWithZmqOrSkip() {
  const int rc = std::system("/usr/bin/python3 -c 'import zmq, numpy' >/dev/null 2>&1");
  if (rc == 0) return true;
  const char* require = std::getenv("SBTG_REQUIRE_DATA");
  if (require != nullptr && std::string(require) == "1") {
    FAIL("/usr/bin/python3 with pyzmq and numpy is required (SBTG_REQUIRE_DATA=1)");
  }
  MESSAGE("skipping: /usr/bin/python3 -c 'import zmq, numpy' failed (apt install python3-zmq python3-numpy)");
  return false;
}

int FreePort() {
  zmq::context_t ctx(1);
  zmq::socket_t s(ctx, zmq::socket_type::rep);
  s.set(zmq::sockopt::linger, 0);
  s.bind("tcp://127.0.0.1:*");
  const std::string ep = s.get(zmq::sockopt::last_endpoint);
  return std::stoi(ep.substr(ep.rfind(':') + 1));
}

}  // namespace sbtg::testing

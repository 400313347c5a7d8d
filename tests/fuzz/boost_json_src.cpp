// Boost.JSON compiled from source for the fuzz build, so the fuzzer sees its parser's coverage.
#include <boost/json/src.hpp>

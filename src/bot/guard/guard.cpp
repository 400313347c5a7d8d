#include "bot/guard/guard.hpp"

#include "bot/policy/policy.hpp"

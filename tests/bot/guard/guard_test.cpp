#include <gtest/gtest.h>

#include "bot/guard/guard.hpp"

TEST(BotGuard, Builds) { SUCCEED(); }

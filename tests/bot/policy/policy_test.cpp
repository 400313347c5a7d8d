#include <gtest/gtest.h>

#include "bot/policy/policy.hpp"

TEST(BotPolicy, Builds) { SUCCEED(); }

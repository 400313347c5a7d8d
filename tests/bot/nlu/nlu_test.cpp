#include <gtest/gtest.h>

#include "bot/nlu/nlu.hpp"

TEST(BotNlu, Builds) { SUCCEED(); }

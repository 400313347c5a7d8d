#include "bot/nlu/nlu.hpp"

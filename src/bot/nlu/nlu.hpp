// Placeholder: the nlu part of the bot is being written.
#pragma once

// Placeholder: the guard part of the bot is being written.
#pragma once

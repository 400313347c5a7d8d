// Placeholder: the policy part of the bot is being written.
#pragma once

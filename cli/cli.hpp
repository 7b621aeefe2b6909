#pragma once

#include <string>
#include <vector>

// The command line: CLI11 parsing and dispatch to the commands (commands.hpp).
namespace cli {

// The subcommands, `run` first (the default).
const std::vector<std::string>& command_names();

// `args` (argv without the program name) with `run` inserted where the
// command was left out (`evalrun --bench mtbench --model demo`); global
// options (`--home DIR`) may come first. Throws harness::Fatal, suggesting the
// closest command, when the first word is not a command.
std::vector<std::string> with_default_command(std::vector<std::string> args);

// Parses argv and runs the command; returns the exit status. Throws
// harness::Fatal (exit status 2) for usage and configuration errors.
int main(int argc, char** argv);

} // namespace cli

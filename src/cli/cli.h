// The `floe` command line: parses arguments and runs one command.
//
//   int main(int argc, char** argv) { return floe::cli::Main(argc, argv); }
//
// Exit codes: 0 success; 1 the execution did not end in SUCCESS (or a
// command's subject failed); 2 bad usage, invalid flows, or an error before
// anything ran.
#pragma once

namespace floe::cli {

int Main(int argc, char** argv);

}  // namespace floe::cli

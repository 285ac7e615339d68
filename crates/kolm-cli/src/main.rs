//! The `kolm` binary: see the `kolm_cli` library for the program itself.

fn main() -> std::process::ExitCode {
    kolm_cli::main(std::env::args_os())
}

//! `tierline`: the web server and the command-line tool in one binary.

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = server::cli::Cli::parse();
    match server::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("tierline: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

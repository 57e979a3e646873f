fn main() {
    std::process::exit(steepest::cli::main());
}

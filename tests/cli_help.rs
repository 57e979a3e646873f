//! `--help` of every command (and subcommand) shows examples; the command list is complete.

use std::process::Command;

fn help(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_steepest"))
        .args(args)
        .arg("--help")
        .output()
        .expect("run steepest");
    assert_eq!(out.status.code(), Some(0), "{args:?} --help");
    String::from_utf8(out.stdout).expect("utf-8 help")
}

#[test]
fn every_command_has_examples() {
    let top = help(&[]);
    assert!(top.contains("Examples:"), "steepest --help");
    // Every command listed by `steepest --help` (except `help`) must show examples.
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("    "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 7, "{commands:?}");
    for c in &commands {
        let h = help(&[c.as_str()]);
        assert!(
            h.contains("Examples:"),
            "steepest {c} --help has no examples:\n{h}"
        );
    }
    if commands.iter().any(|c| c == "aion") {
        for sub in ["solve", "derive"] {
            assert!(help(&["aion", sub]).contains("Examples:"), "aion {sub}");
        }
    }
}

/// Progress bars are drawn only on a terminal: with stderr piped (and with `--quiet`) stderr holds
/// no cursor-control sequences or carriage returns.
#[test]
fn no_progress_bar_when_stderr_is_not_a_terminal() {
    for quiet in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_steepest"));
        cmd.args(["validate", "--suite", "acceleration"]);
        if quiet {
            cmd.arg("--quiet");
        }
        let out = cmd.output().expect("run steepest");
        assert_eq!(out.status.code(), Some(0));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !err.contains('\x1b') && !err.contains('\r'),
            "quiet={quiet}: {err:?}"
        );
    }
}

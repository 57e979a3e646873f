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

/// The shell examples of the README and the guide run verbatim on a fresh machine after the two
/// set-up commands: they call the binary through `cargo run --release --`, never a bare `steepest`
/// that is not on PATH.
#[test]
fn documented_commands_do_not_assume_steepest_on_path() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in ["README.md", "docs/guide.md", "docs/worked-example.md"] {
        let text = std::fs::read_to_string(root.join(file)).unwrap();
        let mut in_sh = false;
        for (n, line) in text.lines().enumerate() {
            if line.starts_with("```") {
                in_sh = !in_sh && matches!(line.trim(), "```sh" | "```bash" | "```shell");
                continue;
            }
            if in_sh {
                let bare = line
                    .split(['|', ';', '&', '('])
                    .any(|cmd| cmd.trim_start().starts_with("steepest "));
                assert!(!bare, "{file}:{}: bare `steepest`: {line}", n + 1);
            }
        }
    }
}

/// On a terminal, `validate` writes its report to a new file in the working directory and names it
/// on the last line, instead of printing a megabyte of JSON; an existing report file is left as it
/// was and the next free name is taken. (`script` from util-linux/bsdutils, essential on Debian,
/// gives the command a terminal.)
#[test]
fn on_a_terminal_the_report_goes_to_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("steepest-report.json"), "mine").unwrap();
    let bin = env!("CARGO_BIN_EXE_steepest");
    let out = Command::new("script")
        .args(["-qec"])
        .arg(format!("'{bin}' validate --suite fromage --no-controls"))
        .arg("/dev/null")
        .current_dir(dir.path())
        .output()
        .expect("script runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("report: steepest-report-1.json"), "{text}");
    assert!(
        !text.contains("\"schema\""),
        "no JSON on the terminal: {text}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("steepest-report.json")).unwrap(),
        "mine"
    );
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("steepest-report-1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["schema"], "steepest.report/v1");
}

//! Records the git revision and the rustc version for reports (`environment` in every report), and
//! indexes `theory/*.md` (each file's title and the number of entries of its `## History`
//! section) for the records (`history`) and the stderr table's claim column.
use std::path::Path;
use std::process::Command;

/// `(theory id, title, history entries)` of one theory file: the title is the first line's text
/// after `# ID — `; the history entries are the top-level `- ` bullets of `## History`.
fn index_theory_file(id: &str, text: &str) -> (String, String, usize) {
    let title = text
        .lines()
        .next()
        .and_then(|l| l.strip_prefix('#'))
        .map(|l| {
            let l = l.trim();
            let l = l.strip_prefix(id).unwrap_or(l).trim_start();
            l.trim_start_matches(['—', '-', ':']).trim().to_string()
        })
        .unwrap_or_default();
    let mut in_history = false;
    let mut entries = 0;
    for line in text.lines() {
        if line.starts_with("## ") {
            in_history = line.trim() == "## History";
        } else if in_history && line.starts_with("- ") {
            entries += 1;
        }
    }
    (id.to_string(), title, entries)
}

/// The conic solver's PSD cone links the system OpenBLAS (LAPACK): on Linux, stop the build with one
/// line naming the set-up command when no `libopenblas` is installed, instead of a linker error.
fn check_system_lapack() {
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("linux") {
        return;
    }
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let mut dirs = vec![
        format!("/usr/lib/{arch}-linux-gnu"),
        "/usr/lib".to_string(),
        "/usr/lib64".to_string(),
        "/usr/local/lib".to_string(),
    ];
    if let Ok(extra) = std::env::var("OPENBLAS_LIB_DIR") {
        dirs.insert(0, extra);
    }
    println!("cargo:rerun-if-env-changed=OPENBLAS_LIB_DIR");
    let found = dirs.iter().any(|d| {
        ["libopenblas.so", "libopenblas.a"]
            .iter()
            .any(|f| Path::new(d).join(f).exists())
    });
    if !found {
        println!(
            "cargo::error=the system OpenBLAS (LAPACK for the conic solver) is not installed: run `bash .ci/setup` once (Debian: apt-get install libopenblas-dev libgfortran-12-dev), or set OPENBLAS_LIB_DIR, then build again"
        );
    }
}

fn main() {
    check_system_lapack();
    let git = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=STEEPEST_GIT_REVISION={git}");
    println!("cargo:rustc-env=STEEPEST_RUSTC_VERSION={rustc_version}");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs");

    let dir = Path::new("theory");
    println!("cargo:rerun-if-changed=theory");
    let mut rows = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".md") else {
                continue;
            };
            if id == "README" {
                continue;
            }
            println!("cargo:rerun-if-changed=theory/{name}");
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            rows.push(index_theory_file(id, &text));
        }
    }
    rows.sort();
    let mut out = String::from(
        "/// `(theory id, title, number of History entries)` of every `theory/*.md`, sorted by id.\n\
         pub const THEORY_INDEX: &[(&str, &str, usize)] = &[\n",
    );
    for (id, title, n) in rows {
        out.push_str(&format!("    ({id:?}, {title:?}, {n}),\n"));
    }
    out.push_str("];\n");
    let path =
        Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("theory_index.rs");
    std::fs::write(path, out).expect("OUT_DIR is writable");
}

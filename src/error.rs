//! One error type for the whole crate.
//!
//! Every variant maps to an exit code of the command line (see `../shared/CONTRACT.md`): a
//! failed computation ([`Error::Failed`]) → 1; everything else — bad input or usage, a file that
//! cannot be read or written — → 2. Bad input carries what went wrong as data (the unknown name
//! and its table, the argument and its rule, the file and what is wrong in it), and its message,
//! with the fix, is written here and nowhere else: `problem; fix`.

use std::path::PathBuf;

/// The crate's error. Messages are one line, name the offending item, and say how to fix it.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A name that is not in its table (a norm, an optimizer, a suite, a format, …).
    #[error("unknown {kind} '{name}'; {fix}")]
    UnknownName {
        /// What the name should name (`norm`, `optimizer`, `suite`, …).
        kind: &'static str,
        /// The name as given.
        name: String,
        /// The valid names, or how to write one (`valid suites: a, b` or `use --profile quick …`).
        fix: String,
    },
    /// A command-line argument whose value breaks its rule.
    #[error("{arg} {value}: {problem}; {fix}")]
    Argument {
        /// The flag (`--tol`, `--shard`, …).
        arg: &'static str,
        /// The value as given (quoted if it is text).
        value: String,
        /// What is wrong with it.
        problem: String,
        /// How to write it.
        fix: String,
    },
    /// An input (a dataset file, a part of one) that is malformed.
    #[error("{input}: {problem}; {fix}")]
    Malformed {
        /// The input and where in it (`dataset 'x.csv', line 3`).
        input: String,
        /// What is wrong there.
        problem: String,
        /// How to fix the input.
        fix: String,
    },
    /// Bad input or usage not covered by the variants above; the message names the problem and
    /// the fix.
    #[error("{0}")]
    Input(String),
    /// A computation that could not reach its goal (no convergence, non-finite update, failed check).
    #[error("{0}")]
    Failed(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// Shorthand for [`Error::Input`].
    pub fn input(msg: impl Into<String>) -> Self {
        Error::Input(msg.into())
    }
    /// Shorthand for [`Error::Failed`].
    pub fn failed(msg: impl Into<String>) -> Self {
        Error::Failed(msg.into())
    }
    /// `unknown {kind} '{name}'; {fix}`.
    pub fn unknown(kind: &'static str, name: impl Into<String>, fix: impl Into<String>) -> Self {
        Error::UnknownName {
            kind,
            name: name.into(),
            fix: fix.into(),
        }
    }
    /// `{arg} {value}: {problem}; {fix}`.
    pub fn argument(
        arg: &'static str,
        value: impl std::fmt::Display,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Error::Argument {
            arg,
            value: value.to_string(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
    /// `{input}: {problem}; {fix}`.
    pub fn malformed(
        input: impl Into<String>,
        problem: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Error::Malformed {
            input: input.into(),
            problem: problem.into(),
            fix: fix.into(),
        }
    }
    /// Whether this is bad input or usage (every variant but [`Error::Failed`] and
    /// [`Error::Io`]).
    pub fn is_input(&self) -> bool {
        !matches!(self, Error::Failed(_) | Error::Io { .. })
    }
    /// The fix the message proposes, for the variants that carry it apart.
    pub fn fix(&self) -> Option<&str> {
        match self {
            Error::UnknownName { fix, .. }
            | Error::Argument { fix, .. }
            | Error::Malformed { fix, .. } => Some(fix),
            Error::Input(_) | Error::Failed(_) | Error::Io { .. } => None,
        }
    }
    /// The command-line exit code of this error: 1 for a failed computation, 2 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Failed(_) => 1,
            Error::UnknownName { .. }
            | Error::Argument { .. }
            | Error::Malformed { .. }
            | Error::Input(_)
            | Error::Io { .. } => 2,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_variant_renders_its_problem_with_its_fix_and_exits_2() {
        let e = Error::unknown("suite", "geometri", "valid suites: geometry, muon");
        assert_eq!(
            e.to_string(),
            "unknown suite 'geometri'; valid suites: geometry, muon"
        );
        let a = Error::argument("--tol", 0, "not positive", "give e.g. --tol 1e-12");
        assert_eq!(
            a.to_string(),
            "--tol 0: not positive; give e.g. --tol 1e-12"
        );
        let m = Error::malformed("dataset 'x.csv', line 3", "'a' is not a number", "fix it");
        assert_eq!(
            m.to_string(),
            "dataset 'x.csv', line 3: 'a' is not a number; fix it"
        );
        for e in [&e, &a, &m] {
            assert_eq!(e.exit_code(), 2);
            assert!(e.to_string().ends_with(e.fix().unwrap()));
        }
        assert_eq!(Error::failed("x").exit_code(), 1);
        assert_eq!(Error::input("x").fix(), None);
    }
}

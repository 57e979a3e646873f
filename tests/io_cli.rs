//! NumPy exports and big-array paths of the command line (issue #17 item 6, issue #18 item 2):
//! `train --export FILE.npz` holds the trajectories and W_t at the recorded steps; `replay` gives
//! the same parameters from JSON and from `.npz`, and its `.npz` output holds them; the thread
//! count of a single job does not change its JSON keys.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use steepest::io::npy::Npz;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_steepest"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn ok(cmd: &mut Command) -> Vec<u8> {
    let o = cmd.output().expect("run steepest");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

#[test]
fn train_export_npz_holds_trajectories_and_w_at_records() {
    let dir = tempfile::tempdir().unwrap();
    let npz = dir.path().join("run.npz");
    let out = ok(bin()
        .args(["--quiet", "train", "--data"])
        .arg(fixture("dataset.small.json"))
        .args([
            "--optimizer",
            "nsd:norm=fro,lr=0.1",
            "--steps",
            "20",
            "--record",
            "1,5,20",
            "--export",
        ])
        .arg(&npz));
    let v: Value = serde_json::from_slice(&out).unwrap();
    assert!(v.get("W_at_records").is_none(), "the W_t are not printed");
    let mut z = Npz::open(&npz, "run.npz").unwrap();
    let t = z.get("run0/t", 1).unwrap().expect("t");
    assert_eq!(t.data, vec![1.0, 5.0, 20.0]);
    let loss = z.get("run0/loss", 1).unwrap().expect("loss");
    let traj = v["trajectory"].as_array().unwrap();
    for (i, s) in traj.iter().enumerate() {
        assert_eq!(loss.data[i], s["loss"].as_f64().unwrap());
    }
    assert!(z.get("run0/margin:fro", 1).unwrap().is_some());
    let w = z.get("run0/W", 1).unwrap().expect("W");
    let (k, d) = (
        v["data"]["classes"].as_u64().unwrap() as usize,
        v["data"]["d"].as_u64().unwrap() as usize,
    );
    assert_eq!(w.shape, vec![3, k, d]);
    // the last recorded W_t is the final W of the JSON, bit for bit
    let last: Vec<f64> = v["W"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()))
        .collect();
    assert_eq!(&w.data[2 * k * d..], &last[..]);
    // W_1 ≠ W_20: the snapshots are taken at their own steps
    assert_ne!(&w.data[..k * d], &w.data[2 * k * d..]);
    // --export of another kind is refused up front
    let o = bin()
        .args(["train", "--data"])
        .arg(fixture("dataset.small.json"))
        .args(["--optimizer", "sign", "--steps", "2", "--export"])
        .arg(dir.path().join("x.parquet"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains(".npz"));
}

#[test]
fn replay_from_json_and_npz_agree_and_threads_keep_keys() {
    let dir = tempfile::tempdir().unwrap();
    let case: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("muon.json")).unwrap()).unwrap();
    let case = case
        .get("cases")
        .and_then(|c| c.get(0))
        .cloned()
        .unwrap_or(case);
    let json_in = dir.path().join("run.json");
    std::fs::write(
        &json_in,
        serde_json::to_string(&serde_json::json!({"W0": case["W0"], "grads": case["grads"]}))
            .unwrap(),
    )
    .unwrap();
    let spec = "muon:lr=0.02,wd=0";
    let from_json = ok(bin()
        .args(["replay", "--optimizer", spec, "--threads", "1", "--input"])
        .arg(&json_in));
    let v: Value = serde_json::from_slice(&from_json).unwrap();
    // the .npz output of the same run, then the .npz as input
    let npz_out = dir.path().join("params.npz");
    ok(bin()
        .args(["replay", "--optimizer", spec, "--threads", "2", "--input"])
        .arg(&json_in)
        .arg("--report")
        .arg(&npz_out));
    let mut z = Npz::open(&npz_out, "params.npz").unwrap();
    let p = z.get("params", 1).unwrap().expect("params");
    let flat: Vec<f64> = v["params"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|m| m.as_array().unwrap().iter())
        .flat_map(|r| r.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()))
        .collect();
    assert_eq!(p.shape[0], v["steps"].as_u64().unwrap() as usize);
    // 2 threads vs 1 on small matrices: faer runs products this small on one thread, so the
    // numbers are equal; the tolerance is 1e-12 relative in case a kernel splits them
    for (a, b) in p.data.iter().zip(&flat) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }
    let zero_threads = bin()
        .args(["replay", "--optimizer", spec, "--threads", "0", "--input"])
        .arg(&json_in)
        .output()
        .unwrap();
    assert_eq!(zero_threads.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&zero_threads.stderr).contains("--threads 0"));
}

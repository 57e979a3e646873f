use super::*;
use npyz::WriterBuilder;
use serde_json::json;

fn tiny() -> serde_json::Value {
    json!({"classes": 2, "x": [[1.0, 0.0], [-1.0, 0.5], [2.0, 1.0]], "y": [1, 0, 1], "extra": "ignored"})
}

fn err(v: serde_json::Value) -> String {
    match Dataset::from_json(&v, "test") {
        Err(e) if e.is_input() => e.to_string(),
        other => panic!("expected an input error, got {other:?}"),
    }
}

#[test]
fn json_round_trip_and_binary_view() {
    let d = Dataset::from_json(&tiny(), "test").unwrap();
    assert_eq!((d.n(), d.d(), d.classes()), (3, 2, 2));
    assert_eq!(d.binary_signs().unwrap(), vec![1.0, -1.0, 1.0]);
    let again = Dataset::from_json(&d.to_json(), "again").unwrap();
    assert_eq!(again.y(), d.y());
}

#[test]
fn bad_inputs_are_named() {
    assert!(err(json!({"classes": 1, "x": [[1.0]], "y": [0]})).contains("k ≥ 2"));
    assert!(err(json!({"classes": 2, "x": [[1.0], [2.0]], "y": [0, 2]})).contains("outside 0..2"));
    assert!(err(json!({"classes": 2, "x": [[1.0, 2.0], [2.0]], "y": [0, 1]})).contains("ragged"));
    assert!(err(json!({"classes": 3, "x": [[1.0], [2.0]], "y": [0, 1]}))
        .contains("class 2 has no samples"));
    assert!(err(json!({"classes": 2, "x": [], "y": []})).contains("n = 0"));
    assert!(
        err(json!({"classes": 4000000000u64, "x": [[1.0], [2.0]], "y": [0, 1]}))
            .contains("no samples")
    );
    assert!(err(json!({"classes": 2, "x": [[1.0], [2.0]], "y": [0]})).contains("one label per row"));
    assert!(err(json!({"classes": 2, "x": [[1.0], [2.0]], "y": [0, 0.5]})).contains("integers"));
    let three = Dataset::from_json(
        &json!({"classes": 3, "x": [[1.0], [2.0], [3.0]], "y": [0, 1, 2]}),
        "t",
    )
    .unwrap();
    assert!(matches!(three.binary_signs(), Err(Error::Input(_))));
    let nan = Mat::from_fn(2, 1, |i, _| if i == 0 { f64::NAN } else { 1.0 });
    assert!(
        matches!(Dataset::new(2, nan, vec![0, 1], "t"), Err(Error::Input(m)) if m.contains("NaN"))
    );
}

#[test]
fn csv_with_header_comment_and_classes() {
    let text = "f1,f2,label\n# classes: 3\n1.0, 2.0, 0\n\n3.0,4.0,1\n5,6,2\n";
    let d = load::from_csv(text, "t.csv").unwrap();
    assert_eq!((d.n(), d.d(), d.classes()), (3, 2, 3));
    assert_eq!(d.x()[(2, 1)], 6.0);
    let bad = load::from_csv("1,2,0\n3,x,1\n", "t.csv");
    assert!(matches!(bad, Err(e) if e.is_input() && e.to_string().contains("line 2")));
    let ragged = load::from_csv("1,2,0\n3,1\n", "t.csv");
    assert!(matches!(ragged, Err(Error::Input(m)) if m.contains("ragged")));
    let nan = load::from_csv("1,NaN,0\n3,1,1\n", "t.csv");
    assert!(matches!(nan, Err(Error::Input(m)) if m.contains("NaN")));
}

fn write_npy(path: &std::path::Path, shape: &[u64], data: &[f64]) {
    let f = std::fs::File::create(path).unwrap();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(f)
        .begin_nd()
        .unwrap();
    w.extend(data.iter().copied()).unwrap();
    w.finish().unwrap();
}

#[test]
fn npy_and_npz() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("d.npy");
    write_npy(&p, &[3, 3], &[1.0, 2.0, 0.0, 3.0, 4.0, 1.0, 5.0, 6.0, 1.0]);
    let d = Dataset::load(&p).unwrap();
    assert_eq!((d.n(), d.d(), d.classes()), (3, 2, 2));
    assert_eq!(d.x()[(1, 0)], 3.0);

    let pz = dir.path().join("d.npz");
    let f = std::fs::File::create(&pz).unwrap();
    let mut zip = zip::ZipWriter::new(f);
    let opts = zip::write::FileOptions::default();
    zip.start_file("x.npy", opts).unwrap();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[2, 2])
        .writer(&mut zip)
        .begin_nd()
        .unwrap();
    w.extend([1.0f64, 2.0, 3.0, 4.0]).unwrap();
    w.finish().unwrap();
    zip.start_file("y.npy", opts).unwrap();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[2])
        .writer(&mut zip)
        .begin_nd()
        .unwrap();
    w.extend([0i64, 1]).unwrap();
    w.finish().unwrap();
    zip.finish().unwrap();
    let d = Dataset::load(&pz).unwrap();
    assert_eq!((d.n(), d.d(), d.classes()), (2, 2, 2));
    assert_eq!(d.y(), &[0, 1]);
    assert_eq!(d.x()[(1, 1)], 4.0);
}

#[test]
fn synthetic_is_seeded_and_separable() {
    let spec = SyntheticSpec {
        classes: 3,
        dim: 4,
        per_class: 5,
        sigma: 0.1,
        seed: 7,
    };
    let a = synthetic(&spec).unwrap();
    let b = synthetic(&spec).unwrap();
    assert_eq!(a.x(), b.x());
    assert_eq!(a.y(), b.y());
    let s = separability(&a).unwrap();
    assert!(s.separable, "t* = {}", s.t);
}

#[test]
fn duplicate_points_with_different_labels_are_not_separable() {
    let d = Dataset::from_json(
        &json!({"classes": 2, "x": [[1.0, 2.0], [1.0, 2.0], [0.0, 1.0]], "y": [0, 1, 1]}),
        "t",
    )
    .unwrap();
    let s = separability(&d).unwrap();
    assert!(!s.separable, "t* = {}", s.t);
    let m = d.combine_pairs(&s.lambda);
    let sum: f64 = (0..m.nrows())
        .flat_map(|i| (0..m.ncols()).map(move |j| (i, j)))
        .map(|(i, j)| m[(i, j)].abs())
        .sum();
    assert!(sum < 1e-7, "Farkas certificate ‖Σλ A‖_sum = {sum}");
}

use super::laws::{best_candidate_ratio, check_dual_pair};
use super::registry;
use super::*;
use faer::mat;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn g43() -> Mat<f64> {
    mat![
        [0.3, -0.1, 0.2],
        [-0.4, 0.5, 0.0],
        [0.1, 0.2, -0.3],
        [0.0, -0.2, 0.6]
    ]
}

fn randn(rng: &mut ChaCha8Rng, m: usize, n: usize) -> Mat<f64> {
    Mat::from_fn(m, n, |_, _| {
        rng.sample::<f64, _>(rand_distr::StandardNormal)
    })
}

/// Block shapes of a product point for the base shape (m, k): L blocks of different shapes.
fn product_shapes(l: usize, m: usize, k: usize) -> Vec<(usize, usize)> {
    [(m, k), (k, m + 1), (m, 1), (k + 1, 2)][..l].to_vec()
}

/// A norm with the block shapes of its points (one block for a single-matrix norm).
type Sample = (Box<dyn Norm>, Vec<(usize, usize)>);

/// Every sample of the registry as a norm on points of base shape (m, k) (a product on its
/// stacked points).
fn sample_norms(m: usize, k: usize) -> Vec<Sample> {
    registry::samples()
        .map(|name| match parse(name).unwrap() {
            Parsed::Single(n) => (n, vec![(m, k)]),
            Parsed::Product(p) => {
                let shapes = product_shapes(p.blocks.len(), m, k);
                (Box::new(p.at_shapes(&shapes)) as Box<dyn Norm>, shapes)
            }
        })
        .collect()
}

/// A random point with blocks of `shapes` (one matrix, or the stacked column of the blocks).
fn point(rng: &mut ChaCha8Rng, shapes: &[(usize, usize)]) -> Mat<f64> {
    let blocks: Vec<Mat<f64>> = shapes.iter().map(|&(m, n)| randn(rng, m, n)).collect();
    match blocks.len() {
        1 => blocks.into_iter().next().unwrap(),
        _ => ProductNorm::stack(&blocks),
    }
}

#[test]
fn reference_dual_values_file00() {
    // file 00 §2.1 (CVXPY + Clarabel); closed forms to 1e-8.
    let g = g43();
    let cases = [
        ("fro", 1.044030651),
        ("spectral", 1.655986120),
        ("max", 2.9),
        ("sum", 0.6),
        ("nuclear", 0.827183745),
        ("entrywise:3", 1.441944244),
    ];
    for (name, want) in cases {
        let n = parse_norm(name).unwrap();
        let d = n.dual_norm(g.as_ref());
        assert!((d - want).abs() < 2e-8, "{name}: {d} vs {want}");
    }
    // sum-norm LMO: first maximal |G_ij| column-major is G[3,2] = 0.6 (unique here).
    let d = Entrywise::sum().dualize(g.as_ref());
    assert_eq!(d[(3, 2)], 1.0);
}

#[test]
fn laws_hold_for_every_norm() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut products = 0;
    for (m, k) in [(1, 1), (5, 1), (4, 3), (3, 7), (16, 16)] {
        for (n, shapes) in sample_norms(m, k) {
            products += usize::from(shapes.len() > 1);
            let name = n.name();
            let g = point(&mut rng, &shapes);
            let x = point(&mut rng, &shapes);
            check_dual_pair(n.as_ref(), &g, &x, 1e-12).unwrap_or_else(|e| panic!("{m}x{k}: {e}"));
            let cands: Vec<Mat<f64>> = (0..20).map(|_| point(&mut rng, &shapes)).collect();
            assert!(
                best_candidate_ratio(n.as_ref(), &g, &cands) <= 1.0 + 1e-12,
                "{name}"
            );
        }
    }
    // the sweep reaches every registry entry, products included
    assert!(products >= 5 * 3, "{products} product cases");
    for e in NORMS {
        assert!(
            !e.suite.is_empty() || !e.extra.is_empty(),
            "{} has no sample",
            e.grammar
        );
    }
}

#[test]
fn dual_pairs() {
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let g = randn(&mut rng, 6, 4);
    for (p, q) in [(3.0, 1.5), (1.5, 3.0), (1.0, f64::INFINITY), (2.0, 2.0)] {
        let a = Entrywise::new(p).dual_norm(g.as_ref());
        let b = Entrywise::new(q).norm(g.as_ref());
        assert!((a - b).abs() < 1e-12 * b, "entrywise {p}");
        let a = Schatten::new(p).dual_norm(g.as_ref());
        let b = Schatten::new(q).norm(g.as_ref());
        assert!((a - b).abs() < 1e-12 * b, "schatten {p}");
    }
}

#[test]
fn names_round_trip_and_errors() {
    for (input, canon) in [
        ("entrywise:2", "fro"),
        ("schatten:2", "fro"),
        ("entrywise:inf", "max"),
        ("entrywise:1", "sum"),
        ("schatten:inf", "spectral"),
        ("schatten:1", "nuclear"),
        ("lp:2", "l2"),
        ("lp:inf", "linf"),
        ("lp:3", "lp:3"),
        ("l1", "l1"),
        ("op:1->2", "op:1->2"),
        ("op:2->inf", "op:2->inf"),
        ("schatten:1.5", "schatten:1.5"),
        ("rms-rms", "rms-rms"),
        ("frobenius", "fro"),
        (
            "product:hybrid(!spectral*2, l2*0.5)",
            "product:hybrid(!spectral*2,l2*0.5)",
        ),
        (
            "product:max(spectral,linf)",
            "product:max(spectral*1,linf*1)",
        ),
        ("product:l2(!op:1->2*3)", "product:l2(op:1->2*3)"),
    ] {
        let name = |n: Parsed| match n {
            Parsed::Single(n) => n.name(),
            Parsed::Product(p) => p.name(),
        };
        let n = name(parse(input).unwrap());
        assert_eq!(n, canon, "{input}");
        assert_eq!(name(parse(&n).unwrap()), canon, "{input}");
    }
    for bad in [
        "foo",
        "entrywise:0.5",
        "schatten:nan",
        "lp:x",
        "op:2->3",
        "entrywise:",
        "schatten:-1",
    ] {
        let e = parse_norm(bad).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("valid names"), "{bad}: {e}");
    }
    // product names: a bad one gives the grammar; parse_norm refuses products
    for bad in [
        "product:sum(spectral)",
        "product:max(spectral",
        "product:max()",
        "product:max(bogus)",
        "product:max(spectral*0)",
        "product:max(spectral*x)",
        "product:max(l2,product:max(l2))",
    ] {
        let e = parse(bad).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        assert!(e.to_string().contains("product:AGG(BLOCK"), "{bad}: {e}");
    }
    let e = parse_norm("product:max(l2)").unwrap_err();
    assert!(e.to_string().contains("product norm"), "{e}");
    assert!(parse_product("spectral").is_err());
}

#[test]
fn the_table_parses_its_samples_and_derives_the_help() {
    for e in NORMS {
        for s in e.suite.iter().chain(e.extra) {
            assert!((e.parse)(s).is_some_and(|r| r.is_ok()), "{s}");
            // no other entry claims the name
            let claims = NORMS.iter().filter(|f| (f.parse)(s).is_some()).count();
            assert_eq!(claims, 1, "{s}");
        }
        assert!(names().contains(e.grammar) && registry::help().contains(e.about));
    }
}

#[test]
fn ordering_max_le_norm_le_sum() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let a = randn(&mut rng, 7, 5);
    let lo = Entrywise::max().norm(a.as_ref());
    let hi = Entrywise::sum().norm(a.as_ref());
    for p in [1.0, 1.5, 2.0, 3.0, f64::INFINITY] {
        for v in [
            Entrywise::new(p).norm(a.as_ref()),
            Schatten::new(p).norm(a.as_ref()),
        ] {
            assert!(lo <= v * (1.0 + 1e-14) && v <= hi * (1.0 + 1e-14));
        }
    }
}

#[test]
fn rank_deficient_spectral() {
    // rank 1: spectral LMO is the rank-one partial isometry, ‖D‖ = 1, ⟨G,D⟩ = σ1.
    let u = [1.0, -2.0, 2.0];
    let v = [3.0, 0.0, 4.0, 0.0];
    let g = Mat::from_fn(3, 4, |i, j| u[i] * v[j]);
    let (d, dir) = Schatten::spectral().dual_and_dualize(g.as_ref());
    assert!((d - 15.0).abs() < 1e-13);
    let want = Mat::from_fn(3, 4, |i, j| u[i] / 3.0 * v[j] / 5.0);
    for j in 0..4 {
        for i in 0..3 {
            assert!((dir[(i, j)] - want[(i, j)]).abs() < 1e-14);
        }
    }
}

fn product(agg: Aggregation) -> ProductNorm {
    ProductNorm::new(
        agg,
        vec![
            Block::new(parse_norm("spectral").unwrap(), 2.0, true),
            Block::new(parse_norm("sum").unwrap(), 0.5, false),
            Block::new(parse_norm("rms-rms").unwrap(), 1.0, true),
            Block::new(parse_norm("l2").unwrap(), 3.0, false),
        ],
    )
}

#[test]
fn product_norm_laws() {
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let shapes = [(4, 3), (5, 5), (2, 6), (7, 1)];
    for agg in [Aggregation::Max, Aggregation::L2, Aggregation::Hybrid] {
        let p = product(agg);
        let g: Vec<Mat<f64>> = shapes.iter().map(|&(m, n)| randn(&mut rng, m, n)).collect();
        let x: Vec<Mat<f64>> = shapes.iter().map(|&(m, n)| randn(&mut rng, m, n)).collect();
        // the laws on the stacked points
        let stacked = p.at_shapes(&shapes);
        let (gs, xs) = (ProductNorm::stack(&g), ProductNorm::stack(&x));
        check_dual_pair(&stacked, &gs, &xs, 1e-12).unwrap();
        let cands: Vec<Mat<f64>> = (0..50).map(|_| point(&mut rng, &shapes)).collect();
        assert!(best_candidate_ratio(&stacked, &gs, &cands) <= 1.0);
        // the Norm on stacked points is the product norm on the tuple
        let (d, dir) = Norm::dual_and_dualize(&stacked, gs.as_ref());
        let (d_blocks, dir_blocks) = p.dual_and_dualize(&g);
        assert_eq!(d, d_blocks);
        assert_eq!(dir, ProductNorm::stack(&dir_blocks));
        assert_eq!(stacked.split(dir.as_ref()), dir_blocks);
        assert_eq!(Norm::norm(&stacked, xs.as_ref()), p.norm(&x));
        // a zero block gets a zero direction
        let mut g0 = g.clone();
        g0[1] = Mat::zeros(5, 5);
        let d = p.dualize(&g0);
        assert_eq!(d[1], Mat::<f64>::zeros(5, 5));
    }
}

#[test]
fn product_max_dual_is_sum_of_scaled_duals() {
    let mut rng = ChaCha8Rng::seed_from_u64(9);
    let p = product(Aggregation::Max);
    let g: Vec<Mat<f64>> = [(4, 3), (5, 5), (2, 6), (7, 1)]
        .iter()
        .map(|&(m, n)| randn(&mut rng, m, n))
        .collect();
    let want: f64 = p
        .blocks
        .iter()
        .zip(&g)
        .map(|(b, x)| b.norm.dual_norm(x.as_ref()) / b.scale)
        .sum();
    assert!((p.dual_norm(&g) - want).abs() < 1e-13 * want);
}

//! Pressure-wave reflection at an outlet. A duct periodic across its section (plane
//! waves, no wall friction), a velocity inlet at z = 0 and an outlet at z = L: an
//! inflow step sends a pressure wave of δρ₁ = u/c_s = √3 u down the duct and its echo
//! from the outlet comes back after 2L/c_s. A plain pressure outlet reflects it with
//! R ≈ −1 (an open end); the non-reflecting outlet (docs/boundaries.md) must return
//! less than 5% of it. The non-reflecting outlet also answers the inflow at once, as
//! an incompressible fluid would (it imposes Z (Q − Q_in)): that answer reaches the
//! inlet after one transit L/c_s, before the echo would (2L/c_s), and is measured
//! apart.

use embolus::lbm::lattice::{direction_of, flags};
use embolus::lbm::outlets::wave_filter_steps;
use embolus::lbm::{BoundaryRecord, CollisionModel, GridDims, LatticeSetup, Relaxation};
use embolus::sim::{GpuLattice, StepState};

const INFLOW_LATTICE: f32 = 0.01;

fn duct(nz: usize, non_reflecting: bool) -> LatticeSetup {
    let dims = GridDims::new(4, 4, nz);
    let mut cell_flags = vec![flags::FLUID; dims.cells()];
    let mut records = Vec::new();
    let up = direction_of([0, 0, 1]).unwrap();
    let down = direction_of([0, 0, -1]).unwrap();
    for y in 0..4 {
        for x in 0..4 {
            cell_flags[dims.index(x, y, 0)] = flags::boundary(flags::INLET, up, 0, records.len());
            records.push(BoundaryRecord {
                velocity: [0.0, 0.0, INFLOW_LATTICE],
                delta_density: 0.0,
            });
            cell_flags[dims.index(x, y, nz - 1)] =
                flags::boundary(flags::OUTLET, down, 1, records.len());
            records.push(BoundaryRecord {
                velocity: [0.0; 3],
                delta_density: 0.0,
            });
        }
    }
    let mut setup = LatticeSetup::at_equilibrium(
        dims,
        cell_flags,
        records,
        2,
        Relaxation::new(0.55, CollisionModel::Trt { magic: 3.0 / 16.0 }),
        [0.0; 3],
        |_| (0.0, [0.0; 3]),
    );
    setup.outlet_filter_steps = non_reflecting.then(|| wave_filter_steps(nz));
    setup
}

/// Reflection coefficient seen at the inlet: a Gaussian inflow pulse (σ = 30 steps)
/// sends a pressure pulse of peak δρ₁ = √3 u down the duct; the velocity inlet
/// reflects the echo again, so the echo's peak at the inlet is 2 R δρ₁ (less the
/// viscous attenuation over 2L, a few per cent at τ = 0.55).
fn reflection(non_reflecting: bool) -> f64 {
    let ctx = embolus::gpu::GpuContext::new(None).unwrap_or_else(|e| panic!("{e}"));
    let nz = 240;
    let setup = duct(nz, non_reflecting);
    let round_trip = 2.0 * (nz - 1) as f64 * 3f64.sqrt();
    let (sigma, centre) = (30.0, 120.0);
    let total = (1.6 * round_trip) as u64;
    let mut lattice = GpuLattice::new(&ctx, &setup).unwrap();
    let schedule: Vec<StepState> = (0..total)
        .map(|n| {
            let t = n as f64 + 0.5;
            let pulse = (-0.5 * ((t - centre) / sigma).powi(2)).exp();
            StepState::new(n, pulse as f32, [0.0; 3])
        })
        .collect();
    let mut samples: Vec<(f64, f64)> = Vec::new();
    for chunk in schedule.chunks(2) {
        lattice.set_schedule(&ctx, chunk);
        lattice.step(&ctx, chunk.len() as u32);
        let totals = lattice.probe(&ctx).unwrap();
        samples.push((
            lattice.steps_done() as f64,
            totals.openings[0].mean_delta_density(),
        ));
    }
    // Largest |δρ| at the inlet within a window of time, with its sign.
    let peak_in = |from: f64, to: f64| {
        samples
            .iter()
            .filter(|(t, _)| *t >= from && *t <= to)
            .map(|s| s.1)
            .fold(0.0f64, |a, b| if b.abs() > a.abs() { b } else { a })
    };
    let incident = peak_in(0.0, 0.5 * round_trip);
    // The outlet's answer to the inflow arrives around centre + L/c_s; the echo of
    // the pulse around centre + 2L/c_s.
    let answered = centre + 0.5 * round_trip + 5.0 * sigma;
    let answer = peak_in(0.5 * round_trip, answered);
    let echo = peak_in(answered, 1.6 * round_trip);
    let acoustic = 3f64.sqrt() * INFLOW_LATTICE as f64;
    let r = echo / (2.0 * incident);
    println!(
        "non_reflecting = {non_reflecting}: incident peak δρ {incident:.5e} (√3 u = \
         {acoustic:.5e}); after one transit {answer:+.5e}; echo peak {echo:+.5e}: R = {r:+.4}"
    );
    // The incident wave is the acoustic one: δρ₁ = √3 u within 2%.
    assert!(
        (incident - acoustic).abs() / acoustic < 0.02,
        "incident {incident}"
    );
    // After one transit the inlet sees the outlet's answer to the inflow: −U for the
    // non-reflecting outlet (docs/boundaries.md; within 10%), nothing for the plain one.
    let answer = answer / incident;
    if non_reflecting {
        assert!(
            (answer + 1.0).abs() < 0.1,
            "answer {answer} of the incident wave"
        );
    } else {
        assert!(answer.abs() < 0.01, "answer {answer} of the incident wave");
    }
    r
}

#[test]
fn plain_pressure_outlet_reflects_and_the_non_reflecting_one_does_not() {
    let plain = reflection(false);
    let absorbing = reflection(true);
    // The measurement sees the open-end reflection of a fixed-pressure outlet …
    assert!(plain < -0.9, "plain pressure outlet R = {plain}");
    // … and the impedance-matched outlet returns less than 5% of the wave.
    assert!(
        absorbing.abs() < 0.05,
        "non-reflecting outlet R = {absorbing}"
    );
}
